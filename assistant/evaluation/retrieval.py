"""Retrieval metrics on labeled questions (``eval/retrieval_labels.yaml``): the one label loader
and the one scoring function, used by the eval harness (result records' spans), by
``tests/test_retrieve.py`` and by ``benchmarks/bench_retrieval.py`` (retrieved chunks' spans).

A label is ``{id, question, source, answer_substring}``; loading finds the substring in the source
file (exactly, else ignoring case and spacing) to get its answer span. Scoring looks only at
spans ``(source, start, end)``: a retrieved span *hits* a label when it is from the label's source
and overlaps its answer span. Over the located labels:

* ``hit@k``: share of labels with a hit within the first k results;
* ``recall@k``: mean share of the answer span's characters covered by the first k results;
* ``mrr``: mean of 1 / rank of the first hit in the whole ranked list (0 without a hit);
* ``latency_p50_ms`` / ``latency_p95_ms``: of the search calls.

The corpus states many facts in more than one place, so a label may also list *alternates*
(``eval/retrieval_alternates.yaml``: other passages that answer its question as well, judged
from the corpus alone). ``answer_hit@k`` and ``answer_mrr`` count a span that overlaps the
label's own passage or an alternate; ``hit@k`` and ``mrr`` count only the label's own passage.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.core.errors import InputError
from assistant.evaluation.corpus import CorpusFiles
from assistant.evaluation.metrics import percentile

Span = tuple[str, int, int]  # (source, start, end)
SearchFn = Callable[[str], Sequence[Span]]  # question -> retrieved spans, best first
RetrieveFn = SearchFn


@dataclass(frozen=True)
class Label:
    """A labeled question with its answer span located in the source file."""

    id: str
    question: str
    source: str
    start: int
    end: int
    #: Other passages (source, start, end) that answer the question as well.
    also: tuple[Span, ...] = ()

    def hit_by(self, span: Span) -> bool:
        """Does a retrieved span overlap the label's own passage?"""
        return _overlap(span, (self.source, self.start, self.end))

    def answered_by(self, span: Span) -> bool:
        """Does a retrieved span overlap the label's passage or one of its alternates?"""
        return self.hit_by(span) or any(_overlap(span, other) for other in self.also)


def _overlap(a: Span, b: Span) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


#: The alternates file read beside a labels file.
ALTERNATES_FILE = "retrieval_alternates.yaml"


@dataclass(frozen=True)
class LabelSet:
    labels: list[Label]
    unlocated: list[str]  # ids of labels whose answer text is not in their source file

    @property
    def total(self) -> int:
        return len(self.labels) + len(self.unlocated)


def _locate(text: str | None, needle: str) -> tuple[int, int] | None:
    """The answer text's span: exact first, then ignoring case and spacing."""
    needle = needle.strip()
    if text is None or not needle:
        return None
    at = text.find(needle)
    if at >= 0:
        return at, at + len(needle)
    loose = r"\s+".join(re.escape(word) for word in needle.split())
    match = re.search(loose, text, re.IGNORECASE)
    return match.span() if match else None


def _items(path: Path) -> list[Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InputError(f"cannot read retrieval labels {path}: {err}") from None
    items = raw.get("questions", raw.get("labels")) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise InputError(f"{path}: expected a list of labels under 'questions:'")
    return items


def load_labels(path: Path, corpus_dir: Path) -> LabelSet:
    """Labels under a top-level ``questions:`` key (a bare list is accepted too), located in
    the corpus, with their alternates from ``ALTERNATES_FILE`` beside ``path`` when it exists.
    A malformed label or alternate is an InputError; an answer text not found is
    ``unlocated`` (an alternate's as "id (alternate)")."""
    corpus = CorpusFiles(Path(corpus_dir))
    alternates = _alternates(path.with_name(ALTERNATES_FILE))
    labels, unlocated = [], []
    for n, item in enumerate(_items(path)):
        fields = ("question", "source", "answer_substring")
        if not isinstance(item, dict) or any(not isinstance(item.get(f), str) for f in fields):
            raise InputError(f"{path}: label #{n} needs string fields {', '.join(fields)}")
        label_id = str(item.get("id", n))
        span = _locate(corpus.text(item["source"]), item["answer_substring"])
        if span is None:
            unlocated.append(label_id)
            continue
        also = []
        for source, needle in alternates.get(label_id, []):
            other = _locate(corpus.text(source), needle)
            if other is None:
                unlocated.append(f"{label_id} (alternate)")
            else:
                also.append((source, *other))
        labels.append(Label(label_id, item["question"], item["source"], *span, tuple(also)))
    return LabelSet(labels, unlocated)


def _alternates(path: Path) -> dict[str, list[tuple[str, str]]]:
    """id -> [(source, answer_substring)] from an alternates file (none when it is absent)."""
    if not path.is_file():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InputError(f"cannot read retrieval alternates {path}: {err}") from None
    table = raw.get("alternates") if isinstance(raw, dict) else None
    if not isinstance(table, dict):
        raise InputError(f"{path}: expected a mapping of label ids under 'alternates:'")
    out: dict[str, list[tuple[str, str]]] = {}
    for label_id, items in table.items():
        if not isinstance(items, list) or not all(
                isinstance(i, dict) and isinstance(i.get("source"), str)
                and isinstance(i.get("answer_substring"), str) for i in items):
            raise InputError(f"{path}: {label_id}: each alternate needs string fields source, "
                             "answer_substring")
        out[str(label_id)] = [(i["source"], i["answer_substring"]) for i in items]
    return out


def chunk_spans(chunks: Iterable[Any]) -> list[Span]:
    """Spans of retrieved chunks (anything with ``source``, ``start``, ``end`` attributes)."""
    return [(str(c.source), int(c.start), int(c.end)) for c in chunks]


def record_spans(items: Iterable[Mapping[str, Any]]) -> list[Span]:
    """Spans of retrieved entries as result records hold them (``source``/``start``/``end``)."""
    return [(str(i["source"]), int(i["start"]), int(i["end"])) for i in items]


def _covered(label: Label, spans: Sequence[Span]) -> float:
    covered: set[int] = set()
    for source, start, end in spans:
        if source == label.source:
            covered.update(range(max(start, label.start), min(end, label.end)))
    return len(covered) / (label.end - label.start) if label.end > label.start else 0.0


def score_label(label: Label, ranked: Sequence[Span], ks: Sequence[int] = (1, 5)) -> dict[str, Any]:
    """One label's first hit rank, hit@k and recall@k against a ranked list of spans."""
    rank = next((r for r, span in enumerate(ranked, start=1) if label.hit_by(span)), None)
    answer = next((r for r, span in enumerate(ranked, start=1) if label.answered_by(span)), None)
    row: dict[str, Any] = {"id": label.id, "first_hit_rank": rank, "first_answer_rank": answer}
    for k in ks:
        row[f"hit@{k}"] = rank is not None and rank <= k
        row[f"answer_hit@{k}"] = answer is not None and answer <= k
        row[f"recall@{k}"] = round(_covered(label, ranked[:k]), 4)
    return row


def score(labels: LabelSet, search: SearchFn, ks: Sequence[int] = (1, 5)) -> dict[str, Any]:
    """Run every located label's question through ``search`` and score the spans it returns."""
    rows, latencies = [], []
    for label in labels.labels:
        began = time.perf_counter()
        ranked = list(search(label.question))
        latencies.append((time.perf_counter() - began) * 1000)
        rows.append(score_label(label, ranked, ks))
    n = len(rows)
    out: dict[str, Any] = {"labels": labels.total, "scored": n, "unlocated": labels.unlocated}
    for name in (f"{metric}@{k}" for k in ks for metric in ("hit", "answer_hit", "recall")):
        out[name] = round(sum(r[name] for r in rows) / n, 4) if n else None
    for name, field in (("mrr", "first_hit_rank"), ("answer_mrr", "first_answer_rank")):
        ranks = [r[field] for r in rows]
        out[name] = round(sum(1 / r for r in ranks if r) / n, 4) if n else None
    out["misses"] = [r["id"] for r in rows if not r[f"hit@{max(ks)}"]]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    out["latency_p50_ms"] = round(p50, 1) if p50 is not None else None
    out["latency_p95_ms"] = round(p95, 1) if p95 is not None else None
    out["per_label"] = rows
    return out


def retriever_fn(settings: Any, k: int) -> RetrieveFn:
    """Wrap the real retriever (``retrieval.hybrid.build_retriever``) to return top-k spans."""
    from assistant.retrieval.hybrid import build_retriever  # lazy: loads the model and the index

    retrieval = settings.retrieval.model_copy(update={"k": max(k, settings.retrieval.k)})
    retriever = build_retriever(settings.model_copy(update={"retrieval": retrieval}))

    def retrieve(question: str) -> list[Span]:
        return record_spans(dict(d.metadata) for d in retriever.invoke(question))

    return retrieve
