"""Honest refusal: no evidence, no answer.

A question is declined when retrieval finds nothing close enough (evidence strength: the best
similarity of a retrieved chunk or of its best sentence or table row, so a short fact in a long
chunk counts as close), or when it names something the documents never mention (a rare word
such as "warfarin" that no chunk contains, even after spelling repair), which is the hard
near-domain case: magnesium interaction passages come back for "magnesium with warfarin", but
none of them is about warfarin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.answering.coverage import (
    Scored,
    asked_rare,
    known_thing,
    named_by_frame,
    named_things,
    never_together,
    uncovered_focus,
)
from assistant.answering.follow_up import ASKS_ABOUT
from assistant.answering.pointing import core_purpose, pointed_at
from assistant.answering.topic import split_carried
from assistant.answering.vocabulary import NAMED_ZIPF, CorpusVocabulary
from assistant.core.models import Decision, Hit
from assistant.core.settings import Settings
from assistant.text.sentences import MODALS, asked_or_paired, part_naming, question_parts
from assistant.text.words import (
    fold,
    stem,
    word_stems,
    words,
    zipf,
)

#: The one phrase every refusal starts with (used by the composer, the LLM prompt and tests).
CANNOT_ANSWER = "The documents I have don't cover"
#: Said when a declined question names a medicine or condition the documents lack.
REFER_TO = "Please ask your pharmacist or prescriber about it."
#: A refusal names at most this many documents (those of the best hits).
MAX_TITLES = 3
#: How someone is ("am I being paranoid?", "I'm so jittery"): what follows is a state, no thing.
_STATE = (r"\b(?:being|feel(?:s|ing)?|felt|seem(?:s|ed)?|(?:i'?m|am i|you'?re|(?:s?he)'?s)"
          r"(?:\s+(?:so|too|very|really|just|a bit|kinda))?)\s+{}\b")
#: What someone does ("can i just soak in …", "should she sprinkle it …"): the word after a
#: modal and its subject is a verb, no thing.
_DOING = (rf"\b(?:{'|'.join((*MODALS, 'do', 'does', 'did'))})\s+(?:i|we|you|he|she|they)"
          r"(?:\s+(?:just|also|still|really|ever|not|only|instead))?\s+{}\b")
#: A word written in capitals: an abbreviation ("PAWS", "OSA").
_CAPITALS = re.compile(r"\b[A-Z]{3,}\b")
#: Decision reasons with their own wording.
NOT_ENGLISH = "not written in English"
WEAK = "weak evidence"
NUMBERS_ONLY = "numbers without words"
PARTIAL = "the subject is covered, but not what is asked about it"
#: A question about everything at once ("can I take both?") pairs what the user takes within
#: this many words after a pairing word ("gave me a few halcion").
JOINT_WINDOW = 4
#: Evidence this far under the similarity floor still answers when a retrieved passage names a
#: rare word of the question, or when the message is a follow-up carrying the topic of earlier
#: turns (its own words are few: "ok and what should we keep an eye on?"); chosen on the tuning
#: sets, where off-corpus questions score far lower.
RESCUE_BAND = 0.1


def decide(question: str, hits: Sequence[Scored], vocab: CorpusVocabulary,
           settings: Settings, core: frozenset[str] = frozenset(),
           forms: Mapping[str, frozenset[str]] | None = None) -> Decision:
    """Answer or decline, with the reason recorded on the answer (``forms``: a core subject ->
    its forms, ``subjects.subject_forms``)."""
    best = max((max(h.dense, h.sentence_sim) for h in hits), default=0.0)
    if not words(question) and re.search(r"\d", question):
        return Decision(True, NUMBERS_ONLY, [], best)
    # the message as the pairing checks read it: folded, lower case, own words and carried topic
    own, carried = split_carried(fold(question).lower())
    paired = asked_rare(own, carried, vocab, core) | named_by_frame(own, vocab, core)
    unknown = [w for w in vocab.unknown_entities(question, also=paired.__contains__)
               if not _purpose(w, question, vocab, core) and not _form_of(w, question, vocab, core)
               and not _example(w, question, vocab)
               and not _glossed(w, own, vocab, core)
               and not (any(re.search(p.format(re.escape(w)), own) for p in (_STATE, _DOING))
                        and not _medicine(w, vocab))]
    missing = [w for w in unknown if w in paired or _asked_of(w, own, carried, vocab, core)]
    if missing:
        return Decision(True, "names something the documents never mention", missing, best)
    if not hits or (best < settings.answer.min_evidence and not (
            best >= settings.answer.min_evidence - RESCUE_BAND
            and (carried or _rare_term_found(question, hits, vocab, core)))):
        return Decision(True, f"{WEAK} (best similarity {best:.2f})", [], best)
    apart = never_together(question, hits, vocab, core, forms)
    if apart:
        return Decision(True, "the evidence never discusses these together", apart, best)
    subject, focus = uncovered_focus(question, hits, vocab, core)
    if focus:
        return Decision(True, f"{PARTIAL} ({subject})", [focus], best)
    return Decision(False, "", [], best, unmentioned=[w for w in unknown if _taken(w, own, vocab)
                                                      and _medicine(w, vocab)])


def unmentioned_note(decision: Decision) -> str:
    """The line an answer ends with when the message named things the documents never mention
    in passing ("my OB wants to hold off on an SSRI"): the answer says nothing about them."""
    if decision.refuse or not decision.unmentioned:
        return ""
    them = "it" if len(decision.unmentioned) == 1 else "them"
    return (f"{CANNOT_ANSWER} {_quote_terms(decision.unmentioned)}, so this answer says nothing "
            f"about {them}. {REFER_TO}")


def _rare_term_found(question: str, hits: Sequence[Scored], vocab: CorpusVocabulary,
                     core: frozenset[str]) -> bool:
    """Does a retrieved passage name a rare word of the question that is no core subject
    ("what does 'glutamate storm' mean", "on omeprazole … related?")? Then evidence a little
    under the similarity floor is still about the question."""
    own = split_carried(question)[0]
    rare = {stem(w) for w in words(own)
            if zipf(w) < NAMED_ZIPF and len(w) > 3 and stem(w) not in core and vocab.known(w)}
    # an abbreviation the passages write in capitals too ("PAWS") names the same thing,
    # however common the word is in lower case
    capitals = set(_CAPITALS.findall(own))
    return any(rare & word_stems(h.chunk.embed_text)
               or capitals & set(_CAPITALS.findall(h.chunk.embed_text)) for h in hits)


def _asked_of(word: str, own: str, carried: str, vocab: CorpusVocabulary,
              core: frozenset[str] = frozenset()) -> bool:
    """Is the unknown ``word`` part of what is asked: in the question itself (``own``: its
    parts that ask, or ``carried``: the topic a follow-up carries), or anywhere after a pairing
    word ("I take Synthroid. How far apart …?")? A thing only mentioned in passing before the
    question ("my naturopath friend keeps telling me …") is not. Without a pairing policy,
    every word is."""
    terms = vocab.terms
    if terms is None or not terms.pairing:
        return True
    opening = ASKS_ABOUT.match(own)  # "what about feverfew, …"
    if re.search(rf"\b{re.escape(word)}\b", carried) or asked_or_paired(word, own) \
            or core_purpose(word, own, core) \
            or (opening and re.search(rf"\b{re.escape(word)}\b", opening.group("x"))):
        return True  # in what is asked (or the topic carried, or a use of the subject)
    medicine = _medicine(word, vocab)
    if pointed_at(word, own, vocab, core, medicine):
        return True  # "… gave me some cbd gummies. can i take those with my klonopin?"
    if not medicine:
        return False  # only a medicine is paired with the question by being taken before it
    asks = " ".join(question_parts(own))  # not the story before it ("heard bad things")
    if any(re.search(p, asks) for p in terms.joint) and asked_or_paired(
            word, own, terms.pairing, JOINT_WINDOW):
        return True  # "dr gave me a few seroquel … can i take both?": what the user takes
    if not asked_or_paired(word, own, terms.pairing):
        return False
    # only after a pairing word before the question ("I'm on metformin … is 1.6 low?"): it is
    # the pairing asked about when the question asks about combining or safety (policy
    # ``combining``: "… is magnesium safe?", "how far apart?"), not when it asks something
    # else, or about stopping what they take (``solo``), or when the message states a condition
    # the documents cover ("stage 3 kidney disease … also on lisinopril, can he take
    # magnesium?"): that is what the answer is about, and the reply names the medicine as not
    # covered
    if any(re.search(p, asks) for p in terms.solo) or any(
            p.search(own) for p in vocab.conditions) or _taken_for_condition(word, own, vocab,
                                                                              core):
        return False
    return not terms.combining or any(re.search(p, asks) for p in terms.combining)


def _taken_for_condition(word: str, own: str, vocab: CorpusVocabulary,
                         core: frozenset[str]) -> bool:
    """Does the sentence naming the medicine ``word`` also name a condition the documents
    discuss: a rare named word they use that is no core subject and none of their medicines
    ("I have myasthenia gravis (on mestinon)")? Then the condition is what the answer is
    about; the medicine is named as not covered."""
    part = part_naming(own, word)
    medicines = set(vocab.drug_names.values())
    return any(e != word and stem(e) not in core and e not in medicines
               for e in named_things(part, vocab))


def _medicine(word: str, vocab: CorpusVocabulary) -> bool:
    """Is ``word`` a medicine by the drug dictionary (always, when the index has no list)?"""
    return not vocab.medicines_elsewhere or word in vocab.medicines_elsewhere


def _taken(word: str, own: str, vocab: CorpusVocabulary) -> bool:
    """Is ``word`` something the user takes or uses in ``own`` (the message's own words, after
    a pairing word: "she takes mestinon", "on metformin"), not a word of their story
    ("hungover", "at walgreens")?"""
    terms = vocab.terms
    return terms is not None and bool(terms.pairing) and asked_or_paired(word, own, terms.pairing)


def _purpose(word: str, question: str, vocab: CorpusVocabulary, core: frozenset[str]) -> bool:
    """Is ``word`` what a medicine the documents name is taken for ("on omeprazole for
    reflux")? Then it says why the user takes that medicine; the question is about the medicine.
    A core subject's purpose ("magnesium for migraines") is what is asked, so it is not one."""
    m = re.search(rf"\b([a-z][\w-]*)\s+for\s+(?:(?:my|the|his|her|their|your)\s+)?"
                  rf"(?:[a-z]+\s+)?{re.escape(word)}\b", fold(question).lower())
    if m is None:
        return False
    medicine = m.group(1)
    return (stem(medicine) not in core and zipf(medicine) < NAMED_ZIPF
            and vocab.known(medicine) and vocab.is_named(medicine))


def _form_of(word: str, question: str, vocab: CorpusVocabulary, core: frozenset[str]) -> bool:
    """Does ``word``, no medicine by the drug dictionary, right after a core subject's name
    (or its gloss: "gly (glycinate) gummies") or another thing the documents name
    (``coverage.known_thing``: "my melatonin gummies") say which form of it the user means?
    Then the question is about that thing ("magnesium warfarin" still names another medicine,
    and the last word of a yes/no question about what a thing is, "is the … bisglycinate
    vegan?", is no form)."""
    if word in vocab.medicines_elsewhere:
        return False
    text = fold(question).lower()
    if re.search(rf"(?:^|[.!?]\s+)(?:is|are|was|were|isn't|aren't)\b[^.!?]*\b"
                 rf"{re.escape(word)}\s*\?", text):
        return False  # "Is the Thorne magnesium bisglycinate vegan?": what it is, not a form
    for m in re.finditer(rf"\b([a-z][\w-]*)\s*(?:\(([^)]*)\)\s*)?{re.escape(word)}\b",
                         text):
        named = [m.group(1), *(m.group(2) or "").split()[-1:]]
        if any(stem(n) in core or known_thing(n, vocab) for n in named):
            return True
    return False


def _example(word: str, question: str, vocab: CorpusVocabulary) -> bool:
    """Is ``word``, no medicine by the drug dictionary, an example the user gives of a thing
    the documents name ("food like almonds and spinach")? The question is about that thing."""
    m = re.search(rf"\b([a-z]+)\s+(?:like|such as|e\.?g\.?|including)\s+"
                  rf"(?:[a-z]+\s*(?:,|and|or)\s*){{0,3}}{re.escape(word)}\b",
                  fold(question).lower())
    return word not in vocab.medicines_elsewhere and m is not None and vocab.known(m.group(1))


def _glossed(word: str, own: str, vocab: CorpusVocabulary, core: frozenset[str]) -> bool:
    """Does the user (``own``: the message's own words, folded) say in brackets right after
    ``word`` which medicine of the documents it is ("zzzquil (the benadryl one)": benadryl is
    their diphenhydramine)? Then the question is about that medicine under another name
    (``unknown_entities`` already drops a one-to-one gloss: "alprazolam (xanax)"). What a
    medicine is for ("lithium (for my bipolar)") names no medicine: the word stays unknown."""
    m = re.search(rf"\b{re.escape(word)}\s*\(([^)]*)\)?", own)
    medicines = set(vocab.drug_names) | set(vocab.drug_names.values())
    return m is not None and any(stem(w) in core or w in medicines for w in words(m.group(1)))


class EvidenceRefusal:
    """``decide`` as a ``core.protocols.RefusalPolicy``: the vocabulary and settings bound."""

    def __init__(self, vocab: CorpusVocabulary, settings: Settings,
                 core: frozenset[str] = frozenset(),
                 forms: Mapping[str, frozenset[str]] | None = None) -> None:
        self.vocab = vocab
        self.settings = settings
        self.core = core
        self.forms = forms or {}

    def decide(self, question: str, hits: Sequence[Hit]) -> Decision:
        return decide(question, hits, self.vocab, self.settings, self.core, self.forms)


def refusal_text(decision: Decision, titles: Sequence[str]) -> str:
    """A plain decline that names what is missing and says what the documents do cover
    (``titles``: at most ``MAX_TITLES`` are named, best hits first)."""
    if decision.reason == NOT_ENGLISH:
        return (f"I can only answer questions written in English, and {CANNOT_ANSWER[0].lower()}"
                f"{CANNOT_ANSWER[1:]} other languages. Please ask your question again in English.")
    if decision.reason == NUMBERS_ONLY:
        return ("Could you tell me in words what you would like to know about these numbers "
                "(for example, which medicine or supplement a dose is for)? "
                "I need a question in words to look it up in the documents.")
    if decision.reason.startswith(PARTIAL) and decision.missing:
        subject = decision.reason[len(PARTIAL):].strip(" ()")
        asked = re.sub(r"[^a-z0-9 -]", "", decision.missing[0].lower())[:60]
        return (f"{CANNOT_ANSWER} “{asked}”: they discuss {subject}, but not {asked}, so I "
                f"can't answer that part from them. {REFER_TO} They cover: "
                f"{'; '.join(list(titles)[:MAX_TITLES])}.")
    joiner = " together with " if decision.reason.startswith("the evidence never") else ", "
    topic = _quote_terms(decision.missing, joiner) if decision.missing else "this question"
    cover = "; ".join(list(titles)[:MAX_TITLES])
    # a named thing the documents lack (a medicine, a condition): someone who can answer it
    refer = f" {REFER_TO}" if decision.missing else ""
    return (f"{CANNOT_ANSWER} {topic}, so I can't answer it from them.{refer} "
            f"They cover: {cover}.")


def _quote_terms(terms: Sequence[str], joiner: str = ", ") -> str:
    safe = [re.sub(r"[^a-z0-9-]", "", t.lower())[:40] for t in terms[:4]]
    return joiner.join(f"“{t}”" for t in safe if t)
