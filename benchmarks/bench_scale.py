"""Start-up and answer latency at several index sizes, on corpora made by ``synth_corpus``.

    .venv/bin/python benchmarks/bench_scale.py --chunks 2000 20000 [--questions 20]

Per size: the real documents (the caveats cite them) plus a synthetic corpus (``synth_corpus``,
seed 7) are ingested and chunked by the project's real chunker until there are that many chunks.
The chunks are stored in a real Chroma index version of the real shape (chunk records, metadata,
sentence/row spans, and the derived files ``assistant index`` saves: BM25, vocabulary,
answer-unit vectors) but with RANDOM unit vectors (384-d) for chunks, sentences and answer units,
inserted directly: embedding 20k chunks for real would take ~15-20 minutes here. Retrieval
quality is therefore meaningless at these sizes; the costs are real: a fresh process times
``build_assistant`` + ``warm_up`` (model load, paged reads, BM25 and vocabulary builds), then
whole answers to labeled questions (real query embedding, dense + BM25 over N, composer, guard),
and reports its peak RSS.
The real index (``--index-dir``, default ./index) is measured the same way first.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIM = 384


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def settings_for(base: Path, corpus: Path, index: Path) -> Any:
    from assistant.core.settings import Settings

    return Settings(corpus_dir=corpus, index_dir=index, data_dir=base / "data",
                    prompts_dir=ROOT / "prompts", policies_dir=ROOT / "policies")


def fill(base: Path, target: int, seed: int = 7) -> tuple[Path, Path, int, float]:
    """A synthetic corpus of >= target chunks and its index with random vectors."""
    import numpy as np
    from synth_corpus import corpus_texts, synthesize

    from assistant.answering.derived import write_derived
    from assistant.indexing.backends import get_backend
    from assistant.indexing.ingest import load_corpus_with_warnings
    from assistant.indexing.prepare import chunk_documents
    from assistant.indexing.sentence_vectors import SPANS_KEY, VECTORS_KEY, encode, unit_spans
    from assistant.indexing.store import chunk_metadata
    from assistant.indexing.tokens import TokenCounter
    from assistant.indexing.versions import IndexInfo, Pointer, new_version_name

    started = time.perf_counter()
    corpus, index = base / "corpus", base / "index"
    corpus.mkdir(parents=True)
    settings = settings_for(base, corpus, index)
    count = TokenCounter(settings).count
    real = corpus_texts(ROOT / "corpus")
    per_doc = max(1, len(chunk_documents(
        load_corpus_with_warnings(settings, ROOT / "corpus").documents, settings, count, []))
        // len(real))
    for path in (ROOT / "corpus").iterdir():  # the real documents too: caveats cite them
        shutil.copy(path, corpus / path.name)
    for name, text in synthesize(real, math.ceil(1.5 * target / per_doc) + 5, seed):
        (corpus / name).write_text(text, encoding="utf-8")
    chunks: list[Any] = []
    docs: list[Any] = []
    everything = load_corpus_with_warnings(settings, corpus).documents
    real_names = {p.name for p in (ROOT / "corpus").iterdir()}
    for doc in everything:  # whole documents until the target is reached; the rest removed
        if len(chunks) >= target and doc.source not in real_names:
            (corpus / doc.source).unlink()
            continue
        docs.append(doc)
        chunks += chunk_documents([doc], settings, count, [])
    files = {d.source: d.sha256 for d in docs}
    backend = get_backend(settings)
    version = new_version_name()
    collection = backend.create_collection(version,
                                           IndexInfo.for_settings(settings, version, files))
    rng = np.random.default_rng(seed)

    def unit(n: int) -> Any:
        v = rng.standard_normal((n, DIM)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    chunks = list({c.id: c for c in chunks}.values())  # a repeated id is stored once
    for start in range(0, len(chunks), 1000):
        batch = chunks[start:start + 1000]
        metas = []
        for c in batch:
            spans = unit_spans(c)
            metas.append({**chunk_metadata(c), SPANS_KEY: json.dumps(spans),
                          VECTORS_KEY: encode(unit(len(spans)))})
        collection.add(ids=[c.id for c in batch], documents=[c.text for c in batch],
                       metadatas=metas, embeddings=unit(len(batch)))  # type: ignore[arg-type]
    backend.write_pointer(Pointer(version))
    # What `assistant index` saves next to the chunks (BM25, vocabulary, answer-unit vectors),
    # with the same random stand-in for the model.
    write_derived(settings, embed=lambda texts: unit(len(texts)).tolist())
    return corpus, index, len(chunks), time.perf_counter() - started


def measure(corpus: Path, index: Path, questions: int) -> dict[str, Any]:
    """In this (fresh) process: start-up, answers, peak RSS."""
    begun = time.perf_counter()
    from bench_retrieval import LABELS, split_labels

    from assistant.answering.assembly import build_assistant
    from assistant.evaluation.retrieval import load_labels

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        settings = settings_for(Path(tmp), corpus, index)
        t = time.perf_counter()
        bot = build_assistant(settings)
        bot.warm_up()
        startup = time.perf_counter() - t
        ready = time.perf_counter() - begun
        labels = split_labels(load_labels(LABELS, ROOT / "corpus"))["test"].labels
        times, retrieve = [], []
        for label in labels[:questions]:
            t = time.perf_counter()
            answer = bot.ask(label.question)
            times.append((time.perf_counter() - t) * 1000)
            retrieve.append(answer.timings.get("retrieve_ms", 0.0))
        chunks = len(bot.retriever)  # type: ignore[arg-type]
    return {"chunks": chunks, "startup_s": round(startup, 2), "ready_s": round(ready, 2),
            "answer_p50_ms": round(percentile(times, 0.5), 1),
            "answer_p95_ms": round(percentile(times, 0.95), 1),
            "retrieve_p50_ms": round(percentile(retrieve, 0.5), 1),
            "retrieve_p95_ms": round(percentile(retrieve, 0.95), 1),
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def run_measure(corpus: Path, index: Path, questions: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--measure", str(corpus), str(index),
                          "--questions", str(questions)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"measuring {index} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, nargs="*", default=[2000, 20000])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--index-dir", type=Path, default=ROOT / "index")
    parser.add_argument("--skip-real", action="store_true", help="only the synthetic sizes")
    parser.add_argument("--keep", type=Path, help="build each size in DIR/<size> and keep it")
    parser.add_argument("--existing", type=Path, nargs="*", default=[],
                        help="also measure these kept sizes (DIR/<size>, with corpus/ and index/)")
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    if args.measure:
        print(json.dumps(measure(args.measure[0], args.measure[1], args.questions)))
        return 0
    rows = []
    if not args.skip_real:
        rows.append(("real corpus", run_measure(ROOT / "corpus", args.index_dir,
                                                args.questions), 0.0))
        print(rows[-1][0], rows[-1][1], flush=True)
    for kept in args.existing:
        rows.append((f"synthetic {kept.name}", run_measure(kept / "corpus", kept / "index",
                                                           args.questions), 0.0))
        print(rows[-1][0], rows[-1][1], flush=True)
    for target in args.chunks:
        with tempfile.TemporaryDirectory(prefix=f"bench-scale-{target}-") as tmp:
            base = Path(tmp) if args.keep is None else args.keep / str(target)
            if args.keep is not None:
                shutil.rmtree(base, ignore_errors=True)
            corpus, index, _, fill_s = fill(base, target)
            rows.append((f"synthetic >= {target}", run_measure(corpus, index, args.questions),
                         fill_s))
            print(rows[-1][0], rows[-1][1], f"(filled in {fill_s:.0f} s)", flush=True)
    print(f"\n{'index':22s} {'chunks':>7s} {'start s':>8s} {'ready s':>8s} {'answer p50':>10s} "
          f"{'p95':>7s} "
          f"{'retrieve p50':>12s} {'p95':>7s} {'RSS MB':>7s}")
    for name, r, _ in rows:
        print(f"{name:22s} {r['chunks']:7d} {r['startup_s']:8.1f} {r['ready_s']:8.1f} "
              f"{r['answer_p50_ms']:10.1f} "
              f"{r['answer_p95_ms']:7.1f} {r['retrieve_p50_ms']:12.1f} {r['retrieve_p95_ms']:7.1f} "
              f"{r['rss_mb']:7d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
