"""Words, content words, word rarity and THE stemmer.

* ``words`` / ``content_words``: lower-case word tokens (contractions dropped, hyphenated words
  kept whole, accents folded: "magnésium" is "magnesium"), and the same without stopwords;
* ``zipf``: English word frequency from ``wordfreq`` (offline data), cached with a bound because
  it is called with words users type;
* ``stem``: the Snowball English stemmer of PyStemmer, the library bm25s uses; BM25 tokenization
  (``retrieval/bm25.py``) stems through ``stem_words`` so lexical search, the composer and the
  vocabulary agree on word forms ("interactions" ~ "interaction", "infused" ~ "infusion");
* ``mentions``: does a collection of words contain a word in some form (same stem)?
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_CONTRACTION = re.compile(r"(n't|'s|'re|'ve|'ll|'d|'m)\b")
#: Negations whose verb is not what is left without "n't" ("can't" is "can", not "ca").
_IRREGULAR_NOT = re.compile(r"\b(ca|wo|sha)n't\b")
_NOT_STEMS = {"ca": "can", "wo": "will", "sha": "shall"}
#: The same negations typed without the apostrophe ("hasnt helped", "cant sleep"): the verb.
_BARE_NOT = re.compile(r"\b(?:(is|are|was|were|has|have|had|does|do|did|could|should|would|"
                       r"must|need)nt|(ca)nt|(wo)nt)\b")
_EXTRA_STOPWORDS = frozenset({
    "can", "could", "would", "should", "may", "might", "will", "shall", "must", "ok", "okay",
    "please", "thanks", "thank", "hi", "hello", "hey", "yes", "also", "tell", "know", "want",
    "like", "much", "many", "get", "got", "im", "ive", "dont", "id", "plus", "w", "tho",
})
#: Stopwords whose "'s" contraction is typed bare ("whats the plan", "thats fine").
_CONTRACTED_IS = ("what", "that", "how", "who", "where", "there", "here", "when", "why")
#: Words at least this common in English (Zipf scale: "take", "work", "without") are everyday
#: words: they name no question's focus and are no part of a thing's name.
EVERYDAY_ZIPF = 5.5
#: Bound of the per-word caches (zipf, stem): far above a corpus vocabulary, far below trouble.
WORD_CACHE_SIZE = 50_000


@cache
def stopwords() -> frozenset[str]:
    """bm25s's extended English stopwords plus chat filler ("please", "thanks", "tell" ...)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    # contractions typed without the apostrophe ("whats", "thats", "doesnt") are the same words
    bare = {w.replace("'", "") for w in STOPWORDS_EN_PLUS if "'" in w}
    return frozenset(STOPWORDS_EN_PLUS) | _EXTRA_STOPWORDS | bare | {
        w + "s" for w in _CONTRACTED_IS if w in STOPWORDS_EN_PLUS}


#: Bound of the folded-text cache: a few thousand corpus passages of ~1-2 KB, folded again.
FOLD_CACHE_SIZE = 4096


def fold(text: str) -> str:
    """Text with accents taken off Latin letters ("magnésium" -> "magnesium", "clonazépam" ->
    "clonazepam"), so an accented word is one token, not fragments around the accent."""
    if text.isascii():
        return text
    return _fold(text)


@lru_cache(maxsize=FOLD_CACHE_SIZE)
def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


def plain(text: str) -> str:
    """Lower-cased, accents folded, contractions cut to their verb ("can't", "cant" -> "can";
    "it's" -> "it"), apostrophes dropped: the text the word lists are read from."""
    text = fold(text.lower()).replace("’", "'")
    text = _CONTRACTION.sub("", _IRREGULAR_NOT.sub(lambda m: _NOT_STEMS[m.group(1)], text))
    text = _BARE_NOT.sub(lambda m: m.group(1) or _NOT_STEMS[m.group(2) or m.group(3)], text)
    return text.replace("'", "")


def words(text: str) -> list[str]:
    return WORD.findall(plain(text))


#: A name ending in a number ("coq10", "omega3"): a word, not a quantity.
_NAME_WITH_NUMBER = re.compile(r"[a-z]{3,}\d{1,3}")


def name_like(word: str) -> bool:
    """Is the word free of digits, or a name ending in a number ("coq10"), not a quantity?"""
    return not any(ch.isdigit() for ch in word) or bool(_NAME_WITH_NUMBER.fullmatch(word))


def content_words(text: str) -> list[str]:
    stop = stopwords()
    return [w for w in words(text) if w not in stop and len(w) > 1]


def term_words(text: str) -> list[str]:
    """``content_words`` with each hyphenated word as its content parts (whole when it has
    none), so "average-weight" and "average weight" are the same terms."""
    stop = stopwords()
    out: list[str] = []
    for w in content_words(text):
        parts = [p for p in w.split("-") if p not in stop and len(p) > 1] if "-" in w else []
        out += parts or [w]
    return out


@lru_cache(maxsize=WORD_CACHE_SIZE)
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


#: A word this long that starts a longer word is its clipped form ("fibro", "benzo"); shorter
#: ones ("gaba", "mag") are too often a different word.
CLIPPED_MIN = 5


def clips(short: str, long: str, min_len: int = CLIPPED_MIN) -> bool:
    """Is ``short`` a clipped form of ``long`` (at least ``min_len`` letters, its start)?"""
    return len(short) >= min_len and long != short and long.startswith(short)


#: Texted words are the consonants of a word this common ("shld", "ppl", "wht").
TEXTED_ZIPF = 4.5
#: ... among this many of the commonest English words.
TEXTED_WORDS = 10_000
_VOWELS = re.compile(r"[aeiou]")


def texted(word: str) -> str | None:
    """The common word ``word`` is texted shorthand for, dropping the vowels after its first
    letter ("shld" -> "should", "ppl" -> "people", "abt" -> "about"), or None."""
    if len(word) < 3 or not word.isalpha() or _VOWELS.search(word[1:]):
        return None
    return texted_forms().get(word)


@cache
def texted_forms() -> dict[str, str]:
    """Texted form -> common word, built once (~0.3 s; ``vocabulary.warm_up`` builds it)."""
    from wordfreq import top_n_list

    forms: dict[str, str] = {}
    for w in top_n_list("en", TEXTED_WORDS):
        short = w[:1] + _VOWELS.sub("", w[1:])
        if w.isalpha() and len(short) >= 3 and short != w and zipf(w) >= TEXTED_ZIPF:
            forms.setdefault(short, w)
    return forms


#: Inflection endings and their base's ("budged" -> "budge"): rarer than the word inflected.
_INFLECTIONS = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"),
                ("es", ""), ("s", ""), ("ier", "y"), ("iers", "y"))  # "worrier": one who worries


@lru_cache(maxsize=WORD_CACHE_SIZE)
def base_zipf(word: str) -> float:
    """How common the word is in English in its commonest form: its own Zipf frequency or that
    of the base it inflects, whichever is higher ("budged" 2.2, "budge" 3.2)."""
    best = zipf(word)
    for ending, base in _INFLECTIONS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            best = max(best, zipf(word[: -len(ending)] + base))
    return best


#: An inflected or negated form of a word at least this common ("draining", "unsteady").
EVERYDAY_FORM_ZIPF = 3.5
_VERB_OR_ADJECTIVE = re.compile(r"^\w{3,}(?:ing|ed)$")
#: The adjective of a "-ness" noun is English at least this common ("groggy" 2.6, "jittery").
NESS_ZIPF = 2.5


def verb_or_adjective(word: str) -> bool:
    """Is the word a verb form or a negated adjective of a common English word ("draining",
    "drained", "unsteady"), or the "-ness" noun of an English adjective ("wobbliness", spelt
    "wobblyness"): a word for what happens or how one is, never the name of a drug or
    condition?"""
    if _VERB_OR_ADJECTIVE.match(word) and base_zipf(word) >= EVERYDAY_FORM_ZIPF:
        return True
    adjective = word[:-4] if word.endswith("ness") and len(word) > 7 else ""
    if adjective and zipf(adjective[:-1] + "y" if adjective.endswith("i") else adjective) \
            >= NESS_ZIPF:
        return True
    if word in IRREGULAR_PAST:
        return True
    return word.startswith("un") and len(word) > 5 and zipf(word[2:]) >= EVERYDAY_FORM_ZIPF


#: Endings of common English adjectives ("horrible", "anxious", "painful", "restless") ...
_ADJECTIVE_ENDINGS = ("ible", "able", "ous", "ful", "less", "ive", "ish")
#: ... in words at least this common in English.
COMMON_ADJECTIVE_ZIPF = 4.0


def common_adjective(word: str) -> bool:
    """Is the word a common English word with an adjective's ending ("horrible", "anxious"):
    it says what something is like and names no thing on its own?"""
    return word.endswith(_ADJECTIVE_ENDINGS) and zipf(word) >= COMMON_ADJECTIVE_ZIPF


_local = threading.local()


def _stemmer() -> Any:
    """One PyStemmer object per thread (a stemmer object is not safe to share across threads)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


#: Irregular past forms of everyday verbs ("i drank heavy for years"): what happened, no name.
IRREGULAR_PAST = frozenset({
    "ate", "began", "bit", "broke", "brought", "caught", "chose", "drank", "drove", "fell",
    "felt", "fought", "forgot", "froze", "gave", "got", "grew", "hid", "hung", "kept", "knew",
    "lay", "led", "left", "lost", "meant", "quit", "ran", "rang", "rose", "sang", "sank", "saw",
    "shook", "slept", "sought", "spent", "spoke", "stole", "stood", "stung", "swam", "swore",
    "taught", "thought", "threw", "took", "understood", "woke", "wore", "won", "wrote"})

#: English plurals Snowball leaves apart from their singular ("women" -> "women", "woman" ->
#: "woman"): stemmed as the singular, so "an average-weight woman" finds "Women (average weight)".
IRREGULAR_PLURALS = {"women": "woman", "men": "man", "children": "child", "people": "person",
                     "feet": "foot", "teeth": "tooth", "mice": "mouse", "geese": "goose"}


#: British spellings and their American forms ("apnoea" -> "apnea", "centre" -> "center").
_BRITISH = ((re.compile(r"oe(?=[a-z])"), "e"), (re.compile(r"ae(?=[a-z])"), "e"),
            (re.compile(r"our(?=s?$)"), "or"), (re.compile(r"is(e|ed|es|ing|ation)$"), r"iz\1"),
            (re.compile(r"(?<=[a-z])tre(s?)$"), r"ter\1"))


def us_spellings(word: str) -> list[str]:
    """The word's American spelling, when it has a British one ("apnoea" -> ["apnea"])."""
    out = []
    for pattern, to in _BRITISH:
        changed = pattern.sub(to, word)
        if changed != word:
            out.append(changed)
    return out


def ves_plural(word: str) -> str:
    """The -ves plural of an -f/-fe noun ("calf" -> "calves", "knife" -> "knives"), else "".
    Not part of ``stem``: a saved BM25 index was tokenized without it."""
    for end in ("fe", "f"):
        if word.endswith(end):
            return f"{word[:-len(end)]}ves"
    return ""


@lru_cache(maxsize=WORD_CACHE_SIZE)
def stem(word: str) -> str:
    """The Snowball English stem of a lower-case word ("interactions" -> "interact"; an
    irregular plural as its singular, "women" -> "woman")."""
    return str(_stemmer().stemWord(IRREGULAR_PLURALS.get(word, word)))


def stem_words(tokens: Sequence[str]) -> list[str]:
    """Stems of many words at once (the callable bm25s tokenization is given)."""
    return [str(s) for s in _stemmer().stemWords([IRREGULAR_PLURALS.get(t, t) for t in tokens])]


def stems(tokens: Iterable[str]) -> frozenset[str]:
    return frozenset(stem(w) for w in tokens)


#: Bound of the per-text stem caches: passages and sentences come back for many questions.
TEXT_CACHE_SIZE = 8192


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def word_stems(text: str) -> frozenset[str]:
    """The stems of every word of a text (cached)."""
    return stems(words(text))


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def content_stems(text: str) -> frozenset[str]:
    """The stems of a text's content words (cached)."""
    return stems(content_words(text))


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def term_stems(text: str) -> frozenset[str]:
    """The stems of a text's ``term_words`` (cached)."""
    return stems(term_words(text))


def mentions(text_words: Iterable[str], word: str) -> bool:
    """Does a collection of words contain the word in some form (the same stem)?"""
    target = stem(word)
    return any(stem(w) == target for w in text_words)
