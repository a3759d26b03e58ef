"""Start-up above chromadb's one-read limit: a real Chroma index of 35,000 records.

One ``collection.get`` of ~32k+ records fails in chromadb's SQLite ("too many SQL variables"),
which used to stop every start (``all_chunks``, ``embeddings``, ``units``, the retriever's
warm-up) and every incremental index run (the copy of unchanged files). The records are
synthetic (small random vectors inserted directly, no embedding model) so the index fills in
seconds; the reads under test are the real ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import make_settings

from assistant.core.models import Chunk
from assistant.core.settings import Settings
from assistant.indexing.backends import get_backend
from assistant.indexing.ingest import load_corpus_with_warnings
from assistant.indexing.sentence_vectors import SPANS_KEY, VECTORS_KEY, encode
from assistant.indexing.store import open_store, read_pages
from assistant.indexing.versions import IndexInfo, Pointer, new_version_name
from assistant.retrieval.hybrid import HybridRetriever

N = 35_000
DIM = 8  # the dimension does not matter to the read limit; small vectors fill fast
FILES = 40
UNITS_EVERY = 7  # every 7th chunk also carries two sentence vectors
ADD = 5_000


def _chunk(i: int) -> Chunk:
    source = f"doc{i % FILES:02d}.txt"
    text = f"Record {i} mentions term{i % 101} and topic{i % 13} number {i}."
    start = (i // FILES) * 100
    return Chunk(id=f"c{i:06d}", source=source, title=f"Document {i % FILES}",
                 section=[], text=text, start=start,
                 end=start + len(text), embed_text=f"Document {i % FILES}\n{text}")


def _lean_metadata(chunk: Chunk) -> dict[str, Any]:
    """The keys a record cannot do without (the rest default); fewer keys fill faster and the
    read limit is per record, not per key."""
    return {"source": chunk.source, "title": chunk.title, "start": chunk.start,
            "end": chunk.end, "embed_text": chunk.embed_text}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("scale")
    corpus = base / "corpus"
    corpus.mkdir()
    for j in range(FILES):
        (corpus / f"doc{j:02d}.txt").write_text(
            f"Document {j}\n\nA synthetic page number {j} for the scale test of the store.\n",
            encoding="utf-8")
    settings = make_settings(base, corpus)
    files = {d.source: d.sha256 for d in load_corpus_with_warnings(settings, corpus).documents}
    assert len(files) == FILES
    backend = get_backend(settings)
    version = new_version_name()
    collection = backend.create_collection(version,
                                           IndexInfo.for_settings(settings, version, files))
    rng = np.random.default_rng(13)
    vectors = rng.standard_normal((N, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    units = rng.standard_normal((2, DIM)).astype(np.float32)
    chunks = [_chunk(i) for i in range(N)]
    for start in range(0, N, ADD):
        batch = chunks[start:start + ADD]
        metas = [{**_lean_metadata(c), **({SPANS_KEY: f"[[{c.start}, {c.start + 10}], "
                                                      f"[{c.start + 11}, {c.end}]]",
                                           VECTORS_KEY: encode(units)}
                                          if (start + k) % UNITS_EVERY == 0 else {})}
                 for k, c in enumerate(batch)]
        collection.add(ids=[c.id for c in batch], documents=[c.text for c in batch],
                       metadatas=metas,  # type: ignore[arg-type]
                       embeddings=vectors[start:start + ADD])
    backend.write_pointer(Pointer(version))
    return {"settings": settings, "corpus": corpus, "vectors": vectors, "chunks": chunks,
            "collection": collection}


def test_one_read_of_this_size_fails_in_chroma(big: dict[str, Any]) -> None:
    """Why the reads page: this index is above the size one unpaged read can fetch."""
    with pytest.raises(Exception, match="too many SQL variables"):
        big["collection"].get(include=["metadatas"])


def test_store_reads_everything_in_pages(big: dict[str, Any]) -> None:
    store = open_store(big["settings"])
    assert store.count() == N
    chunks = store.all_chunks()
    assert len(chunks) == N and len({c.id for c in chunks}) == N
    assert chunks == sorted(chunks, key=lambda c: (c.source, c.start, c.id))
    want = {c.id: c for c in big["chunks"]}
    assert all(c == want[c.id] for c in chunks[::997])

    ids = [c.id for c in chunks]
    matrix = store.embeddings(ids)
    assert isinstance(matrix, np.ndarray) and matrix.dtype == np.float32
    assert matrix.shape == (N, DIM)
    rows = [int(i[1:]) for i in ids]
    assert np.allclose(matrix, big["vectors"][rows], atol=1e-6)
    few = store.embeddings([ids[5], ids[2], ids[5]])  # any order, repeats kept
    assert np.allclose(few, big["vectors"][[rows[5], rows[2], rows[5]]], atol=1e-6)

    units = store.units()
    assert len(units) == N
    with_units = {i for i, (spans, _) in units.items() if spans}
    assert with_units == {f"c{i:06d}" for i in range(0, N, UNITS_EVERY)}
    assert all(v.shape == (2, DIM) for spans, v in units.values() if spans)


def test_retriever_starts_on_the_big_index(big: dict[str, Any]) -> None:
    """The start-up path of ask/search/eval/web: every chunk, vector and unit vector loaded."""
    settings: Settings = big["settings"]
    retriever = HybridRetriever(settings=settings, store=open_store(settings), embedder=None)
    retriever.warm_up()
    assert len(retriever.chunks) == N


def test_incremental_copy_reads_more_than_one_read_can_fetch(big: dict[str, Any]) -> None:
    """The indexer's copy of unchanged files (``_copy_chunks``) reads the previous version with
    this query shape: 39 of the 40 files (34,125 records, vectors and sentence vectors included)
    come back page by page. (Its writes are covered at corpus size by test_index; re-adding 34k
    records here would take most of a minute.)"""
    sources = [f"doc{j:02d}.txt" for j in range(1, FILES)]
    where: Any = {"source": {"$in": sources}}
    pages = list(read_pages(big["collection"],
                            ["embeddings", "documents", "metadatas"], where))
    ids = [i for got in pages for i in got["ids"]]
    assert len(ids) == len(set(ids)) == N - N // FILES and len(pages) > 1
    assert all(int(i[1:]) % FILES != 0 for i in ids)  # nothing of doc00
    first = pages[0]
    row = int(first["ids"][0][1:])
    assert np.allclose(first["embeddings"][0], big["vectors"][row], atol=1e-6)
    assert first["metadatas"][0]["source"] in sources
