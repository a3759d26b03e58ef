"""Hybrid vs dense-only retrieval on the labeled retrieval set, on a real index.

    .venv/bin/python benchmarks/bench_retrieval.py            # build a fresh index in a tmp dir
    .venv/bin/python benchmarks/bench_retrieval.py --index-dir index   # use a built index
    .venv/bin/python benchmarks/bench_retrieval.py --grid     # also the tuning grid

Prints one table row per configuration: mode, fetch_k, rrf_k, mmr_lambda, hit@1, hit@5,
recall@5, MRR@10 and search latency p50/p95 (ms, query embedding included; in the grid
table without it), then the labels the default configuration misses at 5.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core.settings import RetrievalSettings, Settings  # noqa: E402
from assistant.evaluation.retrieval import (  # noqa: E402
    LabelSet,
    Span,
    chunk_spans,
    load_labels,
    score,
)

Scores = dict[str, Any]
SCORE_KEYS = ("hit@1", "hit@5", "recall@5", "mrr")
DEPTH = 10  # results scored per question (MRR@10)

LABELS = ROOT / "eval" / "retrieval_labels.yaml"

GRID: dict[str, list[Any]] = {
    "mode": ["dense", "hybrid"],
    "fetch_k": [12, 24, 48, 96],
    "rrf_k": [5, 10, 30, 60],
    "mmr_lambda": [0.5, 0.7, 0.85, 1.0],
}


def baseline_configs(default: RetrievalSettings) -> list[dict[str, object]]:
    """Defaults, and each mode with and without MMR."""
    rows: list[dict[str, object]] = []
    for mode in ("dense", "hybrid"):
        for lam in (1.0, default.mmr_lambda):
            row: dict[str, object] = {"mode": mode, "fetch_k": default.fetch_k,
                                      "rrf_k": default.rrf_k, "mmr_lambda": lam}
            if row not in rows:
                rows.append(row)
    return rows


def grid_configs() -> list[dict[str, object]]:
    keys = list(GRID)
    rows: list[dict[str, object]] = [
        dict(zip(keys, values, strict=True)) for values in itertools.product(*GRID.values())
    ]
    # rrf_k does not change a single (dense-only) ranking: one value is enough there.
    return [r for r in rows if r["mode"] == "hybrid" or r["rrf_k"] == GRID["rrf_k"][0]]


class CachedQueries:
    """Embedder wrapper that embeds each distinct query once (for the grid: same vectors,
    so the grid's latency columns show retrieval work without the query embedding)."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self._cache: dict[str, list[float]] = {}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        missing = [t for t in texts if t not in self._cache]
        if missing:
            self._cache.update(zip(missing, self._embedder.embed(missing), strict=True))
        return [self._cache[t] for t in texts]


def run(settings: Settings, configs: list[dict[str, object]], labels: LabelSet,
        console: Console, *, cache_queries: bool = False
        ) -> list[tuple[dict[str, object], Scores]]:
    from assistant.indexing.embed import get_embedder
    from assistant.indexing.store import open_store
    from assistant.retrieval.hybrid import HybridRetriever

    store, embedder = open_store(settings), get_embedder(settings)
    embedder.embed(["warm up"])
    if cache_queries:
        embedder = CachedQueries(embedder)  # type: ignore[assignment]
    results = []
    with console.status("scoring configurations") as status:
        for i, config in enumerate(configs, start=1):
            status.update(f"configuration {i}/{len(configs)}: {config}")
            opts = settings.retrieval.model_copy(update=config)
            retriever = HybridRetriever(settings=settings.model_copy(update={"retrieval": opts}),
                                        store=store, embedder=embedder)
            retriever.warm_up()

            def search(q: str, r: HybridRetriever = retriever) -> list[Span]:
                return chunk_spans(h.chunk for h in r.search(q, DEPTH))

            results.append((config, score(labels, search)))
    return results


def table(results: list[tuple[dict[str, object], Scores]], title: str) -> Table:
    t = Table(title=title)
    for col in ("mode", "fetch_k", "rrf_k", "mmr_λ", "hit@1", "hit@5", "recall@5", "MRR",
                "p50 ms", "p95 ms"):
        t.add_column(col, justify="left" if col == "mode" else "right")
    for config, m in results:
        t.add_row(str(config["mode"]), str(config["fetch_k"]), str(config["rrf_k"]),
                  str(config["mmr_lambda"]), *(f"{m[k]:.3f}" for k in SCORE_KEYS),
                  f"{m['latency_p50_ms']:.1f}", f"{m['latency_p95_ms']:.1f}")
    return t


def ensure_index(settings: Settings, console: Console) -> None:
    from assistant.indexing.indexer import build_index

    console.print(f"building index in {settings.index_dir} …")
    report = build_index(settings, progress=True)
    console.print(f"index ready ({report.seconds:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, help="use this built index (default: fresh)")
    parser.add_argument("--grid", action="store_true", help="also run the tuning grid")
    args = parser.parse_args(argv)
    console = Console(width=120)
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", index_dir=args.index_dir or Path(tmp))
        if args.index_dir is None:
            ensure_index(settings, console)
        labels = load_labels(LABELS, settings.corpus_dir)
        default = settings.retrieval
        results = run(settings, baseline_configs(default), labels, console)
        if labels.unlocated:
            console.print(f"answer text not found, not scored: {', '.join(labels.unlocated)}")
        console.print(table(results, f"Retrieval on {len(labels.labels)} labeled questions "
                                     f"(k={default.k})"))
        chosen = next(m for c, m in results if c["mode"] == default.mode
                      and c["mmr_lambda"] == default.mmr_lambda)
        console.print(f"default ({default.mode}) misses at 5: "
                      f"{', '.join(chosen['misses']) or '-'}")
        if args.grid:
            grid = run(settings, grid_configs(), labels, console, cache_queries=True)
            grid.sort(key=lambda cm: (-cm[1]["hit@5"], -cm[1]["mrr"], -cm[1]["recall@5"]))
            console.print(table(grid, "Tuning grid, best first (latency without query "
                                      "embedding: queries embedded once, cached)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
