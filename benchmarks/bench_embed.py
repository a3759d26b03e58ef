"""Build-time embedding throughput per backend: what ``assistant index`` embeds for the corpus.

    .venv/bin/python benchmarks/bench_embed.py [--rounds 3] [--batch 32] [--threads 0] [--json]

Chunks the corpus as ``assistant index`` does, then embeds every chunk's text and every
sentence/row unit (``indexing.sentence_vectors``), in the indexer's order and batches, with the
onnxruntime backend and the sentence-transformers (torch) backend in turn, interleaved over
``--rounds`` rounds after one warm-up batch each (model load is not timed). Prints chunks/s per
backend (best and median round) and the largest vector difference between the two backends.
No index is written.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

import numpy as np

from assistant.core.settings import Settings
from assistant.indexing.embed import get_embedder
from assistant.indexing.prepare import chunk_documents, load_documents
from assistant.indexing.sentence_vectors import unit_spans, unit_text
from assistant.indexing.tokens import TokenCounter

BACKENDS = ("onnx", "sentence-transformers")


def build_texts(settings: Settings) -> tuple[int, list[list[str]]]:
    """(chunks, the batches of texts the indexer embeds: chunk texts, then their units)."""
    warnings: list[str] = []
    docs = load_documents(settings, None, warnings)
    chunks = chunk_documents(docs, settings, TokenCounter(settings), warnings)
    chunks.sort(key=lambda c: len(c.embed_text))
    step = settings.embedding.batch_size
    batches: list[list[str]] = []
    for start in range(0, len(chunks), step):
        batch = chunks[start:start + step]
        batches.append([c.embed_text for c in batch])
        batches.append([unit_text(c, s) for c in batch for s in unit_spans(c)])
    return len(chunks), batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    base = Settings()
    settings = {name: base.model_copy(update={"embedding": base.embedding.model_copy(update={
        "backend": name, "batch_size": args.batch, "threads": args.threads})})
        for name in BACKENDS}
    n_chunks, batches = build_texts(settings["onnx"])
    embedders = {name: get_embedder(s) for name, s in settings.items()}
    for embedder in embedders.values():
        embedder.warm_up()
    seconds: dict[str, list[float]] = {name: [] for name in BACKENDS}
    vectors: dict[str, Any] = {}
    for _ in range(args.rounds):
        for name, embedder in embedders.items():
            started = time.perf_counter()
            out = [embedder.embed(texts) for texts in batches]
            seconds[name].append(time.perf_counter() - started)
            vectors[name] = np.asarray([v for batch in out for v in batch], dtype=np.float32)
    cosines = (vectors["onnx"] * vectors["sentence-transformers"]).sum(axis=1)
    result = {
        "chunks": n_chunks, "texts": sum(len(b) for b in batches), "batch": args.batch,
        "threads": args.threads, "rounds": args.rounds,
        "chunks_per_s": {name: {"best": round(n_chunks / min(s), 1),
                                "median": round(n_chunks / statistics.median(s), 1)}
                         for name, s in seconds.items()},
        "min_cosine_onnx_vs_torch": round(float(cosines.min()), 6),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(f"{n_chunks} chunks, {result['texts']} texts (chunks + units), batch {args.batch}, "
          f"threads {args.threads or 'default'}, {args.rounds} rounds")
    for name, figures in result["chunks_per_s"].items():
        print(f"  {name:22s} {figures['best']:7.1f} chunks/s best, {figures['median']:7.1f} "
              "median")
    print(f"  min cosine onnx vs torch: {result['min_cosine_onnx_vs_torch']}")


if __name__ == "__main__":
    main()
