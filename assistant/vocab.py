"""The corpus vocabulary: which words the documents know, spelling repair and entity terms.

Used to read follow-ups (which terms carry the topic) and to refuse questions about things the
documents never mention (e.g. "warfarin"). Word rarity comes from ``wordfreq`` (offline data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
#: Zipf frequency under which an English word is treated as a named thing (drug, supplement...).
ENTITY_ZIPF = 4.0


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    extra = {"can", "could", "would", "should", "may", "might", "will", "shall", "must", "ok",
             "okay", "please", "thanks", "thank", "hi", "hello", "hey", "yes", "also", "tell",
             "know", "want", "like", "much", "many", "get", "got", "im", "ive", "dont", "id"}
    return frozenset(STOPWORDS_EN_PLUS) | frozenset(extra)


@cache
def zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("’", "'").replace("'", ""))


def content_words(text: str) -> list[str]:
    stop = _stopwords()
    return [w for w in words(text) if w not in stop and len(w) > 1]


class CorpusVocabulary:
    """Every word of the answerable chunks, with light stemming and fuzzy spelling repair."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.words: frozenset[str] = frozenset(w for t in texts for w in words(t))
        self._by_initial: dict[str, list[str]] = {}
        for w in self.words:
            if len(w) >= 4:
                self._by_initial.setdefault(w[0], []).append(w)

    def known(self, word: str) -> bool:
        return mentions(self.words, word)

    def correct(self, word: str) -> str:
        """The corpus word a misspelling most likely means (or the word itself)."""
        if self.known(word) or len(word) < 5 or zipf(word) >= 3.0:
            return word
        from rapidfuzz import fuzz, process

        match = process.extractOne(word, self._by_initial.get(word[0], []),
                                   scorer=fuzz.ratio, score_cutoff=80)
        return str(match[0]) if match else word

    def repair(self, text: str) -> str:
        """Text with misspelled domain words replaced by their corpus spelling."""
        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            fixed = self.correct(word.lower())
            return word if fixed == word.lower() else fixed
        return re.sub(r"[A-Za-z][A-Za-z0-9]*", fix, text)

    def entities(self, text: str) -> list[str]:
        """Rare words of the text that the corpus knows (topic terms such as drug names)."""
        seen: list[str] = []
        for w in content_words(text):
            if self.known(w) and zipf(w) < ENTITY_ZIPF and w not in seen:
                seen.append(w)
        return seen

    def unknown_entities(self, text: str) -> list[str]:
        """Rare words the corpus never mentions, even after spelling repair."""
        missing: list[str] = []
        for w in content_words(text):
            if len(w) < 3 or w.isdigit() or any(ch.isdigit() for ch in w):
                continue
            if self.known(self.correct(w)) or zipf(w) >= ENTITY_ZIPF:
                continue
            if w not in missing:
                missing.append(w)
        return missing


def _forms(word: str) -> tuple[str, ...]:
    """The word and its likely inflections (plural/singular, -ed, -ing)."""
    forms = [word, word + "s", word + "es"]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s"):
        forms.append(word[:-1])
    if word.endswith("ed") and len(word) > 4:
        forms += [word[:-2], word[:-1], word[:-2] + "ing"]
    if word.endswith("ing") and len(word) > 5:
        forms += [word[:-3], word[:-3] + "e", word[:-3] + "ed"]
    return tuple(forms)


def mentions(text_words: frozenset[str] | set[str], word: str) -> bool:
    """Does a set of words contain the word in one of its forms?"""
    return any(form in text_words for form in _forms(word))
