"""Index and search benchmark: chunk count, cold full index, cold no-op re-index, search latency.

    .venv/bin/python benchmarks/bench_index.py [--corpus corpus] [--queries 50] [--json]

Index timings run in fresh processes (model load included: "wall") and also report the time
``build_index`` itself took ("in build_index"). Search latency is measured in this process after
one warm-up query, over the first N user questions of eval/suites/facts.yaml, for dense search
(embed the query + Chroma query) and for the hybrid retriever.
Everything is built in a temporary directory; the repo's index/ is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BUILD = """
import json, sys
from assistant.indexing.indexer import build_index
from assistant.core.settings import Settings
report = build_index(Settings(), rebuild=sys.argv[1] == "rebuild", progress=False)
print(json.dumps(report.to_dict()))
"""
FALLBACK_QUERIES = [
    "creatinine clearance magnesium dose adjustment",
    "can I stop clonazepam suddenly",
    "magnesium glycinate dose for insomnia",
    "clonazepam and obstructive sleep apnea",
    "side effects of magnesium supplements",
]


def load_queries(n: int) -> list[str]:
    import yaml

    path = REPO / "eval" / "suites" / "facts.yaml"
    queries: list[str] = []
    if path.is_file():
        suite = yaml.safe_load(path.read_text(encoding="utf-8"))
        queries = [t["user"] for c in suite.get("cases", []) for t in c.get("turns", [])]
    queries = queries or FALLBACK_QUERIES
    return [queries[i % len(queries)] for i in range(n)]


def cold_build(env: dict[str, str], mode: str) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", BUILD, mode], env=env, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"index build failed:\n{proc.stderr[-2000:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"wall_s": round(wall, 2), "build_s": report["seconds"], "report": report}


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(samples_ms, n=20, method="inclusive")
    return {"p50_ms": round(statistics.median(samples_ms), 1), "p95_ms": round(q[18], 1),
            "max_ms": round(max(samples_ms), 1)}


def time_search(fn: Any, queries: list[str]) -> dict[str, float]:
    fn(queries[0])  # warm-up
    samples = []
    for query in queries:
        started = time.perf_counter()
        fn(query)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        env = os.environ | {
            "ASSISTANT_CORPUS_DIR": str(args.corpus.resolve()),
            "ASSISTANT_INDEX_DIR": str(Path(tmp) / "index"),
            "ASSISTANT_DATA_DIR": str(Path(tmp) / "data"),
            "HF_HUB_OFFLINE": "1",
        }
        full = cold_build(env, "rebuild")
        noop = cold_build(env, "update")
        os.environ.update(env)
        from assistant.core.settings import Settings
        from assistant.indexing.embed import get_embedder
        from assistant.indexing.store import open_store
        from assistant.retrieval.hybrid import build_retriever

        settings = Settings()
        queries = load_queries(args.queries)
        store = open_store(settings)
        get_embedder(settings).warm_up()
        results: dict[str, Any] = {
            "chunks": store.count(),
            "files": len(store.info.files),
            "full_index": {k: full[k] for k in ("wall_s", "build_s")},
            "noop_reindex": {k: noop[k] for k in ("wall_s", "build_s")}
            | {"embedded": noop["report"]["embedded"]},
            "dense_search": time_search(lambda q: store.search(q, settings.retrieval.k), queries),
            "queries": len(queries),
            "cpus": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 2),
        }
        retriever = build_retriever(settings)
        results["hybrid_search"] = time_search(retriever.search, queries)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)


def print_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"index benchmark ({results['files']} files, {results['chunks']} chunks, "
                        f"{results['cpus']} CPUs, load {results['load_avg_1m']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("chunks", str(results["chunks"]))
    for key, label in (("full_index", "full index (cold process)"),
                       ("noop_reindex", "no-op re-index (cold process)")):
        row = results[key]
        table.add_row(f"{label}: wall", f"{row['wall_s']:.2f} s")
        table.add_row(f"{label}: in build_index", f"{row['build_s']:.2f} s")
    table.add_row("no-op re-index: chunks embedded", str(results["noop_reindex"]["embedded"]))
    for key in ("dense_search", "hybrid_search"):
        if key in results:
            row = results[key]
            table.add_row(f"{key.replace('_', ' ')} p50 / p95 ({results['queries']} queries)",
                          f"{row['p50_ms']:.1f} / {row['p95_ms']:.1f} ms")
    Console().print(table)


if __name__ == "__main__":
    main()
