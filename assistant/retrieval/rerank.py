"""A second scoring pass over the first fused candidates (no extra model).

Rank fusion only sees ranks: a chunk second on all three rankings beats one that is first on
dense by a wide margin and tenth on BM25. The re-ranker looks at the scores themselves for the
``top`` best fused chunks: each signal is min-max scaled over those candidates and the chunk's new
score is a weighted sum of its fused score, its dense (chunk) similarity, its BM25 score and the
similarity of its best sentence/row. Candidates stay the same chunks; only their order changes.
Weights were chosen on the tuning half of the labels (``benchmarks/bench_retrieval.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.retrieval.fusion import minmax


@dataclass(frozen=True)
class RerankWeights:
    fused: float
    dense: float
    bm25: float
    sentence: float


def _scaled(values: np.ndarray) -> np.ndarray:
    return minmax(values, flat=0.0)  # a signal equal for all candidates changes no order


def rerank(order: Sequence[str], fused: Mapping[str, float],
           signals: Mapping[str, Sequence[float]], weights: RerankWeights) -> dict[str, float]:
    """New fused scores for the first candidates of ``order`` (ids, best fused first):
    ``signals`` maps ``dense``, ``bm25`` and ``sentence`` to one value per candidate (the first
    ``len`` of ``order``). Each signal and the fused score are min-max scaled over the
    candidates; their weighted sum, scaled again, is mapped back onto the candidates' fused range,
    so later steps (MMR, the rest of the list) see scores on the same scale."""
    n = min(len(order), *(len(values) for values in signals.values()))
    if n < 2:
        return {}
    head = order[:n]
    current = np.asarray([fused[cid] for cid in head], dtype=np.float64)
    score = weights.fused * _scaled(current)
    for name in ("dense", "bm25", "sentence"):
        weight = float(getattr(weights, name))
        if weight:
            score += weight * _scaled(np.asarray(signals[name][:n], dtype=np.float64))
    low, high = float(current.min()), float(current.max())
    new = low + (high - low) * _scaled(score)
    return {cid: float(value) for cid, value in zip(head, new, strict=True)}
