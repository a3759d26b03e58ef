"""Index build, store reads, incremental re-indexing and settings mismatch (real Chroma)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import IndexMismatch, IndexMissing
from assistant.protocols import ChunkStore, Embedder
from assistant.settings import Settings
from assistant.store import open_store

RENAL_FILE = "000_ea444bfb46099086.txt"


def test_store_satisfies_protocols_and_offsets_are_exact(
    indexed_settings: Settings, corpus_dir: Path
) -> None:
    from assistant.embed import get_embedder

    store = open_store(indexed_settings)
    assert isinstance(get_embedder(indexed_settings), Embedder)
    _: ChunkStore = store
    chunks = store.all_chunks()
    assert len(chunks) == store.count() > 0
    assert {c.source for c in chunks} == {p.name for p in corpus_dir.glob("*.txt")}
    texts = {p.name: p.read_bytes().decode("utf-8") for p in corpus_dir.glob("*.txt")}
    for chunk in chunks:
        assert texts[chunk.source][chunk.start:chunk.end] == chunk.text


def test_query_returns_cosine_similarity_of_normalized_vectors(indexed_settings: Settings) -> None:
    store = open_store(indexed_settings)
    chunk = store.all_chunks()[0]
    [vector] = store.embeddings([chunk.id])
    assert abs(sum(x * x for x in vector) - 1.0) < 1e-3
    hits = store.query(vector, 3)
    assert hits[0][0].id == chunk.id
    assert hits[0][1] == pytest.approx(1.0, abs=1e-3)
    assert hits[0][1] >= hits[1][1] >= hits[2][1]


def test_dense_search_ranks_renal_passage_first(indexed_settings: Settings) -> None:
    hits = open_store(indexed_settings).search(
        "creatinine clearance magnesium dose adjustment", 5)
    top = hits[0][0]
    assert top.source == RENAL_FILE
    assert "CrCl <30 mL/min" in top.text


def test_open_store_without_index_says_run_index(
    tmp_path: Path, corpus_dir: Path, settings_factory: Any
) -> None:
    with pytest.raises(IndexMissing, match="assistant index"):
        open_store(settings_factory(tmp_path, corpus_dir))


def test_open_store_with_other_settings_names_the_difference(indexed_settings: Settings) -> None:
    other = indexed_settings.model_copy(
        update={"chunking": indexed_settings.chunking.model_copy(update={"max_tokens": 120})})
    with pytest.raises(IndexMismatch, match="max_tokens"):
        open_store(other)


@pytest.fixture()
def corpus_copy(tmp_path: Path, corpus_dir: Path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(corpus_dir, dest)
    return dest
