"""Rank fusion and diversity: reciprocal rank fusion and maximal marginal relevance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], rrf_k: int,
                           weights: Sequence[float] | None = None) -> dict[str, float]:
    """RRF score per id: the sum over rankings of weight / (rrf_k + rank), ranks from 1
    (every weight 1 unless given)."""
    fused: dict[str, float] = {}
    for n, ranking in enumerate(rankings):
        weight = 1.0 if weights is None else weights[n]
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (rrf_k + rank)
    return fused


def minmax(values: np.ndarray, flat: float) -> np.ndarray:
    """Min-max scale to [0, 1]; every value is ``flat`` when they are all equal."""
    if not len(values):
        return values.astype(np.float64)
    low, high = float(values.min()), float(values.max())
    if high > low:
        return (values - low) / (high - low)
    return np.full(len(values), flat, dtype=np.float64)


def normalize(scores: Mapping[str, float]) -> dict[str, float]:
    """Min-max scale to [0, 1] (all 1.0 when every score is equal)."""
    scaled = minmax(np.asarray(list(scores.values()), dtype=np.float64), flat=1.0)
    return {key: float(v) for key, v in zip(scores, scaled, strict=True)}


def mmr_order(
    relevance: Sequence[float], vectors: np.ndarray, lam: float, k: int
) -> list[int]:
    """Greedy maximal marginal relevance: indices of up to k picks, in pick order.

    Each step picks ``argmax lam * relevance[i] - (1 - lam) * max_sim(i, picked)`` where
    similarities are dot products of the (normalized) rows of ``vectors``. ``lam == 1`` keeps
    the relevance order.
    """
    n = len(relevance)
    if n == 0 or k <= 0:
        return []
    rel = np.asarray(relevance, dtype=np.float64)
    sims = vectors @ vectors.T if lam < 1.0 else np.zeros((n, n))
    picked: list[int] = []
    max_sim = np.full(n, -np.inf)
    available = np.ones(n, dtype=bool)
    while len(picked) < min(k, n):
        penalty = np.where(np.isfinite(max_sim), max_sim, 0.0)
        gain = lam * rel - (1.0 - lam) * penalty
        gain[~available] = -np.inf
        best = int(np.argmax(gain))
        picked.append(best)
        available[best] = False
        max_sim = np.maximum(max_sim, sims[best])
    return picked


def mmr_ids(order: Sequence[str], fused: Mapping[str, float], vectors: np.ndarray | None,
            lam: float, k: int) -> list[str]:
    """The first ``k`` of ``order`` by MMR over their fused scores (min-max scaled) and
    ``vectors`` (rows in ``order``'s order); ``lam >= 1`` (or no vectors): ``order`` itself."""
    if lam >= 1.0 or vectors is None:
        return list(order[:k])
    rel = normalize({cid: fused[cid] for cid in order})
    return [order[i] for i in mmr_order([rel[c] for c in order], vectors, lam, k)]


def capped(ranked: Sequence[str], groups: Sequence[str], cap: int, k: int) -> list[str]:
    """The first ``k`` of ``ranked``, in order, taking at most ``cap`` from any one group
    (``groups[i]``: the group of ``ranked[i]``, e.g. its source file)."""
    taken: dict[str, int] = {}
    picks: list[str] = []
    for item, group in zip(ranked, groups, strict=True):
        if taken.get(group, 0) < cap:
            taken[group] = taken.get(group, 0) + 1
            picks.append(item)
            if len(picks) == k:
                break
    return picks
