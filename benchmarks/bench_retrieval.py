"""Retrieval on the labeled questions, tuning half and test half (``eval/splits.yaml``), with the
vanilla LangChain recipe beside the project in the same run, on a real index.

    .venv/bin/python benchmarks/bench_retrieval.py            # build a fresh index in a tmp dir
    .venv/bin/python benchmarks/bench_retrieval.py --index-dir index   # use a built index
    .venv/bin/python benchmarks/bench_retrieval.py --ablation # also one row per retrieval change
    .venv/bin/python benchmarks/bench_retrieval.py --grid     # also the re-rank grid (tune only)

Vanilla LangChain: each corpus file read whole, RecursiveCharacterTextSplitter(1000, 200),
the same MiniLM (the project's embedder), a Chroma collection (cosine), top k=5 (10 fetched for
MRR, as for the project). Scores per half: hit@1, hit@5, recall@5, MRR@10 and search latency
p50 (ms, query embedding included). Also the patient-style labels of the test half alone
("new test": written for issue 12, never used to choose anything). Choices are made on tune.
A second table counts a hit on any passage that answers the question as well as the label's
own (``eval/retrieval_alternates.yaml``, judged from the corpus alone): the corpus states many
facts in two or three places.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.core.settings import Settings  # noqa: E402
from assistant.evaluation.retrieval import (  # noqa: E402
    LabelSet,
    Span,
    chunk_spans,
    load_labels,
    score,
)
from assistant.evaluation.splits import load_splits, select_labels  # noqa: E402

Scores = dict[str, Any]
SearchFn = Callable[[str], Sequence[Span]]
DEPTH = 10  # results scored per question (MRR@10)
VANILLA_K = 5
LABELS = ROOT / "eval" / "retrieval_labels.yaml"
SPLITS = ROOT / "eval" / "splits.yaml"
NEW_FROM = "r000-snoring"  # first label of the patient-style set (benchmarks/make_splits.py)
PARTS = ("tune", "test", "new test")
COLUMNS = ("hit@1", "hit@5", "mrr")
# the same, counting any passage that answers the question (eval/retrieval_alternates.yaml)
ANSWER_COLUMNS = ("answer_hit@1", "answer_hit@5", "answer_mrr")

# One retrieval change at a time, on top of the previous row (measured on tune). "body" swaps
# the stored chunk vectors for vectors of the chunk body alone (no title, no section path);
# "plain_units" swaps the stored sentence/row vectors for vectors without their heading.
OFF: dict[str, object] = {"body": True, "plain_units": True, "aliases": False,
                          "sentence_weight": 0.0, "rare_term_df": 0, "sentence_rank_weight": 0.0,
                          "rerank_top": 0}
ABLATION: list[tuple[str, dict[str, object]]] = [
    ("chunk vectors of the body only, no aliases", OFF),
    ("+ title and section path in the chunk vectors", {"body": False}),
    ("+ corpus aliases and spelling", {"aliases": True}),
    ("+ rare query terms always covered (df ≤ 3)", {"rare_term_df": 3}),
    ("+ best sentence blended in dense, w=1", {"sentence_weight": 1.0}),
    ("  w=0.5", {"sentence_weight": 0.5}),
    ("  w=0.15", {"sentence_weight": 0.15}),
    ("  w=0 (previous defaults)", {"sentence_weight": 0.0}),
    ("+ best sentence as a 3rd RRF ranking", {"sentence_rank_weight": 1.0}),
    ("+ sentences embedded after their heading", {"plain_units": False}),
    ("  sentence ranking weight 0.5", {"sentence_rank_weight": 0.5}),
    ("  sentence ranking weight 1.5", {"sentence_rank_weight": 1.5}),
    ("  BM25 weight 0.75", {"sentence_rank_weight": 1.0, "bm25_weight": 0.75}),
    ("  BM25 weight 1.5", {"bm25_weight": 1.5}),
    ("  rrf_k=5", {"bm25_weight": 1.0, "rrf_k": 5}),
    ("  rrf_k=20", {"rrf_k": 20}),
    ("+ re-rank the first 10 (rrf_k=10)", {"rrf_k": 10, "rerank_top": 10}),
    ("  re-rank the first 5", {"rerank_top": 5}),
    ("  re-rank the first 20", {"rerank_top": 20}),
    ("  first 10, sentence weight 1", {"rerank_top": 10, "rerank_sentence": 1.0}),
    ("  first 10, BM25 weight 0.5", {"rerank_sentence": 0.5, "rerank_bm25": 0.5}),
    ("  first 10, dense weight 0.5", {"rerank_bm25": 0.75, "rerank_dense": 0.5}),
    ("  without MMR (λ=1)", {"rerank_dense": 1.0, "mmr_lambda": 1.0}),
    ("  MMR λ=0.7", {"mmr_lambda": 0.7}),
    ("  fetch_k=24", {"mmr_lambda": 0.85, "fetch_k": 24}),
    ("  fetch_k=96", {"fetch_k": 96}),
]

GRID: dict[str, list[Any]] = {
    "rerank_top": [0, 5, 10, 20],
    "rerank_dense": [0.5, 1.0],
    "rerank_bm25": [0.5, 0.75, 1.0],
    "rerank_sentence": [0.25, 0.5, 1.0],
}


class CachedQueries:
    """Embedder wrapper that embeds each distinct query text once, so rows that search the same
    text share its vector (the p50 column then shows the first row's full cost)."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self._cache: dict[str, list[float]] = {}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        missing = [t for t in texts if t not in self._cache]
        if missing:
            self._cache.update(zip(missing, self._embedder.embed(missing), strict=True))
        return [self._cache[t] for t in texts]


class AblatedStore:
    """The real store with its chunk vectors made from the chunk body alone (``body``) and/or its
    sentence/row vectors embedded without their heading (``plain_units``), for ablation rows."""

    def __init__(self, store: Any, embedder: Any, body: bool, plain_units: bool) -> None:
        import numpy as np

        from assistant.indexing.sentence_vectors import unit_spans, unit_text
        from assistant.text.normalize import display_text

        self._store, chunks = store, store.all_chunks()
        self._vectors = (dict(zip([c.id for c in chunks], embedder.embed(
            [display_text(c.text) for c in chunks]), strict=True)) if body else None)
        self._units: dict[str, tuple[list[tuple[int, int]], Any]] | None = None
        if plain_units:
            spans = [unit_spans(c) for c in chunks]
            vectors = np.asarray(embedder.embed([unit_text(c, s, heading=False) for c, cs in zip(
                chunks, spans, strict=True) for s in cs]), dtype=np.float32)
            self._units, at = {}, 0
            for chunk, mine in zip(chunks, spans, strict=True):
                self._units[chunk.id], at = (mine, vectors[at:at + len(mine)]), at + len(mine)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def embeddings(self, ids: Sequence[str]) -> Any:
        return self._store.embeddings(ids) if self._vectors is None else [self._vectors[i]
                                                                           for i in ids]

    def units(self) -> dict[str, tuple[list[tuple[int, int]], Any]]:
        return self._store.units() if self._units is None else self._units


def split_labels(labels: LabelSet) -> dict[str, LabelSet]:
    """The tuning half, the test half, and the test half's patient-style labels."""
    splits = load_splits(SPLITS)
    ids = [label.id for label in labels.labels]
    raw = yaml.safe_load(LABELS.read_text(encoding="utf-8"))["questions"]
    order = [q["id"] for q in raw]
    new = set(order[order.index(NEW_FROM):])

    def part(keep: set[str]) -> LabelSet:
        return LabelSet([lb for lb in labels.labels if lb.id in keep], [])

    test = select_labels(ids, splits, "test")
    return {"tune": part(select_labels(ids, splits, "tune")), "test": part(test),
            "new test": part(test & new)}


def vanilla_search(settings: Settings) -> SearchFn:
    """The vanilla LangChain recipe: whole files, RecursiveCharacterTextSplitter(1000, 200),
    the same MiniLM, Chroma (cosine), nearest chunks."""
    import chromadb
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.indexing.backends import chroma_client_settings, collection_configuration
    from assistant.indexing.embed import get_embedder

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200,
                                              add_start_index=True)
    docs = []
    for path in sorted(Path(settings.corpus_dir).glob("*.txt")):
        text = path.read_bytes().decode("utf-8")
        docs += splitter.create_documents([text], metadatas=[{"source": path.name}])
    embedder = get_embedder(settings)
    client = chromadb.EphemeralClient(settings=chroma_client_settings())
    collection = client.create_collection(
        "vanilla", configuration=collection_configuration(),  # type: ignore[arg-type]
        embedding_function=None)
    collection.add(ids=[str(i) for i in range(len(docs))],
                   embeddings=embedder.embed([d.page_content for d in docs]),  # type: ignore[arg-type]
                   metadatas=[{"source": d.metadata["source"], "start": d.metadata["start_index"],
                               "end": d.metadata["start_index"] + len(d.page_content)}
                              for d in docs])

    def search(question: str) -> list[Span]:
        res = collection.query(query_embeddings=[embedder.embed_query(question)],  # type: ignore[arg-type]
                               n_results=DEPTH, include=["metadatas"])
        return [(str(m["source"]), int(m["start"]), int(m["end"]))  # type: ignore[arg-type]
                for m in (res["metadatas"] or [[]])[0]]

    return search


def pipeline_search(settings: Settings) -> SearchFn:
    """The project's retriever as the answer pipeline calls it: on the question condensed with
    no history (spelling repaired, shorthand glossed, everyday words for what the documents
    name clinically added: "the runs" -> diarrhea, policies/query_terms.yaml ``described``)."""
    from assistant.answering.assembly import build_assistant

    assistant = build_assistant(settings)
    assistant.warm_up()

    def search(question: str) -> list[Span]:
        asked = assistant.condenser.condense(question, [])
        return chunk_spans(h.chunk for h in assistant.retriever.search(asked, DEPTH))

    return search


_ABLATED: dict[tuple[bool, bool], AblatedStore] = {}  # embedded once per run


def project_search(settings: Settings, store: Any, embedder: Any, update: dict[str, object]
                   ) -> SearchFn:
    from assistant.retrieval.hybrid import HybridRetriever

    update = dict(update)
    key = (bool(update.pop("body", False)), bool(update.pop("plain_units", False)))
    if any(key) and key not in _ABLATED:
        _ABLATED[key] = AblatedStore(store, embedder, *key)
    store = _ABLATED[key] if any(key) else store
    opts = settings.retrieval.model_copy(update=update)
    retriever = HybridRetriever(settings=settings.model_copy(update={"retrieval": opts}),
                                store=store, embedder=embedder)
    retriever.warm_up()

    def search(question: str) -> list[Span]:
        return chunk_spans(h.chunk for h in retriever.search(question, DEPTH))

    return search


def score_parts(search: SearchFn, parts: dict[str, LabelSet]) -> dict[str, Scores]:
    return {name: score(labels, search) for name, labels in parts.items()}


def table(rows: list[tuple[str, dict[str, Scores]]], title: str, parts: Sequence[str],
          columns: Sequence[str] = COLUMNS) -> Table:
    t = Table(title=title)
    t.add_column("retriever")
    for part in parts:
        for col in columns:
            name = col.removeprefix("answer_")
            t.add_column(f"{part} {name.upper() if name == 'mrr' else name}", justify="right")
    t.add_column("p50 ms", justify="right")
    for name, by_part in rows:
        cells = [f"{by_part[p][c]:.3f}" for p in parts for c in columns]
        t.add_row(name, *cells, f"{by_part[parts[0]]['latency_p50_ms']:.1f}")
    return t


def grid_configs() -> list[dict[str, object]]:
    keys = list(GRID)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*GRID.values())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, help="use this built index (default: fresh)")
    parser.add_argument("--ablation", action="store_true", help="one row per retrieval change")
    parser.add_argument("--grid", action="store_true", help="also the re-rank grid, on tune")
    args = parser.parse_args(argv)
    console = Console(width=160)
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", index_dir=args.index_dir or Path(tmp))
        if args.index_dir is None:
            from assistant.indexing.indexer import build_index

            console.print(f"building index in {settings.index_dir} …")
            console.print(f"index ready ({build_index(settings, progress=False).seconds:.1f} s)")
        from assistant.indexing.embed import get_embedder
        from assistant.indexing.store import open_store

        labels = load_labels(LABELS, settings.corpus_dir)
        if labels.unlocated:
            console.print(f"answer text not found, not scored: {', '.join(labels.unlocated)}")
        parts = split_labels(labels)
        store = open_store(settings)
        embedder: Any = get_embedder(settings)
        embedder.embed(["warm up"])
        sizes = ", ".join(f"{name} {len(p.labels)}" for name, p in parts.items())
        rows = [("vanilla LangChain (1000/200, k=5)", score_parts(vanilla_search(settings),
                                                                   parts)),
                ("this project (defaults)", score_parts(project_search(settings, store,
                                                                        embedder, {}), parts)),
                ("… as the answer pipeline searches (condensed)",
                 score_parts(pipeline_search(settings), parts))]
        embedder = CachedQueries(embedder)
        if args.ablation:
            update: dict[str, object] = {}
            for name, change in ABLATION:
                update = {**update, **change}
                rows.append((name, score_parts(project_search(settings, store, embedder,
                                                              update), parts)))
        console.print(table(rows, f"Retrieval, labeled questions ({sizes}); choices on tune",
                            PARTS))
        console.print(table(rows, "The same, a hit being any passage that answers the question "
                            "(the label's own or an alternate, eval/retrieval_alternates.yaml)",
                            PARTS, ANSWER_COLUMNS))
        for name, by_part in rows[:2]:
            for part in ("tune", "test"):
                console.print(f"{name} misses at 5 ({part}): "
                              f"{', '.join(by_part[part]['misses']) or '-'}")
        if args.grid:
            tune = {"tune": parts["tune"]}
            grid = [(str(c), score_parts(project_search(settings, store, embedder, c), tune))
                    for c in grid_configs()]
            grid.sort(key=lambda r: (-r[1]["tune"]["hit@5"], -r[1]["tune"]["mrr"]))
            console.print(table(grid[:15], "Re-rank grid on the tuning half, best first",
                                ("tune",)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
