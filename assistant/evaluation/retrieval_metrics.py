"""Score a retriever on the labeled retrieval set (``eval/retrieval_labels.yaml``).

A label is (question, source file, exact answer substring). A retrieved chunk hits the label
when it is from that source and its span ``[start, end)`` overlaps the substring's span
(``file_text.find(answer_substring)``). Metrics over the labels:

* hit@1, hit@5 — a hitting chunk in the first 1 / 5 results;
* recall@5 — share of the answer span's characters covered by the first 5 results (1.0 when
  one chunk contains the whole substring; lower when it is split or only partly retrieved);
* MRR — mean of 1 / rank of the first hitting chunk (0 when none within the list).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from assistant.core.errors import CorpusError
from assistant.core.models import Chunk

#: Anything that maps (query, k) to chunks, best first.
SearchFn = Callable[[str, int], Sequence[Chunk]]


@dataclass(frozen=True)
class Label:
    id: str
    question: str
    source: str
    start: int
    end: int


@dataclass
class Metrics:
    hit_at_1: float
    hit_at_5: float
    recall_at_5: float
    mrr: float
    latency_p50_ms: float
    latency_p95_ms: float
    misses: list[str] = field(default_factory=list, metadata={"doc": "label ids not hit@5"})


def load_labels(path: Path, corpus_dir: Path) -> list[Label]:
    """Labels with the answer span resolved in the corpus file (CorpusError if not found)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    texts: dict[str, str] = {}
    labels = []
    for item in data.get("questions", []):
        source = str(item["source"])
        if source not in texts:
            texts[source] = (Path(corpus_dir) / source).read_bytes().decode("utf-8")
        start = texts[source].find(str(item["answer_substring"]))
        if start < 0:
            raise CorpusError(f"label {item['id']}: answer_substring not found in {source}")
        end = start + len(str(item["answer_substring"]))
        labels.append(Label(str(item["id"]), str(item["question"]), source, start, end))
    return labels


def overlaps(chunk: Chunk, label: Label) -> bool:
    return chunk.source == label.source and chunk.start < label.end and label.start < chunk.end


def covered_share(chunks: Sequence[Chunk], label: Label) -> float:
    """Share of the label's characters inside the union of the chunks' spans."""
    covered = [False] * (label.end - label.start)
    for c in chunks:
        if c.source != label.source:
            continue
        for pos in range(max(c.start, label.start), min(c.end, label.end)):
            covered[pos - label.start] = True
    return sum(covered) / len(covered) if covered else 0.0


def first_hit_rank(chunks: Sequence[Chunk], label: Label) -> int | None:
    return next((r for r, c in enumerate(chunks, start=1) if overlaps(c, label)), None)


def percentile(values: Sequence[float], pct: float) -> float:
    if len(values) < 2:
        return float(values[0]) if values else 0.0
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1])


def evaluate(search: SearchFn, labels: Sequence[Label], depth: int = 10) -> Metrics:
    """Run every labeled question through ``search(question, depth)`` and score it."""
    h1 = h5 = rec = rr = 0.0
    latencies: list[float] = []
    misses: list[str] = []
    for label in labels:
        began = time.perf_counter()
        chunks = list(search(label.question, depth))
        latencies.append((time.perf_counter() - began) * 1000)
        rank = first_hit_rank(chunks, label)
        h1 += rank == 1
        h5 += rank is not None and rank <= 5
        rr += 1.0 / rank if rank else 0.0
        rec += covered_share(chunks[:5], label)
        if rank is None or rank > 5:
            misses.append(label.id)
    n = max(len(labels), 1)
    return Metrics(h1 / n, h5 / n, rec / n, rr / n,
                   percentile(latencies, 50), percentile(latencies, 95), misses)
