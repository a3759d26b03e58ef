"""Hybrid retrieval on a real index (real Chroma, real embeddings, real bm25s)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.core.models import Hit
from assistant.core.settings import Settings
from assistant.evaluation.retrieval import chunk_spans, load_labels, score
from assistant.retrieval.bm25 import BM25Index, tokenize, top_k
from assistant.retrieval.coverage import asked_terms
from assistant.retrieval.fusion import mmr_order, normalize, reciprocal_rank_fusion
from assistant.retrieval.hybrid import HybridRetriever, build_retriever
from assistant.retrieval.rerank import RerankWeights, rerank

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "eval" / "retrieval_labels.yaml"


# --------------------------------------------------------------------------- pure parts


def test_tokenize_keeps_numbers_and_drops_stopwords_and_punctuation() -> None:
    assert tokenize(["Is CrCl <30 mL/min ok with 0.5mg of it?"]) == [
        ["crcl", "30", "ml", "min", "ok", "0.5", "mg"]
    ]
    assert tokenize(["", "?!(<>)", "the and of"]) == [[], [], []]


def test_coverable_terms_are_names_and_the_words_of_the_question() -> None:
    terms = asked_terms("My ferritin was 22 and I'm sick of it. Is temazepam ok?", 4.0)
    assert terms == frozenset(tokenize(["ferritin temazepam ok"])[0])
    assert not terms & frozenset(tokenize(["sick"])[0])  # an everyday word of the story
    question = "Should it be taken on an empty stomach?"
    assert asked_terms(question, 4.0) == frozenset(tokenize([question])[0])


def test_bm25_ranks_matching_text_and_survives_odd_queries() -> None:
    index = BM25Index(["magnesium dose CrCl <30 mL/min", "taper clonazepam slowly",
                       "doxycycline: separate from magnesium by 2 hours"])
    assert [i for i, _ in index.search("CrCl <30", 3)] == [0]
    assert index.search("doxycycline magnesium", 3)[0][0] == 2
    for query in ("", "   ", "???", "0.5mg", "zzzz unknownword", "<30"):
        assert all(score > 0 for _, score in index.search(query, 3))
    assert index.search("", 3) == [] and index.search("???", 3) == []


def test_top_k_is_the_head_of_a_full_sort_without_sorting_all() -> None:
    """top_k (argpartition + a sort of k) gives exactly the first k of the full stable sort by
    (-score, position), ties at the cut included, with and without the positive filter."""
    rng = np.random.default_rng(5)
    for n, k in [(0, 3), (5, 10), (1000, 1), (1000, 24), (5000, 96)]:
        scores = np.round(rng.standard_normal(n), 1)  # few distinct values: many ties
        for positive in (False, True):
            keep = [i for i in range(n) if scores[i] > 0 or not positive]
            want = sorted(keep, key=lambda i: (-scores[i], i))[:k]
            assert top_k(scores, k, positive=positive).tolist() == want
    assert top_k(np.zeros(4), 2, positive=True).tolist() == []
    assert top_k(np.ones(4), 0).tolist() == []


def test_rrf_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]], rrf_k=60)
    assert max(fused, key=fused.__getitem__) == "b"
    assert fused["a"] == pytest.approx(1 / 61)
    assert normalize({"x": 2.0, "y": 1.0}) == {"x": 1.0, "y": 0.0}


def test_weighted_rrf_scales_each_ranking() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "a"]], rrf_k=10, weights=[2.0, 0.5])
    assert fused["a"] == pytest.approx(2 / 11 + 0.5 / 12)
    assert fused["a"] > fused["b"]
    assert reciprocal_rank_fusion([["a"], ["b"]], 10, [1.0, 0.0])["b"] == 0.0


def test_rerank_reorders_only_the_head_within_its_fused_range() -> None:
    order = ["a", "b", "c", "d"]
    fused = {"a": 0.30, "b": 0.25, "c": 0.20, "d": 0.10}
    signals = {"dense": [0.1, 0.9, 0.2], "bm25": [0.0, 5.0, 1.0], "sentence": [0.3, 0.8, 0.5]}
    new = rerank(order[:3], fused, signals, RerankWeights(fused=1.0, dense=1.0, bm25=1.0,
                                                          sentence=1.0))
    assert set(new) == {"a", "b", "c"}  # "d", past the head, keeps its score
    assert max(new, key=new.__getitem__) == "b"  # far ahead on every score of its own
    assert min(new.values()) == pytest.approx(0.20) and max(new.values()) == pytest.approx(0.30)
    only_fused = rerank(order[:3], fused, signals, RerankWeights(1.0, 0.0, 0.0, 0.0))
    assert sorted(only_fused, key=only_fused.__getitem__, reverse=True) == ["a", "b", "c"]
    assert rerank(order[:1], fused, {"dense": [1.0], "bm25": [1.0], "sentence": [1.0]},
                  RerankWeights(1.0, 1.0, 1.0, 1.0)) == {}


def test_mmr_skips_near_duplicates_unless_lambda_is_one() -> None:
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    relevance = [1.0, 0.95, 0.6]
    assert mmr_order(relevance, vectors, lam=1.0, k=2) == [0, 1]
    assert mmr_order(relevance, vectors, lam=0.5, k=2) == [0, 2]
    assert mmr_order(relevance, vectors, lam=0.5, k=10) == [0, 2, 1]


# --------------------------------------------------------------------------- real index


SEED_QUESTION = "Is 120 mg magnesium glycinate safe with 0.5 mg clonazepam if my kidneys are weak?"


@pytest.fixture(scope="session")
def retriever(indexed_settings: Settings) -> HybridRetriever:
    return build_retriever(indexed_settings)


@pytest.fixture(scope="session")
def dense_retriever(retriever: HybridRetriever) -> HybridRetriever:
    opts = retriever.settings.retrieval.model_copy(update={"mode": "dense"})
    settings = retriever.settings.model_copy(update={"retrieval": opts})
    dense = HybridRetriever(settings=settings, store=retriever.store, embedder=retriever.embedder)
    dense.warm_up()
    return dense


def test_creatinine_clearance_question_finds_the_renal_dose_passage(
    retriever: HybridRetriever,
) -> None:
    hits = retriever.search("creatinine clearance magnesium dose adjustment")
    assert hits[0].chunk.source == "000_ea444bfb46099086.txt"
    assert "CrCl <30 mL/min" in hits[0].chunk.text


def test_doxycycline_question_finds_the_interaction_table_row(
    retriever: HybridRetriever,
) -> None:
    hits = retriever.search("doxycycline magnesium spacing")
    rows = [h for h in hits if h.chunk.source == "003_b4040f399ac66141.txt"
            and "Doxycycline, Minocycline, Tetracycline" in h.chunk.text]
    assert rows, [(h.chunk.source, h.chunk.text[:80]) for h in hits]
    assert rows[0].bm25_rank == 1


def test_broad_question_draws_on_more_than_one_file(retriever: HybridRetriever) -> None:
    hits = retriever.search("is magnesium glycinate safe")
    assert len(hits) == retriever.settings.retrieval.k
    assert len({h.chunk.source for h in hits}) >= 2
    assert len({h.chunk.id for h in hits}) == len(hits)


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_returns_nothing(retriever: HybridRetriever, query: str) -> None:
    assert retriever.search(query) == []
    assert retriever.invoke(query) == []


@pytest.mark.parametrize("query", ["CrCl <30", "0.5mg", "(((", "magnesium!!! 120mg???"])
def test_punctuation_and_numbers_do_not_break_search(
    retriever: HybridRetriever, query: str
) -> None:
    assert len(retriever.search(query, k=3)) == 3


def test_every_hit_carries_its_true_dense_similarity(retriever: HybridRetriever) -> None:
    query = "doxycycline magnesium spacing"
    hits = retriever.search(query, k=8)
    qvec = np.asarray(retriever.embedder.embed([query])[0])
    stored = retriever.store.embeddings([h.chunk.id for h in hits])
    for hit, vec in zip(hits, stored, strict=True):
        assert hit.dense == pytest.approx(float(np.dot(qvec, vec)), abs=1e-3)
        assert (hit.bm25 > 0) == (hit.bm25_rank is not None)
    assert hits[0].score == max(h.score for h in hits)  # MMR's first pick is the most relevant


def test_hits_name_the_sentence_that_matched(retriever: HybridRetriever) -> None:
    hits = retriever.search("creatinine clearance magnesium dose adjustment", k=5)
    for hit in hits:
        assert hit.sentence is not None
        start, end = hit.sentence
        assert hit.chunk.start <= start < end <= hit.chunk.end
    top = hits[0]
    assert top.sentence is not None
    assert "CrCl" in top.chunk.text[top.sentence[0] - top.chunk.start:
                                     top.sentence[1] - top.chunk.start]


def test_sentence_weight_changes_the_dense_ranking(retriever: HybridRetriever) -> None:
    def dense_order(weight: float) -> list[str]:
        opts = retriever.settings.retrieval.model_copy(update={"sentence_weight": weight,
                                                              "mode": "dense"})
        other = HybridRetriever(settings=retriever.settings.model_copy(update={"retrieval": opts}),
                                store=retriever.store, embedder=retriever.embedder)
        return [h.chunk.id for h in other.search("how long before magnesium helps", k=10)]

    assert dense_order(0.0) != dense_order(1.0)


def test_a_source_cap_makes_room_for_other_files(retriever: HybridRetriever) -> None:
    def sources(cap: int) -> list[str]:
        opts = retriever.settings.retrieval.model_copy(update={"max_per_source": cap})
        other = HybridRetriever(settings=retriever.settings.model_copy(update={"retrieval": opts}),
                                store=retriever.store, embedder=retriever.embedder)
        return [h.chunk.source for h in other.search(SEED_QUESTION)]

    uncapped, capped = sources(0), sources(2)
    assert max(uncapped.count(s) for s in uncapped) > 2  # the seed file fills the hits
    assert len(capped) == retriever.settings.retrieval.k
    assert max(capped.count(s) for s in capped) <= 2 and len(set(capped)) >= 3
    assert capped[0] == uncapped[0]  # the best hit stays first


def test_rerank_and_sentence_ranking_change_order_not_membership(
    retriever: HybridRetriever,
) -> None:
    def ids(**update: object) -> list[str]:
        opts = retriever.settings.retrieval.model_copy(update={"mmr_lambda": 1.0,
                                                              "rare_term_df": 0, **update})
        other = HybridRetriever(settings=retriever.settings.model_copy(update={"retrieval": opts}),
                                store=retriever.store, embedder=retriever.embedder)
        return [h.chunk.id for h in other.search("what signs of too much magnesium", k=8)]

    plain = ids(rerank_top=0)
    reranked = ids(rerank_top=8, rerank_dense=3.0, rerank_bm25=0.0, rerank_sentence=0.0)
    assert set(reranked) == set(plain) and reranked != plain
    assert ids(rerank_top=0, sentence_rank_weight=0.0) != ids(rerank_top=0,
                                                              sentence_rank_weight=2.0)


#: A long message full of everyday words the corpus uses only once or twice ("sick", "whole").
CHATTY = ("Finally finished my clonazepam taper last month!! I've been taking magnesium glycinate "
          "every day the whole way through, about 5 months now. I'm sick of pills and want to bin "
          "the magnesium too. Any reason not to just stop it tomorrow?")


def test_everyday_words_do_not_push_the_best_chunks_out(retriever: HybridRetriever) -> None:
    # each such word rare in the corpus would bring in a chunk of its own in place of the best
    # ones (the last pick gives way, so only the first five of six are the first of twelve)
    six = [h.chunk.id for h in retriever.search(CHATTY, k=6)]
    assert six[:5] == [h.chunk.id for h in retriever.search(CHATTY, k=12)][:5]


def test_a_rare_name_is_always_in_some_retrieved_chunk(retriever: HybridRetriever) -> None:
    hits = retriever.search("I'm sick of my sleep being so bad, would temazepam be ok "
                            "with my magnesium at night?", k=4)
    assert any("temazepam" in h.chunk.text.lower() for h in hits)


def test_dense_mode_uses_no_bm25(dense_retriever: HybridRetriever) -> None:
    hits = dense_retriever.search("creatinine clearance magnesium dose adjustment")
    assert hits and all(h.bm25 == 0.0 and h.bm25_rank is None for h in hits)
    assert all(h.dense_rank is not None for h in hits)


def test_langchain_invoke_returns_documents_whose_offsets_reproduce_the_file(
    retriever: HybridRetriever, indexed_settings: Settings
) -> None:
    docs = retriever.invoke("can klonopin make sleep apnea worse")
    assert len(docs) == retriever.settings.retrieval.k
    for doc in docs:
        meta = doc.metadata
        text = (Path(indexed_settings.corpus_dir) / meta["source"]).read_bytes().decode("utf-8")
        assert text[meta["start"]:meta["end"]] == doc.page_content
        assert {"chunk_id", "title", "section", "score", "dense", "bm25"} <= set(meta)
    assert isinstance(retriever.search("sleep apnea")[0], Hit)


# --------------------------------------------------------------------------- labeled set


@pytest.fixture(scope="session")
def label_scores(
    retriever: HybridRetriever, dense_retriever: HybridRetriever, indexed_settings: Settings
) -> dict[str, dict[str, Any]]:
    labels = load_labels(LABELS, Path(indexed_settings.corpus_dir))
    assert labels.labels and labels.unlocated == []  # every answer text is in its source
    return {
        name: score(labels, lambda q, r=r: chunk_spans(h.chunk for h in r.search(q, 10)))
        for name, r in (("hybrid", retriever), ("dense", dense_retriever))
    }


def test_hybrid_is_at_least_as_good_as_dense_on_the_labels(
    label_scores: dict[str, dict[str, Any]],
) -> None:
    hybrid, dense = label_scores["hybrid"], label_scores["dense"]
    assert hybrid["hit@5"] >= dense["hit@5"]
    assert hybrid["mrr"] >= dense["mrr"]
    assert hybrid["hit@5"] >= 0.8, hybrid["misses"]
