"""Start-up from the files saved with an index version (real Chroma, real model): the saved
search arrays, query expander and corpus facts give the same retrieval and answers as a full read
of the store; a large index (here: the cache bound lowered below the corpus) starts without
reading every chunk back and fetches the retrieved ones by id; bad saved files are ignored."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_derived import QUERIES

import assistant.retrieval.hybrid as hybrid_module
from assistant.answering.assembly import build_assistant
from assistant.answering.facts import CorpusFacts
from assistant.core.settings import Settings
from assistant.indexing.embed import get_embedder
from assistant.indexing.store import open_store
from assistant.indexing.versions import derived_dir
from assistant.retrieval.aliases import QueryExpander
from assistant.retrieval.arrays import ARRAYS_DIR, SearchArrays, half_dot, write_half_dot
from assistant.retrieval.hybrid import HybridRetriever


def _retriever(settings: Settings, derived: Path | None) -> HybridRetriever:
    store = open_store(settings)
    retriever = HybridRetriever(settings, store, get_embedder(settings), derived)
    retriever.warm_up()
    return retriever


def _hits(retriever: HybridRetriever) -> list[list[tuple[str, float, tuple[int, int] | None]]]:
    return [[(h.chunk.id, round(h.score, 9), h.sentence) for h in retriever.search(q)]
            for q in QUERIES]


def test_saved_arrays_match_a_read_of_the_store(indexed_settings: Settings) -> None:
    store = open_store(indexed_settings)
    saved = SearchArrays.load(derived_dir(indexed_settings, store.version), store.count())
    read = SearchArrays.read(open_store(indexed_settings))
    assert saved is not None and saved.ids == read.ids == [c.id for c in store.all_chunks()]
    assert np.array_equal(saved.vectors, read.vectors)
    assert np.array_equal(saved.unit_bounds, read.unit_bounds)
    assert np.array_equal(np.asarray(saved.unit_spans), read.unit_spans)
    assert np.array_equal(np.asarray(saved.unit_vectors), read.unit_vectors)
    assert len(read.unit_vectors) > len(read.ids)  # sentences and rows, not only chunks


def test_saved_files_retrieve_as_a_full_read(indexed_settings: Settings,
                                             caplog: pytest.LogCaptureFixture) -> None:
    derived = derived_dir(indexed_settings, open_store(indexed_settings).version)
    with caplog.at_level(logging.INFO):
        saved = _retriever(indexed_settings, derived)
    assert "no saved" not in caplog.text
    rebuilt = _retriever(indexed_settings, None)
    assert _hits(saved) == _hits(rebuilt)
    loaded = QueryExpander.load(derived)
    assert loaded is not None and rebuilt._expander is not None
    assert loaded.aliases == rebuilt._expander.aliases
    assert loaded.counts == rebuilt._expander.counts


def test_saved_corpus_facts_are_what_the_chunks_give(indexed_settings: Settings) -> None:
    store = open_store(indexed_settings)
    saved = CorpusFacts.load(derived_dir(indexed_settings, store.version))
    assert saved == CorpusFacts.from_chunks(indexed_settings, store.all_chunks())
    assert saved is not None and len(saved.titles) == len(list(indexed_settings.corpus_dir.glob(
        "*.txt"))) and saved.subject_pairs


def test_a_large_index_starts_without_reading_every_chunk(
        indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    exact = _hits(_retriever(indexed_settings, derived_dir(
        indexed_settings, open_store(indexed_settings).version)))
    monkeypatch.setattr(hybrid_module, "CHUNK_CACHE_SIZE", 8)

    def no_full_read(self: object) -> None:
        raise AssertionError("start-up read every chunk")

    monkeypatch.setattr("assistant.indexing.store.ChromaChunkStore.all_chunks", no_full_read)
    # ... and answering reads the retrieved chunks from the version's records file, not Chroma
    monkeypatch.setattr("assistant.indexing.store.ChromaChunkStore.chunks", no_full_read)
    settings = indexed_settings.model_copy(update={"data_dir": tmp_path})
    bot = build_assistant(settings)
    bot.warm_up()
    retriever = bot.retriever
    assert isinstance(retriever, HybridRetriever)
    assert _hits(retriever) == exact  # chunks fetched by id, same hits
    assert len(retriever._chunk_cache) <= 8
    answer = bot.ask("Can I take magnesium while on doxycycline?")
    assert not answer.refused and answer.citations
    source = (settings.corpus_dir / answer.citations[0].source).read_text(encoding="utf-8")
    first = answer.citations[0]
    assert source[first.start:first.end] == first.quote


def test_a_small_index_is_kept_in_memory_from_its_records(
        indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Up to ``CHUNK_CACHE_SIZE`` chunks all are kept, read from the version's records file at
    start: neither start-up nor answering reads chunks from Chroma."""
    exact = _hits(_retriever(indexed_settings, derived_dir(
        indexed_settings, open_store(indexed_settings).version)))

    def no_store_read(self: object, *args: object) -> None:
        raise AssertionError("read chunks from the store")

    monkeypatch.setattr("assistant.indexing.store.ChromaChunkStore.all_chunks", no_store_read)
    monkeypatch.setattr("assistant.indexing.store.ChromaChunkStore.chunks", no_store_read)
    bot = build_assistant(indexed_settings.model_copy(update={"data_dir": tmp_path}))
    bot.warm_up()
    retriever = bot.retriever
    assert isinstance(retriever, HybridRetriever)
    assert len(retriever._chunk_cache) == len(retriever) > 8
    assert _hits(retriever) == exact


def test_bounded_sentence_candidates_still_retrieve(indexed_settings: Settings) -> None:
    """Above ``sentence_candidates`` chunks, only the nearest chunks' (and BM25's) sentences are
    scored: the obvious passage is still found first."""
    bounded = indexed_settings.model_copy(update={"retrieval": indexed_settings.retrieval
                                                  .model_copy(update={"sentence_candidates": 20})})
    retriever = _retriever(bounded, derived_dir(bounded, open_store(bounded).version))
    assert retriever._arrays is not None and not retriever._arrays.units_in_memory
    exact = _retriever(indexed_settings, derived_dir(
        indexed_settings, open_store(indexed_settings).version))
    for query in QUERIES:
        got, want = retriever.search(query), exact.search(query)
        assert got[0].chunk.id == want[0].chunk.id
        assert all(h.sentence is None or h.chunk.start <= h.sentence[0] < h.sentence[1]
                   <= h.chunk.end for h in got)


def test_damaged_or_foreign_arrays_are_ignored(indexed_settings: Settings, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    index = tmp_path / "index"
    shutil.copytree(indexed_settings.index_dir, index)
    settings = indexed_settings.model_copy(update={"index_dir": index})
    store = open_store(settings)
    arrays = derived_dir(settings, store.version) / ARRAYS_DIR
    (arrays / "ids.json").write_text('["only-one"]', encoding="utf-8")
    assert SearchArrays.load(arrays.parent, store.count()) is None
    (arrays / "vectors.npy").write_bytes(b"not numpy")
    with caplog.at_level(logging.INFO):
        retriever = _retriever(settings, arrays.parent)
    assert "do not match" in caplog.text or "unreadable" in caplog.text
    assert retriever.search(QUERIES[0])


def test_half_dot_is_the_float32_product(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = rng.standard_normal((500, 384)).astype(np.float16)
    query = rng.standard_normal(384).astype(np.float32)
    want = rows.astype(np.float32) @ query
    graph = tmp_path / "half_dot.onnx"
    write_half_dot(graph)
    assert np.allclose(half_dot(rows, query, graph), want, atol=1e-4)
    assert np.allclose(half_dot(rows, query), want, atol=1e-4)  # without the graph: numpy
    assert half_dot(rows[:0], query, graph).shape == (0,)
