"""Word forms (one stemmer for BM25, composer and vocabulary) and bounded caches."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from assistant.answering.vocabulary import NAMED_CACHE_SIZE, CorpusVocabulary
from assistant.core.lru import LRUCache
from assistant.retrieval.bm25 import FAMILY_LETTERS, tokenize
from assistant.text.words import (
    base_zipf,
    content_words,
    mentions,
    name_like,
    stem,
    stem_words,
    term_stems,
    term_words,
    texted,
    us_spellings,
    verb_or_adjective,
    words,
    zipf,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("a", "b"), [
    ("interactions", "interaction"), ("therapies", "therapy"), ("doses", "dose"),
    ("infused", "infusion"), ("tapering", "taper"), ("recommended", "recommend"),
    ("women", "woman"), ("children", "child"),
])
def test_plural_ed_ing_forms_share_a_stem(a: str, b: str) -> None:
    assert stem(a) == stem(b)
    assert mentions({"x", b}, a) and mentions([a], b)


def test_different_words_do_not_mention_each_other() -> None:
    assert not mentions({"magnesium", "kidney"}, "warfarin")
    assert stem("sleep") != stem("seizure")


def test_bm25_tokens_are_the_same_stems_cut_to_a_family() -> None:
    text = "Interactions of tapering doses"
    assert tokenize([text])[0] == [stem(w)[:FAMILY_LETTERS] for w in content_words(text)]
    # a word family the stemmer leaves apart shares one BM25 token
    assert stem("pregnant") != stem("pregnancy")
    assert tokenize(["pregnant"]) == tokenize(["pregnancy"])
    assert tokenize(["magnesium"]) != tokenize(["magnet"])
    assert stem_words(["doses", "infused"]) == [stem("doses"), stem("infused")]
    assert stem_words(["women", "men"]) == [stem("woman"), stem("man")]


def test_words_drop_contractions_and_keep_hyphenated_terms() -> None:
    assert words("Don't stop long-term use, it's risky") == [
        "do", "stop", "long-term", "use", "it", "risky"]
    assert content_words("Can you please tell me about doses?") == ["doses"]
    # "can't" and "won't" lose "n't" and keep their verb, not a stray "ca" / "wo"
    assert content_words("I can’t sleep and it won't stop") == ["sleep", "stop"]
    # ... and the same contractions typed without the apostrophe are no content either
    assert content_words("whats the plan, thats the lunesta, doesnt it help") == [
        "plan", "lunesta", "help"]
    # a name ending in a number is a name, a quantity is not
    assert name_like("coq10") and name_like("creepy-crawly") and not name_like("300mg")


def test_term_words_split_hyphenated_words_into_their_parts() -> None:
    assert term_words("an average-weight woman") == ["average", "weight", "woman"]
    assert term_stems("average-weight") == term_stems("Women (average weight)") - {stem("women")}
    assert term_words("l-threonate at long-term") == ["threonate", "long", "term"]


def test_stemmer_is_usable_from_many_threads() -> None:
    expected = stem_words(["interactions"] * 50)
    results: list[list[str]] = []

    def work() -> None:
        for _ in range(200):
            results.append(stem_words(["interactions"] * 50))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 800 and all(r == expected for r in results)


def test_an_inflected_word_is_as_common_as_its_base() -> None:
    assert zipf("budged") < 2.4 < base_zipf("budged") == zipf("budge")
    # one who does it is as everyday as what is done ("worrier", "worriers": "worry")
    assert zipf("worrier") < 2.4 < base_zipf("worrier") == base_zipf("worriers") == zipf("worry")
    assert base_zipf("worries") == max(zipf("worries"), zipf("worry"))
    assert base_zipf("warfarin") == zipf("warfarin")  # no inflection: its own frequency


def test_word_caches_are_bounded() -> None:
    for fn in (zipf, base_zipf, stem):
        info = fn.cache_info()
        assert info.maxsize is not None and info.currsize <= info.maxsize


def test_lru_cache_keeps_the_most_recent_entries() -> None:
    cache: LRUCache[str, int] = LRUCache(3)
    for i, key in enumerate("abcd"):
        cache.put(key, i)
    assert "a" not in cache and len(cache) == 3
    assert cache.get("b") == 1  # b becomes the most recent
    cache.put("e", 4)
    assert "c" not in cache and "b" in cache
    assert cache.get_or_compute("f", len) == 1 and len(cache) == 3
    with pytest.raises(ValueError):
        LRUCache(0)


def test_vocabulary_named_cache_stays_bounded_after_many_distinct_words() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    vocab = CorpusVocabulary(texts, named_cache_size=64)
    typed = [f"zqx{i:05d}word" for i in range(1000)]
    assert all(vocab.is_named(w) for w in typed)  # unknown rare strings are named things
    assert len(vocab._named) == 64
    assert vocab.is_named(typed[-1]) and not vocab.is_named("the")
    assert CorpusVocabulary([])._named.maxsize == NAMED_CACHE_SIZE


def test_vocabulary_knows_word_forms_through_stems() -> None:
    vocab = CorpusVocabulary(["Magnesium interactions require tapering doses."])
    assert vocab.known("interaction") and vocab.known("tapered") and vocab.known("dose")
    assert vocab.known("magnesium-interaction")
    assert not vocab.known("warfarin")


def test_negations_typed_without_the_apostrophe_are_their_verb() -> None:
    assert words("it hasnt helped, i cant sleep, it wont stop") == \
        ["it", "has", "helped", "i", "can", "sleep", "it", "will", "stop"]
    assert words("an ant and a want") == ["an", "ant", "and", "a", "want"]


def test_a_pairing_the_user_denies_does_not_pair() -> None:
    from assistant.text.sentences import asked_or_paired

    pairing = [r"\b(on|take|taking)\b"]
    told = "my OB wants to hold off on an ssri for now. is magnesium ok while nursing?"
    assert not asked_or_paired("ssri", told, pairing)
    assert asked_or_paired("ssri", "i am on an ssri. is magnesium ok?", pairing)


def test_texted_shorthand_is_the_common_word_without_its_vowels() -> None:
    assert texted("shld") == "should" and texted("ppl") == "people" and texted("abt") == "about"
    assert texted("gly") is None  # not "ugly": the first letter stays
    assert texted("doxycycline") is None and texted("ckd") is None


def test_a_short_clipped_form_stands_for_one_word_of_the_headlines_or_the_corpus() -> None:
    vocab = CorpusVocabulary(
        ["Magnesium glycinate and glycine. Trazodone and doxycycline are named here."],
        headlines=["Magnesium Glycinate: a review"], medicines_elsewhere=["doxylamine"])
    assert vocab.repair("mag gly or citrate?").startswith("mag gly (glycinate)")
    assert vocab.known("gly") and vocab.known("trazo")
    assert "trazo (trazodone)" in vocab.repair("is trazo ok")
    # doxycycline, though the doxylamine the corpus never names starts so too: the reading is
    # written out for the reader
    assert vocab.known("doxy") and "doxy (doxycycline)" in vocab.repair("on doxy for acne")
    assert not vocab.known("lamo")  # no corpus word starts with it


def test_a_pet_name_made_of_a_clipped_form_stands_for_its_word() -> None:
    vocab = CorpusVocabulary(["Clonazepam (Klonopin) and magnesium glycinate are named here."],
                             headlines=["Safety of Klonopin with magnesium"])
    assert "klonnie (klonopin)" in vocab.repair("ok w my klonnie 0.5?")
    assert "klonny (klonopin)" in vocab.repair("my klonny at night")
    assert not vocab.known("lammie")  # no corpus word starts with its clipped form


def test_a_contraction_is_one_word_and_a_possessives_name_is_repaired() -> None:
    vocab = CorpusVocabulary(["Clonazepam (Klonopin) and magnesium glycinate are named here."])
    assert vocab.repair("Who shouldn't use magnesium?") == "Who shouldn't use magnesium?"
    assert vocab.repair("you wouldn’t, would you") == "you wouldn’t, would you"
    assert vocab.repair("klonapin's dose") == "klonopin's dose"


def test_an_f_noun_is_known_by_its_ves_plural() -> None:
    vocab = CorpusVocabulary(["Night cramps in the calves are common; wives and knives."])
    assert vocab.known("calf") and vocab.known("wife") and vocab.known("knife")
    assert not vocab.known("leaf")


@pytest.mark.parametrize("word", ["draining", "drained", "unsteady", "sleeping", "wobblyness",
                                  "grogginess"])
def test_a_verb_form_or_negated_adjective_of_a_common_word_names_nothing(word: str) -> None:
    assert verb_or_adjective(word)


@pytest.mark.parametrize("word", ["valerian", "ginseng", "tinnitus", "unisom", "ashwagandha",
                                  "illness"])
def test_names_are_not_verb_forms(word: str) -> None:
    assert not verb_or_adjective(word)


@pytest.mark.parametrize(("british", "american"), [
    ("apnoea", "apnea"), ("anaemia", "anemia"), ("oedema", "edema"), ("behaviour", "behavior"),
    ("centre", "center"), ("organise", "organize")])
def test_a_british_spelling_has_its_american_form(british: str, american: str) -> None:
    assert american in us_spellings(british)


def test_a_word_without_a_british_spelling_has_no_other_form() -> None:
    assert us_spellings("magnesium") == [] and us_spellings("apnea") == []
