"""Retrieval recall@k / hit@k on labeled questions (``eval/retrieval_labels.yaml``).

A label is ``{id, question, source, answer_substring}``. We find the substring in the source file
to get its span; a retrieved chunk *hits* when it comes from that source and its span overlaps the
answer span. ``hit@k`` is the share of labels hit within the top k; ``recall@k`` is the mean share
of the answer span's characters covered by the top-k chunks of the right source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from assistant.core.errors import InputError
from assistant.evaluation.corpus import CorpusFiles

Span = tuple[int, int]
RetrieveFn = Callable[[str], list[dict[str, Any]]]


class Label(BaseModel):
    id: str
    question: str
    source: str
    answer_substring: str


def load_labels(path: Path) -> list[Label]:
    """Labels under a top-level ``questions:`` key (a bare list is accepted too)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InputError(f"cannot read retrieval labels {path}: {err}") from None
    items = raw.get("questions", raw.get("labels")) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise InputError(f"{path}: expected a list of labels under 'questions:'")
    labels = []
    for n, item in enumerate(items):
        try:
            data = dict(item) if isinstance(item, dict) else {}
            data["id"] = str(data.get("id", n))
            labels.append(Label.model_validate(data))
        except (ValidationError, TypeError, ValueError) as err:
            raise InputError(f"{path}: label #{n} is invalid: {err}") from None
    return labels


def locate(label: Label, corpus: CorpusFiles) -> Span | None:
    """The answer substring's span in its source: exact first, then ignoring case and spacing."""
    text = corpus.text(label.source)
    needle = label.answer_substring.strip()
    if text is None or not needle:
        return None
    at = text.find(needle)
    if at >= 0:
        return at, at + len(needle)
    loose = r"\s+".join(re.escape(word) for word in needle.split())
    match = re.search(loose, text, re.IGNORECASE)
    return match.span() if match else None


def _covered(span: Span, chunks: Sequence[dict[str, Any]]) -> int:
    covered: set[int] = set()
    for c in chunks:
        covered.update(range(max(span[0], int(c["start"])), min(span[1], int(c["end"]))))
    return len(covered)


def score(
    labels: list[Label], retrieve: RetrieveFn, corpus: CorpusFiles, ks: Sequence[int] = (1, 5)
) -> dict[str, Any]:
    """hit@k, recall@k and MRR over the labels whose answer text could be located."""
    per_label: list[dict[str, Any]] = []
    unlocated = []
    for label in labels:
        span = locate(label, corpus)
        if span is None:
            unlocated.append(label.id)
            continue
        ranked = retrieve(label.question)
        right = [(rank, c) for rank, c in enumerate(ranked, 1) if c.get("source") == label.source]
        hits = [rank for rank, c in right if c["start"] < span[1] and span[0] < c["end"]]
        row: dict[str, Any] = {"id": label.id, "first_hit_rank": hits[0] if hits else None}
        for k in ks:
            top = [c for rank, c in right if rank <= k]
            row[f"hit@{k}"] = any(rank <= k for rank in hits)
            row[f"recall@{k}"] = round(_covered(span, top) / (span[1] - span[0]), 4)
        per_label.append(row)
    n = len(per_label)
    summary: dict[str, Any] = {"labels": len(labels), "scored": n, "unlocated": unlocated}
    for name in (f"{metric}@{k}" for k in ks for metric in ("hit", "recall")):
        summary[name] = round(sum(r[name] for r in per_label) / n, 4) if n else None
    ranks = [r["first_hit_rank"] for r in per_label]
    summary["mrr"] = round(sum(1 / r for r in ranks if r) / n, 4) if n else None
    summary["misses"] = [r["id"] for r in per_label if not r[f"hit@{max(ks)}"]]
    summary["per_label"] = per_label
    return summary


def retriever_fn(settings: Any, k: int) -> RetrieveFn:
    """Wrap the real retriever (``retrieval.hybrid.build_retriever``) to return top-k spans."""
    from assistant.retrieval.hybrid import build_retriever  # lazy: loads the model and the index

    retrieval = settings.retrieval.model_copy(update={"k": max(k, settings.retrieval.k)})
    retriever = build_retriever(settings.model_copy(update={"retrieval": retrieval}))

    def retrieve(question: str) -> list[dict[str, Any]]:
        docs = retriever.invoke(question)
        return [dict(d.metadata) for d in docs]

    return retrieve
