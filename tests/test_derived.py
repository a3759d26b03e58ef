"""One forward pass per answer and the files saved per index version (real Chroma, real model):
an answer calls the model once, with its question; the saved BM25 index and vocabulary give
what rebuilt ones give; an index without them still answers."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import assistant.indexing.embed as embed_module
from assistant.answering.assembly import build_assistant
from assistant.answering.compose import load_answer_policy
from assistant.answering.compose.stored import match_key
from assistant.answering.compose.units import chunk_units
from assistant.answering.derived import load_unit_vectors, load_words
from assistant.answering.vocabulary import corpus_words
from assistant.core.settings import Settings
from assistant.indexing.embed import get_embedder
from assistant.indexing.store import open_store
from assistant.indexing.versions import derived_dir
from assistant.retrieval.hybrid import HybridRetriever

QUERIES = ["How much elemental magnesium is in a 500 mg capsule?",
           "can I take magnesium with cyclobenzaprine",
           "taper clonazepam slowly withdrawal symptoms",
           "CrCl <30 mL/min kidney dose"]


class CountingEmbedder:
    """The real embedder, with every ``embed`` call's texts recorded."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        result: list[list[float]] = self.inner.embed(texts)
        return result

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_an_answer_makes_one_embedding_call_with_its_question(
        indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    counting = CountingEmbedder(get_embedder(indexed_settings))
    monkeypatch.setattr(embed_module, "get_embedder", lambda settings: counting)
    bot = build_assistant(indexed_settings.model_copy(update={"data_dir": tmp_path}))
    assert bot.generator.stored is not None  # type: ignore[attr-defined]
    bot.warm_up()
    for question in ["How much elemental magnesium is in a 500 mg glycinate capsule?",
                     "Can I take magnesium while on doxycycline?"]:
        counting.calls.clear()
        answer = bot.ask(question)
        assert not answer.refused and answer.citations
        # one call: the question, and what the steps completing its search will search (the
        # upper limit of the 500 mg it gives, ``answering.limit_lookup``)
        more = [q for m in bot.more_evidence if (q := m.query(question))]
        assert counting.calls == [[question, *more]]
        assert bool(more) == ("500 mg" in question)
    session = bot.new_session()
    bot.ask("Can I take magnesium while on doxycycline?", session)
    counting.calls.clear()
    follow_up = bot.ask("How long should I wait between them?", session)
    assert counting.calls == [[follow_up.standalone_question]]


def test_stored_unit_vectors_are_the_models_vectors(indexed_settings: Settings) -> None:
    store = open_store(indexed_settings)
    stored = load_unit_vectors(derived_dir(indexed_settings, store.version))
    assert stored is not None
    policy = load_answer_policy(indexed_settings.policies_dir)
    units = [u for c in store.all_chunks()[:12] for u in chunk_units(c, 0, policy)]
    assert len(units) > 20
    vectors = [stored.get(match_key(u.chunk.source, u.start, u.end, u.text)) for u in units]
    assert all(v is not None for v in vectors)
    fresh = np.asarray(get_embedder(indexed_settings).embed([u.text for u in units]))
    cosine = np.sum(np.vstack(vectors) * fresh, axis=1)  # type: ignore[arg-type]
    assert float(cosine.min()) > 0.999
    other = units[0]
    assert stored.get(match_key(other.chunk.source, other.start, other.end, "edited")) is None


def _retriever(settings: Settings, derived: Path | None) -> HybridRetriever:
    retriever = HybridRetriever(settings=settings, store=open_store(settings),
                                embedder=get_embedder(settings), derived=derived)
    retriever.warm_up()
    return retriever


def test_saved_bm25_and_vocabulary_rank_as_rebuilt_ones(
        indexed_settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    store = open_store(indexed_settings)
    directory = derived_dir(indexed_settings, store.version)
    loaded = _retriever(indexed_settings, directory)
    with caplog.at_level(logging.INFO):
        rebuilt = _retriever(indexed_settings, None)
    assert "no saved BM25 index" in caplog.text
    assert loaded._bm25 is not None and rebuilt._bm25 is not None
    assert loaded._postings == rebuilt._postings and loaded._postings
    for query in QUERIES:
        assert np.allclose(loaded._bm25.scores(query), rebuilt._bm25.scores(query))
        assert loaded._bm25.search(query, 10) == rebuilt._bm25.search(query, 10)
        assert loaded._bm25.search(query, 10)
        assert ([h.chunk.id for h in loaded.search(query)]
                == [h.chunk.id for h in rebuilt.search(query)])
    words = load_words(directory)
    assert words is not None
    assert frozenset(words) == corpus_words(c.embed_text for c in store.all_chunks())


def test_an_index_without_saved_files_still_answers(
        indexed_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    index = tmp_path / "index"
    shutil.copytree(indexed_settings.index_dir, index)
    settings = indexed_settings.model_copy(update={"index_dir": index,
                                                   "data_dir": tmp_path / "data"})
    shutil.rmtree(derived_dir(settings, open_store(settings).version))
    with caplog.at_level(logging.INFO):
        bot = build_assistant(settings)
    assert "no saved BM25 index" in caplog.text and "no saved vocabulary" in caplog.text
    bot.warm_up()
    answer = bot.ask("Can I take magnesium while on doxycycline?")
    assert not answer.refused and answer.citations


def test_derived_files_go_stale_when_the_answer_units_change(
        indexed_settings: Settings, tmp_path: Path) -> None:
    """``assistant index`` rewrites them on an unchanged corpus when the units' fingerprint
    (units module version, the policy's leaning starts and connectors) differs."""
    from assistant.answering.compose.stored import FINGERPRINT_FILE
    from assistant.answering.derived import derived_current

    version = open_store(indexed_settings).version
    saved = tmp_path / "derived"
    shutil.copytree(derived_dir(indexed_settings, version), saved)
    assert derived_current(indexed_settings, saved)
    assert not derived_current(indexed_settings, tmp_path / "missing")
    policies = tmp_path / "policies"
    shutil.copytree(indexed_settings.policies_dir, policies)
    answer = policies / "answer.yaml"
    answer.write_text(answer.read_text(encoding="utf-8").replace(
        "dangling_starts: [", "dangling_starts: ['^meanwhile\\b', ", 1), encoding="utf-8")
    changed = indexed_settings.model_copy(update={"policies_dir": policies})
    assert not derived_current(changed, saved)
    (saved / FINGERPRINT_FILE).unlink()  # an index saved before fingerprints
    assert not derived_current(indexed_settings, saved)


def test_the_stored_units_centroid_is_their_normalised_float32_mean(tmp_path: Path) -> None:
    from assistant.answering.compose.stored import StoredVectors

    vectors = np.random.default_rng(3).normal(size=(50, 8)).astype(np.float32)
    StoredVectors.save(tmp_path, list(range(1, 51)), vectors)
    stored = StoredVectors.load(tmp_path)
    assert stored is not None
    mean = np.asarray(stored.vectors, dtype=np.float32).mean(axis=0)
    centroid = stored.centroid()
    assert centroid is not None and centroid.dtype == np.float32
    assert np.allclose(centroid, mean / np.linalg.norm(mean), atol=1e-6)
    # saved with the vectors, so start-up reads it; vectors saved before it are averaged once
    (tmp_path / "unit_centroid.npy").unlink()
    older = StoredVectors.load(tmp_path)
    assert older is not None and np.array_equal(older.centroid(), centroid)
    assert StoredVectors(np.zeros(0, dtype=np.uint64), np.zeros((0, 8))).centroid() is None
