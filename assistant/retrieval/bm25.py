"""Lexical (BM25) search over chunk texts, with bm25s.

Tokens are lower-cased words of two or more letters and numbers (decimals kept whole), so
"CrCl <30 mL/min" gives ``crcl 30 ml min`` and "0.5mg" gives ``0.5 mg``; English stopwords
are dropped and words are Snowball-stemmed (PyStemmer, as bm25s recommends), so "interactions"
matches "interaction", and stems are cut to ``FAMILY_LETTERS`` letters, so "pregnant" matches
"pregnancy". Queries that leave no known token score nothing (no error).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.text.words import stem_words

log = logging.getLogger(__name__)

# Numbers (with an optional decimal part) and alphabetic runs of two or more letters.
TOKEN_PATTERN = r"(?u)\d+(?:\.\d+)?|[^\W\d_]{2,}"
#: Stems are cut to this many letters, so a word family the stemmer leaves apart shares one
#: token ("pregnant" and "pregnancy": "pregnant", "pregnanc" -> "pregnan").
FAMILY_LETTERS = 7


def _family_stems(tokens: list[str]) -> list[str]:
    return [s[:FAMILY_LETTERS] for s in stem_words(tokens)]


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """bm25s tokenization (our token pattern, English stopwords, stemming), as token strings."""
    import bm25s

    if not texts:
        return []
    tokens = bm25s.tokenize(
        list(texts),
        token_pattern=TOKEN_PATTERN,
        stopwords="en",
        stemmer=_family_stems,  # the project's one stemmer (text.words), stems cut short
        return_ids=False,
        show_progress=False,
        allow_empty=False,
    )
    return [[tok for tok in doc if tok] for doc in tokens]


class BM25Index:
    """A BM25 index over a fixed list of texts; documents are addressed by position."""

    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s

        self._size = len(texts)
        self._model: Any = bm25s.BM25()
        if self._size:
            self._model.index(tokenize(texts), show_progress=False)

    @classmethod
    def load(cls, path: Path, *, mmap: bool = True) -> BM25Index:
        """An index saved by ``save`` (its arrays memory-mapped: nothing is re-tokenized)."""
        import bm25s

        index = cls.__new__(cls)
        index._model = bm25s.BM25.load(str(path), mmap=mmap, show_progress=False)
        index._size = int(index._model.scores["num_docs"])
        return index

    @classmethod
    def load_saved(cls, path: Path | None, expected: int) -> BM25Index | None:
        """The index saved at ``path`` for ``expected`` documents, or None (with a log line)
        when absent, damaged or of another size: the caller builds one."""
        if path is None or not path.is_dir():
            log.info("no saved BM25 index for this version: building it in memory "
                     "(`assistant index` saves one)")
            return None
        try:
            index = cls.load(path)
        except Exception as err:  # a damaged file must not stop start-up
            log.warning("saved BM25 index %s unreadable (%s): rebuilding it", path, err)
            return None
        if len(index) != expected:
            log.warning("saved BM25 index %s has %d documents, not %d: rebuilding it",
                        path, len(index), expected)
            return None
        return index

    def save(self, path: Path) -> None:
        """Write the index (bm25s arrays and vocabulary) to the directory ``path``."""
        self._model.save(str(path), show_progress=False)

    def __len__(self) -> int:
        return self._size

    def postings(self, max_df: int) -> dict[str, list[int]]:
        """Token -> positions of the documents holding it, for tokens in at most ``max_df``
        documents and without digits: read off the index (every occurrence has a positive
        score), so nothing is re-tokenized."""
        if max_df <= 0 or not self._size:
            return {}
        indptr = np.asarray(self._model.scores["indptr"])
        indices = self._model.scores["indices"]
        df = np.diff(indptr)
        out: dict[str, list[int]] = {}
        for token, tid in self._model.vocab_dict.items():
            if (token and 0 < df[tid] <= max_df
                    and not any(ch.isdigit() for ch in token)):
                out[token] = sorted(int(i) for i in indices[indptr[tid]:indptr[tid + 1]])
        return out

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for the query, as one array (all zero when nothing
        matches)."""
        if not self._size:
            return np.zeros(0, dtype=np.float32)
        tokens = tokenize([query])[0] if query.strip() else []
        ids = self._model.get_tokens_ids(tokens)
        if not ids:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._model.get_scores_from_ids(ids))

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Up to k (position, score) pairs with a positive score, best first (ties by position).
        Only the k best are sorted (``top_k``), never all N."""
        scores = self.scores(query)
        return [(int(i), float(scores[i])) for i in top_k(scores, k, positive=True)]


def top_k(scores: np.ndarray, k: int, *, positive: bool = False) -> np.ndarray:
    """Positions of the ``k`` highest scores, best first, ties by lower position: the first k of
    a full stable sort by (-score, position), found with a partition (O(N)) and a sort of k.
    ``positive``: only scores above zero count."""
    candidates = np.flatnonzero(scores > 0) if positive else np.arange(len(scores))
    if k <= 0 or not len(candidates):
        return np.zeros(0, dtype=np.int64)
    values = scores[candidates]
    if len(candidates) > k:
        kth = np.partition(values, len(values) - k)[len(values) - k]  # the k-th highest score
        above = candidates[values > kth]
        ties = candidates[values == kth][:k - len(above)]  # lowest positions first
        candidates = np.concatenate([above, ties])
        values = scores[candidates]
    order = np.lexsort((candidates, -values))
    return candidates[order]
