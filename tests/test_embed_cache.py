"""The shared text -> vector cache: same vectors as the model, bounded, and one cache for every
step of an answer (real model, real index)."""

from __future__ import annotations

import pytest

from assistant.answering.pipeline import Assistant
from assistant.answering.query_terms import load_query_terms
from assistant.core.embed_cache import CachedEmbedder
from assistant.core.settings import Settings
from assistant.indexing.embed import get_embedder


def test_cache_returns_the_models_vectors_and_stays_bounded(indexed_settings: Settings) -> None:
    model = get_embedder(indexed_settings)
    cached = CachedEmbedder(model, maxsize=3)
    texts = ["first text", "second text", "first text", "third text"]
    assert cached.embed(texts) == model.embed(texts)
    assert cached.counters() == {"calls": 1, "texts": 3, "hits": 1}  # repeats embedded once
    assert cached.embed(["third text", "second text"]) == model.embed(["third text",
                                                                       "second text"])
    assert cached.counters()["calls"] == 1  # all cached: no forward pass
    cached.embed(["fourth text"])  # evicts the least recently used ("first text")
    assert len(cached._cache) == 3 and "first text" not in cached._cache
    assert cached.embed_query("first text") == model.embed(["first text"])[0]
    assert cached.counters() == {"calls": 3, "texts": 5, "hits": 3}
    assert cached.count_tokens("first text") == model.count_tokens("first text")
    assert cached.max_seq_length == model.max_seq_length  # other attributes: the model's
    with pytest.raises(ValueError):
        CachedEmbedder(model, maxsize=0)



def test_warm_up_embeds_the_vocabulary_prototypes(assistant: Assistant,
                                                  indexed_settings: Settings) -> None:
    embedder = assistant.retriever.embedder  # type: ignore[attr-defined]
    assert isinstance(embedder, CachedEmbedder)
    terms = load_query_terms(indexed_settings.policies_dir)
    before = embedder.counters()["calls"]
    embedder.embed(terms.named_prototypes + terms.general_prototypes)
    assert embedder.counters()["calls"] == before  # already embedded during warm-up


def test_the_query_vector_is_computed_once_per_answer(assistant: Assistant) -> None:
    embedder = assistant.retriever.embedder  # type: ignore[attr-defined]
    answer = assistant.ask("How long should I wait between the two of them?")
    before = embedder.counters()
    embedder.embed([answer.standalone_question])  # what the retriever and composer embed
    after = embedder.counters()
    assert after["calls"] == before["calls"] and after["hits"] == before["hits"] + 1
