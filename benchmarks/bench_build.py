"""Index build throughput beside a vanilla LangChain build of the same corpus, in one run.

    .venv/bin/python benchmarks/bench_build.py [--corpus corpus] [--rounds 3]
    .venv/bin/python benchmarks/bench_build.py --synthetic 2000 [--rounds 1]

Per round, interleaved, each into a new temporary directory, with both models already loaded
(loading is not building):

* **vanilla LangChain**: whole files, RecursiveCharacterTextSplitter(1000, 200), embedded with
  sentence-transformers (what ``HuggingFaceEmbeddings.embed_documents`` calls: ``encode``, batch
  32, normalized), added to an in-memory Chroma collection;
* **this project**: what ``assistant index`` does: ``build_index`` (ingest, chunking, chunk and
  sentence/row vectors with the configured backend, Chroma version) and ``write_derived`` (BM25,
  vocabulary, search arrays, answer-unit vectors).

Prints seconds, chunks and chunks/s (best and median round) and corpus characters per second,
the measure that does not depend on how each side cuts the corpus. ``--synthetic N`` builds
from a ``synth_corpus`` corpus of about N project chunks (real embedding throughout).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def vanilla_build(corpus: Path, model: Any) -> int:
    import chromadb
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.indexing.backends import chroma_client_settings

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = []
    for path in sorted(corpus.glob("*.txt")):
        docs += splitter.create_documents([path.read_text(encoding="utf-8")],
                                          metadatas=[{"source": path.name}])
    texts = [d.page_content for d in docs]
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
    client = chromadb.EphemeralClient(settings=chroma_client_settings())
    name = f"vanilla{time.monotonic_ns()}"
    collection = client.create_collection(name, embedding_function=None)
    for start in range(0, len(texts), 5000):
        collection.add(ids=[str(i) for i in range(start, min(start + 5000, len(texts)))],
                       documents=texts[start:start + 5000],
                       embeddings=vectors[start:start + 5000],  # type: ignore[arg-type]
                       metadatas=[d.metadata for d in docs[start:start + 5000]])
    client.delete_collection(name)
    return len(texts)


def project_build(corpus: Path, base: Path) -> int:
    from assistant.answering.derived import write_derived
    from assistant.core.settings import Settings
    from assistant.indexing.indexer import build_index

    settings = Settings(corpus_dir=corpus, index_dir=base / "index", data_dir=base / "data",
                        prompts_dir=ROOT / "prompts", policies_dir=ROOT / "policies")
    report = build_index(settings, progress=False)
    write_derived(settings)
    return int(report.chunks)


def synthetic_corpus(base: Path, target: int) -> Path:
    """Real documents plus ``synth_corpus`` documents: about ``target`` project chunks."""
    from synth_corpus import corpus_texts, synthesize

    corpus = base / "corpus"
    corpus.mkdir(parents=True)
    real = corpus_texts(ROOT / "corpus")
    for path in (ROOT / "corpus").iterdir():
        shutil.copy(path, corpus / path.name)
    per_doc = 40  # the real documents average ~39 project chunks each
    for name, text in synthesize(real, max(0, target // per_doc - len(real)), 7):
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--synthetic", type=int, default=0, help="about N project chunks")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    from sentence_transformers import SentenceTransformer

    from assistant.core.settings import Settings
    from assistant.indexing.embed import get_embedder
    from assistant.indexing.modelpath import resolve_model_path

    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        corpus = synthetic_corpus(Path(tmp), args.synthetic) if args.synthetic else args.corpus
        chars = sum(len(p.read_text(encoding="utf-8")) for p in corpus.glob("*.txt"))
        model = SentenceTransformer(str(resolve_model_path(Settings().embedding)), device="cpu")
        model.encode(["warm up"])
        get_embedder(Settings()).embed(["warm up"])  # the project's model, loaded once
        times: dict[str, list[float]] = {"vanilla LangChain": [], "this project": []}
        chunks: dict[str, int] = {}
        for round_no in range(args.rounds):
            for name in times:
                base = Path(tmp) / f"{round_no}-{len(times[name])}-{name[:4]}"
                t = time.perf_counter()
                chunks[name] = (vanilla_build(corpus, model) if name.startswith("vanilla")
                                else project_build(corpus, base))
                times[name].append(time.perf_counter() - t)
                print(f"round {round_no + 1} {name}: {times[name][-1]:.1f} s", flush=True)
    print(f"\ncorpus: {corpus if not args.synthetic else f'synthetic ~{args.synthetic}'} "
          f"({chars:,} characters), {args.rounds} rounds, models loaded beforehand")
    print(f"{'build':18s} {'chunks':>7s} {'best s':>7s} {'median s':>9s} {'chunks/s':>9s} "
          f"{'k chars/s':>10s}")
    for name, values in times.items():
        best, median = min(values), statistics.median(values)
        print(f"{name:18s} {chunks[name]:7d} {best:7.1f} {median:9.1f} "
              f"{chunks[name] / median:9.1f} {chars / median / 1000:10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
