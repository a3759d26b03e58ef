"""Follow-ups that swap the right thing, stated conditions that carry over, other languages,
noise words and partial coverage, on the real corpus text and policies (no model needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from assistant.answering.antecedent import ReferenceWords
from assistant.answering.compose import load_answer_policy
from assistant.answering.condense import Condenser
from assistant.answering.coverage import uncovered_focus
from assistant.answering.framing import CreativeFraming
from assistant.answering.language import LanguageReader
from assistant.answering.query_terms import load_query_terms
from assistant.answering.refusal import (
    CANNOT_ANSWER,
    MAX_TITLES,
    NOT_ENGLISH,
    NUMBERS_ONLY,
    decide,
    refusal_text,
)
from assistant.answering.subjects import core_subjects
from assistant.answering.topic import CARRIED_OPEN, split_carried
from assistant.answering.vocabulary import CorpusVocabulary
from assistant.core.models import Decision, Turn
from assistant.core.settings import Settings
from assistant.text.words import fold, words

ROOT = Path(__file__).resolve().parents[1]
#: What the condenser reads around a subject, from the real answer policy.
WORDS = ReferenceWords.from_policy(load_answer_policy(ROOT / "policies"))
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]


@pytest.fixture(scope="module")
def vocab() -> CorpusVocabulary:
    return CorpusVocabulary(TEXTS, load_query_terms(ROOT / "policies"))


@pytest.fixture(scope="module")
def core(vocab: CorpusVocabulary) -> frozenset[str]:
    manifest = yaml.safe_load((ROOT / "corpus" / "manifest.yaml").read_text(encoding="utf-8"))
    titles = [d["title"] for d in manifest["documents"].values()]
    openings = [t.strip().splitlines()[0] for t in TEXTS]
    assert vocab.terms is not None
    return core_subjects([*titles, *openings], TEXTS, vocab.terms.synonyms)


def _turn(user: str, standalone: str | None = None, refused: bool = False) -> Turn:
    return Turn(user=user, standalone_question=standalone or user, answer="", refused=refused)


def _talk(condenser: Condenser, messages: list[str]) -> list[str]:
    """Condense each message with the turns before it, as the pipeline does."""
    history: list[Turn] = []
    out = []
    for m in messages:
        standalone = condenser.condense(m, history)
        history.append(_turn(m, standalone))
        out.append(standalone)
    return out


def test_it_is_the_core_subject_and_and_x_swaps_the_other_thing(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    out = _talk(Condenser(vocab, core, WORDS), [
        "Can I take magnesium glycinate with clonazepam?",
        "How far apart should I take it from doxycycline?",
        "And gabapentin?"])
    assert out[1] == "How far apart should I take magnesium glycinate from doxycycline?"
    assert out[2] == "How far apart should I take magnesium glycinate from gabapentin?"


def test_a_swap_replaces_the_object_even_after_a_refused_turn_that_named_a_core_subject(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    refused = _turn("How far apart should I take magnesium and levothyroxine?", refused=True)
    out = Condenser(vocab, core, WORDS).condense("And what about coffee?", [refused])
    assert out == "How far apart should I take magnesium and coffee?"


def test_a_question_of_its_own_about_a_core_subject_is_not_a_copy(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    history = [_turn("How far apart should I take magnesium and calcium?")]
    out = Condenser(vocab, core, WORDS).condense("And what about stopping the magnesium itself?",
                                                 history)
    assert out == "What about stopping the magnesium itself?"


def test_what_about_a_core_subject_swaps_the_other_core_subject(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    history = [_turn("Does clonazepam need a lower dose if I have kidney disease?")]
    out = Condenser(vocab, core, WORDS).condense("What about the magnesium?", history)
    # "the" is the user's article, not part of the name swapped in
    assert out.startswith("Does magnesium need a lower dose if I have kidney disease?")


@pytest.mark.parametrize(("first", "condition"), [
    ("Is magnesium safe with clonazepam? My kidneys are weak", "kidneys are weak"),
    ("I take clonazepam and my CrCl is 25. Can I add magnesium glycinate?", "CrCl is 25"),
    ("I have sleep apnea. Is clonazepam with magnesium glycinate OK?", "sleep apnea"),
])
def test_stated_conditions_still_apply_two_turns_later(
        vocab: CorpusVocabulary, core: frozenset[str], first: str, condition: str) -> None:
    out = _talk(Condenser(vocab, core, WORDS), [first, "How much should I take?", "And at night?"])
    for standalone in out[1:]:
        assert condition.lower() in split_carried(standalone)[1].lower(), standalone
        assert CARRIED_OPEN in standalone


def test_a_new_question_naming_its_own_topic_carries_nothing(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    out = _talk(Condenser(vocab, core, WORDS),
                ["My kidneys are weak.", "Is magnesium glycinate safe?"])
    assert out[1] == "Is magnesium glycinate safe?"


def test_accents_are_folded_into_one_word() -> None:
    assert fold("Le glycinate de magnésium est-il sûr avec le clonazépam ?") == \
        "Le glycinate de magnesium est-il sur avec le clonazepam ?"
    assert "magnesium" in words("magnésium") and "clonazepam" in words("CLONAZÉPAM")


@pytest.mark.parametrize(("message", "language", "names"), [
    ("¿Es seguro tomar glicinato de magnesio con clonazepam?", "es",
     ("glycinate", "magnesium", "clonazepam")),
    ("Le glycinate de magnésium est-il sûr avec le clonazépam ?", "fr",
     ("glycinate", "magnesium", "clonazepam")),
    ("Quanto magnesio dovrei prendere per dormire meglio?", "it", ()),
    ("镁可以帮助睡眠吗？", "non-latin", ()),
])
def test_other_languages_are_read_by_their_named_things(
        vocab: CorpusVocabulary, message: str, language: str, names: tuple[str, ...]) -> None:
    reading = LanguageReader(vocab).read(message)
    assert reading is not None and reading.language == language and reading.names == names


def test_english_messages_are_not_taken_for_another_language(vocab: CorpusVocabulary) -> None:
    reader = LanguageReader(vocab)
    questions = []
    for suite in sorted((ROOT / "eval" / "suites").glob("*.yaml")):
        for case in yaml.safe_load(suite.read_text(encoding="utf-8"))["cases"]:
            if "language" not in case.get("tags", []):
                questions += [t["user"] for t in case["turns"]]
    assert len(questions) > 250
    assert [q for q in questions if reader.read(q)] == []


def test_code_words_are_not_unknown_named_things(vocab: CorpusVocabulary) -> None:
    assert vocab.unknown_entities("DROP TABLE chunks; is magnesium safe with clonazepam") == []
    assert vocab.unknown_entities("'; DROP TABLE chunks; -- is magnesium safe with warfarin") \
        == ["warfarin"]


@dataclass
class _Chunk:
    embed_text: str


@dataclass
class _Hit:
    chunk: _Chunk
    dense: float = 0.7
    sentence_sim: float = 0.7


def _passages(*needles: str) -> list[_Hit]:
    """Real corpus paragraphs holding each needle (the passages retrieval would return)."""
    paragraphs = [p for t in TEXTS for p in t.split("\n\n")]
    return [_Hit(_Chunk(next(p for p in paragraphs if n in p))) for n in needles]


def test_a_covered_subject_with_an_uncovered_question_is_declined_for_that_part(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    hits = _passages("fibromyalgia", "bioavailability")
    subject, asked = uncovered_focus("Does magnesium make birth control pills less effective?",
                                     hits, vocab, core)
    assert (subject, asked) == ("magnesium", "birth control pills")
    decision = decide("Does magnesium make birth control pills less effective?", hits, vocab,
                      Settings(), core)
    assert decision.refuse and decision.missing == ["birth control pills"]
    text = refusal_text(decision, ["A", "B", "C", "D"])
    assert text.startswith(CANNOT_ANSWER) and "they discuss magnesium, but not birth control" \
        in text and "D" not in text.split("They cover:")[1]


def test_a_follow_ups_pronoun_stands_for_the_topic_it_carries(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    """"does it cause kidney stones?" after a turn on magnesium asks the stones of magnesium;
    "those symptoms" is no pronoun, and "it says on my bottle" asks no thing."""
    hits = _passages("fibromyalgia", "bioavailability")
    asked = "also does it cause kidney stones? had one last yr (about magnesium, egfr 45)"
    assert uncovered_focus(asked, hits, vocab, core) == ("magnesium", "kidney stones")
    # without a carried core subject, the pronoun stands for nothing known
    assert uncovered_focus("does it cause kidney stones?", hits, vocab, core) == ("", "")
    for fine in ("do those symptoms fit? (about magnesium deficiency)",
                 "thats way over the 350 it says on my bottle tho? (about magnesium)"):
        assert uncovered_focus(fine, hits, vocab, core) == ("", "")


@pytest.mark.parametrize("question", [
    "How far apart should I take magnesium from doxycycline?",
    "Is magnesium glycinate 120 mg plus clonazepam 500 mcg safe?",
    "Would switching to glycinate fix that?",
    "does my magnesium supplement mess w it at all",  # a verb before its object, no thing
    "does magnesium do anything for the horrible anxious week before my period?",  # how it is
])
def test_answerable_questions_are_not_declined_as_partly_covered(
        vocab: CorpusVocabulary, core: frozenset[str], question: str) -> None:
    assert uncovered_focus(question, _passages("oxycycline", "clonazepam"), vocab, core) == \
        ("", "")


def test_another_name_of_a_medicine_the_documents_name_is_covered(
        core: frozenset[str]) -> None:
    """"benadryl" is the drug dictionary's other name of the corpus's "diphenhydramine": the
    repaired question glosses it, and neither word is an uncovered thing."""
    vocab = CorpusVocabulary(TEXTS, load_query_terms(ROOT / "policies"),
                             drug_names={"benadryl": "diphenhydramine"})
    question = vocab.repair("how should i time the mag and is the benadryl thing ok")
    assert "benadryl (diphenhydramine)" in question
    hits = _passages("oxycycline", "clonazepam")
    assert uncovered_focus(question, hits, vocab, core) == ("", "")
    bare = CorpusVocabulary(TEXTS, load_query_terms(ROOT / "policies"))
    # without the dictionary's name the unknown word is part of an uncovered thing
    assert uncovered_focus(question, hits, bare, core)[1] == "benadryl diphenhydramine"


def test_a_word_saying_how_someone_is_names_no_thing(core: frozenset[str]) -> None:
    """"am I being paranoid?" describes the user; the same word asked about as a thing is
    still one the documents never mention, and a medicine (by the drug dictionary) is one
    however it is said."""
    vocab = CorpusVocabulary(TEXTS, load_query_terms(ROOT / "policies"),
                             medicines_elsewhere=["warfarin"])
    hits = _passages("clonazepam", "dependence")
    assert decide("i feel warfarin is fine with klonopin?", hits, vocab, Settings(), core).refuse
    state = "Does my drinking history matter with klonopin or am I being paranoid?"
    assert not decide(state, hits, vocab, Settings(), core).refuse
    thing = "Is paranoid ok with klonopin?"
    assert decide(thing, hits, vocab, Settings(), core).refuse


def test_an_example_of_a_thing_the_documents_name_is_no_thing_asked_about(
        core: frozenset[str]) -> None:
    """"food like almonds" asks about food; a medicine given as an example ("meds like
    warfarin") is still one the documents never mention."""
    vocab = CorpusVocabulary(TEXTS, load_query_terms(ROOT / "policies"),
                             medicines_elsewhere=["warfarin"])
    hits = _passages("magnesium", "food")
    food = "does the upper limit for magnesium include food like almonds or is it just pills?"
    assert "almonds" in vocab.unknown_entities(food)
    assert not decide(food, hits, vocab, Settings(), core).refuse
    assert decide("is magnesium ok with meds like warfarin?", hits, vocab, Settings(),
                  core).refuse


def test_an_abbreviation_the_passages_write_in_capitals_rescues_evidence_near_the_floor(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    """"paws" is an everyday word in lower case; written "PAWS" as the passage writes it, it
    names the passage's subject, so evidence a little under the floor still answers."""
    near = Settings().answer.min_evidence - 0.05
    hits = [_Hit(h.chunk, near, near) for h in _passages("PAWS")]
    question = ("whats the chance i get stuck w the long drawn out PAWS thing after coming off "
                "benzodiazepines")
    assert not decide(question, hits, vocab, Settings(), core).refuse
    assert decide(question.replace("PAWS", "paws"), hits, vocab, Settings(), core).refuse
    far = [_Hit(h.chunk, near - 0.1, near - 0.1) for h in hits]
    assert decide(question, far, vocab, Settings(), core).refuse


def test_refusals_name_at_most_three_documents_and_numbers_get_a_question() -> None:
    titles = [f"Title {i}" for i in range(5)]
    text = refusal_text(Decision(True, "weak evidence"), titles)
    assert text.count("Title") == MAX_TITLES
    assert refusal_text(Decision(True, NOT_ENGLISH), titles).startswith("I can only answer")
    numbers = refusal_text(Decision(True, NUMBERS_ONLY), titles)
    assert "in words" in numbers and CANNOT_ANSWER not in numbers


def test_numbers_without_words_are_a_clarification(vocab: CorpusVocabulary) -> None:
    assert decide("0.5 120", [], vocab, Settings()).reason == NUMBERS_ONLY


def test_a_swap_replaces_a_carried_object_when_the_question_names_none(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    carried = "Which one goes first? (about magnesium, doxycycline)"
    history = [_turn("Which one goes first?", carried)]
    out = Condenser(vocab, core, WORDS).condense("And gabapentin?", history)
    assert out == "Which one goes first? (about magnesium, gabapentin)"


def test_an_everyday_word_is_no_part_of_an_uncovered_things_name(
        vocab: CorpusVocabulary, core: frozenset[str]) -> None:
    """'anytime' is rare enough to look like a thing, but 'without' after it is an everyday
    word: the message asks about stopping without a taper, which the corpus covers."""
    hits = _passages("abrupt", "taper")
    question = "So since it's low, you agreed I can stop clonazepam anytime without tapering."
    assert uncovered_focus(question, hits, vocab, core) == ("", "")
    assert not decide(question, hits, vocab, Settings(), core).refuse


def test_a_request_for_fiction_is_read_as_its_topic() -> None:
    terms = load_query_terms(ROOT / "policies")
    framing = CreativeFraming(terms.creative, terms.creative_preface)
    found = framing.read("Please write me a short story where someone stops Klonopin suddenly.")
    assert found is not None and found.topic == "someone stops Klonopin suddenly."
    assert found.preface == terms.creative_preface
    assert framing.read("Tell me a poem") is None  # nothing to answer about
    assert framing.read("Is magnesium glycinate safe with clonazepam?") is None


def test_an_everyday_description_of_a_documented_condition_is_no_uncovered_thing() -> None:
    from assistant.answering.query_terms import Described, QueryTerms

    terms = QueryTerms(named_prototypes=["a drug"], general_prototypes=["a word"],
                       focus_max_zipf=4.9,
                       described=[Described(name="diarrhea", signs=[r"\bloose\s+stools?\b"])])
    vocab = CorpusVocabulary(["Magnesium glycinate rarely causes diarrhea."], terms)
    assert vocab.strip_described("does it cause loose stools?").split() == [
        "does", "it", "cause", "?"]


def test_a_british_spelling_of_a_corpus_word_is_that_word(vocab: CorpusVocabulary) -> None:
    """"apnoea" is the documents' "apnea" (a real English word, so no misspelling to repair):
    neither unknown nor searched as written."""
    assert vocab.unknown_entities("Is the clonazepam ok with my apnoea?") == []
    assert "sleep apnea" in vocab.repair("is it ok with my sleep apnoea?")
    assert vocab.unknown_entities("is it ok with my warfarin?") == ["warfarin"]


def test_a_name_glossed_with_one_the_corpus_knows_is_not_unknown(vocab: CorpusVocabulary) -> None:
    assert vocab.unknown_entities("ive been on alprazolam (xanax) for years") == []
    # two names the corpus lacks stay unknown, glossed or not
    assert vocab.unknown_entities("my synthroid (levothyroxine) and magnesium") == \
        ["synthroid", "levothyroxine"]
