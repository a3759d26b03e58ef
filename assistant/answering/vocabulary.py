"""The corpus vocabulary: which words the documents know, spelling repair and entity terms.

Used to read follow-ups (which terms carry the topic) and to refuse questions about things the
documents never mention (e.g. "warfarin"). Word rarity comes from ``wordfreq`` (offline data).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assistant.core.policy import load_yaml_model

WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
#: Zipf frequency under which an English word is treated as a named thing (drug, supplement...).
ENTITY_ZIPF = 4.0
#: Only words rarer than this (not real English words, e.g. "magnesum") are spelling-repaired,
#: so a real drug name ("hydroxyzine") is never "corrected" into a corpus word ("hydroxide").
MISSPELLING_ZIPF = 1.0


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


class QueryTerms(BaseModel):
    """``policies/query_terms.yaml``."""

    model_config = ConfigDict(extra="forbid")

    synonyms: dict[str, str] = Field(default_factory=dict)
    named_prototypes: list[str] = Field(min_length=1)
    general_prototypes: list[str] = Field(min_length=1)
    very_rare_zipf: float = 2.4
    rare_zipf: float = 4.0
    named_margin: float = 0.06


def load_query_terms(policies_dir: Path) -> QueryTerms:
    """``policies_dir/query_terms.yaml``, validated; any problem is a PolicyError."""
    return load_yaml_model(Path(policies_dir) / "query_terms.yaml", QueryTerms,
                           "query vocabulary policy")


_CONTRACTION = re.compile(r"(n't|'s|'re|'ve|'ll|'d|'m)\b")


def words(text: str) -> list[str]:
    text = _CONTRACTION.sub("", text.lower().replace("’", "'"))
    return WORD.findall(text.replace("'", ""))


def content_words(text: str) -> list[str]:
    stop = _stopwords()
    return [w for w in words(text) if w not in stop and len(w) > 1]


class CorpusVocabulary:
    """Every word of the answerable chunks, with light stemming and fuzzy spelling repair."""

    def __init__(self, texts: Iterable[str], terms: QueryTerms | None = None,
                 embed: Callable[[Sequence[str]], list[list[float]]] | None = None) -> None:
        self.words: frozenset[str] = frozenset(
            part for t in texts for w in words(t) for part in (w, *w.split("-")))
        self._sorted = sorted(self.words)
        self._by_initial: dict[str, list[str]] = {}
        for w in self.words:
            if len(w) >= 4:
                self._by_initial.setdefault(w[0], []).append(w)
        self.terms = terms
        self._embed = embed
        self._named: dict[str, bool] = {}
        self._protos: tuple[np.ndarray, np.ndarray] | None = None

    def known(self, word: str) -> bool:
        if mentions(self.words, word):
            return True
        if "-" in word:
            return all(self.known(part) for part in word.split("-") if part)
        return self._shares_stem(word)

    def _shares_stem(self, word: str) -> bool:
        """'infused' ~ 'infusion', 'pharmacist' ~ 'pharmacokinetics': a long common prefix."""
        if len(word) < 7:
            return False
        prefix = word[: max(5, len(word) - 3)]
        i = bisect.bisect_left(self._sorted, prefix)
        return i < len(self._sorted) and self._sorted[i].startswith(prefix)

    def is_named(self, word: str) -> bool:
        """Is this rare word a named medical thing (drug, supplement, condition)?"""
        if word not in self._named:
            self._named[word] = self._judge_named(word)
        return self._named[word]

    def _judge_named(self, word: str) -> bool:
        t = self.terms
        very_rare, rare, margin = (t.very_rare_zipf, t.rare_zipf, t.named_margin) if t \
            else (2.4, ENTITY_ZIPF, 0.06)
        frequency = zipf(word)
        if frequency < very_rare:
            return True
        if frequency >= rare or self._embed is None or t is None:
            return self._embed is None and frequency < rare
        if self._protos is None:
            self._protos = (np.asarray(self._embed(t.named_prototypes)),
                            np.asarray(self._embed(t.general_prototypes)))
        vec = np.asarray(self._embed([word])[0])
        named, general = self._protos
        return float((named @ vec).max() - (general @ vec).max()) > margin

    def correct(self, word: str) -> str:
        """The corpus word a misspelling most likely means (or the word itself)."""
        if mentions(self.words, word) or len(word) < 5 or zipf(word) >= MISSPELLING_ZIPF:
            return word
        from rapidfuzz import fuzz, process

        match = process.extractOne(word, self._by_initial.get(word[0], []),
                                   scorer=fuzz.ratio, score_cutoff=80)
        return str(match[0]) if match else word

    def repair(self, text: str) -> str:
        """Text with shorthand and misspelled domain words replaced by the corpus's words."""
        synonyms = self.terms.synonyms if self.terms else {}

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            if word.lower() in synonyms:
                return synonyms[word.lower()]
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
            if self.known(self.correct(w)) or not self.is_named(w):
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
