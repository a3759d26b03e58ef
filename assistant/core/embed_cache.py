"""A bounded text -> vector cache in front of any ``Embedder``, shared by the answer's steps.

The retriever embeds the search query; the composer and the vocabulary may embed the same text
again in the same answer. Wrapped once in ``answering.assembly`` and handed to every step, the
second request is a cache hit, not a model forward pass. Counters (``calls``: forward passes,
``texts``: texts embedded, ``hits``) let benchmarks report embedding work per answer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.core.lru import LRUCache
from assistant.core.protocols import Embedder

DEFAULT_SIZE = 1024


class CachedEmbedder:
    """Satisfies ``core.protocols.Embedder``; other attributes (``max_seq_length``,
    ``warm_up`` ...) are the wrapped embedder's. Each ``embed`` call embeds its missing texts in
    one call of the wrapped embedder (none when all are cached)."""

    def __init__(self, inner: Embedder, maxsize: int = DEFAULT_SIZE) -> None:
        self.inner = inner
        self._cache: LRUCache[str, np.ndarray] = LRUCache(maxsize)  # float32: 1.5 KB a vector
        self._lock = threading.Lock()
        self.calls = 0
        self.texts = 0
        self.hits = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        found: dict[str, np.ndarray] = {}
        missing: dict[str, None] = {}  # ordered, without repeats
        for text in texts:
            if text in found or text in missing:
                continue
            vector = self._cache.get(text)
            if vector is None:
                missing[text] = None
            else:
                found[text] = vector
        if missing:
            vectors = self.inner.embed(list(missing))
            for text, fresh in zip(missing, vectors, strict=True):
                found[text] = np.asarray(fresh, dtype=np.float32)
                self._cache.put(text, found[text])
        with self._lock:
            self.calls += 1 if missing else 0
            self.texts += len(missing)
            self.hits += len(texts) - len(missing)
        return [found[t].tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0]

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def counters(self) -> dict[str, int]:
        with self._lock:
            return {"calls": self.calls, "texts": self.texts, "hits": self.hits}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
