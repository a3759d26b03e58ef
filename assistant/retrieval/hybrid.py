"""Hybrid retrieval (dense Chroma search + BM25 + best sentence, fused by weighted RRF, optionally
re-ranked by a second look at the scores, diversified by MMR).

``build_retriever(settings)`` opens the active index and returns a warmed-up
``HybridRetriever``. The answer pipeline calls ``search(query)`` for typed ``Hit``s; anything
LangChain-shaped can ``invoke(query)`` it for ``Document``s, or take ``as_langchain()`` (LangChain
is imported only then). ``mode == "dense"`` skips BM25; ``mmr_lambda == 1`` skips diversity.

Start-up loads what the index version saved (``answering.derived``): the search arrays (chunk
ids, chunk vectors, sentence/row vectors: ``retrieval.arrays``), the BM25 index and the query
expander, so it reads no chunk back from the store; the chunks themselves are kept when there are
at most ``CHUNK_CACHE_SIZE``, else read by id when retrieved (a bounded cache).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.lru import LRUCache
from assistant.core.models import Chunk, Hit
from assistant.core.protocols import ChunkStore, Embedder
from assistant.core.settings import Settings
from assistant.retrieval.aliases import QueryExpander
from assistant.retrieval.arrays import ARRAYS_DIR, SearchArrays
from assistant.retrieval.bm25 import BM25Index, top_k
from assistant.retrieval.coverage import cover_rare_terms, rare_terms
from assistant.retrieval.fusion import capped, mmr_ids, reciprocal_rank_fusion
from assistant.retrieval.records import ChunkRecords
from assistant.retrieval.rerank import RerankWeights, rerank

if TYPE_CHECKING:
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

log = logging.getLogger(__name__)
#: Sub-directory of a version's derived files holding its BM25 index (``answering.derived``).
BM25_DIR = "bm25"
#: Chunks kept in memory for answering: all of them when the index has at most this many
#: (read at start), else the most recently retrieved (read from the store by id).
CHUNK_CACHE_SIZE = 4096


def bm25_text(chunk: Chunk) -> str:
    """What BM25 indexes: the normalized embedded text (heading path, context such as a table
    header, body without markup or reference numbers) less the title line, which every chunk
    of a file repeats and which would pull whole files toward title words."""
    head, sep, rest = chunk.embed_text.partition("\n")
    return rest if sep and head.strip() == chunk.title.strip() else chunk.embed_text


class HybridRetriever:
    """Dense + BM25 retriever over the active index; call ``warm_up()`` before use."""

    def __init__(self, settings: Settings, store: Any, embedder: Any,
                 derived: Path | None = None) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        #: The version's derived files (``indexing.versions.derived_dir``); None: build in memory.
        self.derived = derived
        self._arrays: SearchArrays | None = None
        self._row: dict[str, int] = {}
        self._chunk_cache: LRUCache[int, Chunk] = LRUCache(CHUNK_CACHE_SIZE)
        self._records: ChunkRecords | None = None
        self._bm25: BM25Index | None = None
        self._expander: QueryExpander | None = None
        self._postings: dict[str, list[int]] = {}  # rare token -> rows

    def warm_up(self) -> None:
        """Load the version's search arrays, BM25 index and query expander (once): saved with
        the version (``answering.derived``), else built from one read of every chunk."""
        if self._bm25 is not None:
            return
        store: ChunkStore = self.store
        count = store.count()
        arrays = SearchArrays.load(self.derived, count)
        if arrays is not None and self.derived is not None:
            self._records = ChunkRecords.load(self.derived / ARRAYS_DIR, count)
        small = count <= CHUNK_CACHE_SIZE  # small enough to keep: no reads while answering
        chunks = (store.all_chunks() if arrays is None or (small and self._records is None)
                  else None)
        if arrays is None:
            arrays = SearchArrays.read(store)
        self._arrays = arrays
        self._row = {cid: i for i, cid in enumerate(arrays.ids)}
        if small:
            kept = chunks
            if kept is None:
                assert self._records is not None
                kept = self._records.get(range(count))
            for chunk in kept:
                self._chunk_cache.put(self._row[chunk.id], chunk)
        if len(arrays) <= self.settings.retrieval.sentence_candidates:
            arrays.keep_units_in_memory()  # every unit is scored: exact on a corpus this size
        saved = QueryExpander.load(self.derived) if self.derived is not None else None
        self._expander = saved or QueryExpander.from_chunks(self._all_chunks(chunks),
                                                            self.settings.corpus_dir)
        self._bm25 = self._load_bm25(chunks)
        self._postings = self._bm25.postings(self.settings.retrieval.rare_term_df)

    def _all_chunks(self, chunks: list[Chunk] | None) -> list[Chunk]:
        return chunks if chunks is not None else self.store.all_chunks()

    def __len__(self) -> int:
        return len(self._arrays) if self._arrays is not None else 0

    def _load_bm25(self, chunks: list[Chunk] | None) -> BM25Index:
        """The version's saved BM25 index (memory-mapped), else one built now."""
        path = self.derived / BM25_DIR if self.derived is not None else None
        saved = BM25Index.load_saved(path, len(self))
        if saved is not None:
            return saved
        return BM25Index([bm25_text(c) for c in self._all_chunks(chunks)])

    @property
    def chunks(self) -> list[Chunk]:
        """Every chunk of the index (read from the store: for tools, not for answering)."""
        self.warm_up()
        return self.store.all_chunks()  # type: ignore[no-any-return]

    def chunks_of(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks of these rows: from the bounded cache, else read in one go from the
        version's records file (or the store)."""
        found = {row: self._chunk_cache.get(row) for row in rows}
        missing = [row for row, chunk in found.items() if chunk is None]
        if missing:
            assert self._arrays is not None
            read = (self._records.get(missing) if self._records is not None
                    else self.store.chunks([self._arrays.ids[r] for r in missing]))
            for row, chunk in zip(missing, read, strict=True):
                self._chunk_cache.put(row, chunk)
                found[row] = chunk
        return [chunk for row in rows if (chunk := found[row]) is not None]

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        """The best ``k`` (default ``settings.retrieval.k``) chunks for the query, best first."""
        self.warm_up()
        if not query.strip() or not len(self):
            return []
        assert self._arrays is not None
        opts = self.settings.retrieval
        k = opts.k if k is None else k
        query = self.expand(query)
        embedder: Embedder = self.embedder
        # embedded with its aliases: a brand name alone is far from its generic's passages
        qvec = np.asarray(embedder.embed([query])[0], dtype=np.float32)
        chunk_sims = self._arrays.vectors @ qvec
        bm25_ranked = self._bm25_ranking(query, opts.fetch_k) if opts.mode == "hybrid" else []
        best_unit = self._best_units(chunk_sims, qvec, [self._row[c] for c, _ in bm25_ranked])
        dense_ranked = self._dense_ranking(chunk_sims, best_unit, opts.fetch_k)
        rankings, weights = [[cid for cid, _ in dense_ranked]], [1.0]
        if bm25_ranked:
            rankings.append([cid for cid, _ in bm25_ranked])
            weights.append(opts.bm25_weight)
        if opts.sentence_rank_weight > 0 and len(self._arrays.unit_vectors):
            rankings.append([self._arrays.ids[i]
                             for i in self._top_rows(best_unit, opts.fetch_k)])
            weights.append(opts.sentence_rank_weight)
        fused = reciprocal_rank_fusion(rankings, opts.rrf_k, weights)
        order = sorted(fused, key=lambda cid: (-fused[cid], cid))
        bm25_pos = {cid: (r, s) for r, (cid, s) in enumerate(bm25_ranked, start=1)}
        if opts.rerank_top > 1:
            fused.update(self._rerank(order[:opts.rerank_top], fused, chunk_sims, best_unit,
                                      bm25_pos))
            order = sorted(fused, key=lambda cid: (-fused[cid], cid))
        picks = self._diversify(order, fused, opts.mmr_lambda, k)
        picks = self._cover_rare_terms(query, picks, order, fused)
        dense_pos = {cid: (r, s) for r, (cid, s) in enumerate(dense_ranked, start=1)}
        chunks = self.chunks_of([self._row[cid] for cid in picks])
        return [self._hit(chunk, fused[cid], chunk_sims, qvec, dense_pos, bm25_pos)
                for cid, chunk in zip(picks, chunks, strict=True)]

    def _rerank(self, head: list[str], fused: dict[str, float], chunk_sims: np.ndarray,
                best_unit: np.ndarray, bm25_pos: dict[str, tuple[int, float]]
                ) -> dict[str, float]:
        """New fused scores of the first candidates from a second look at their scores."""
        opts = self.settings.retrieval
        rows = [self._row[cid] for cid in head]
        signals: dict[str, Sequence[float]] = {
            "dense": chunk_sims[rows].tolist(), "sentence": best_unit[rows].tolist(),
            "bm25": [bm25_pos.get(cid, (0, 0.0))[1] for cid in head]}
        weights = RerankWeights(fused=1.0, dense=opts.rerank_dense, bm25=opts.rerank_bm25,
                                sentence=opts.rerank_sentence)
        return rerank(head, fused, signals, weights)

    def expand(self, query: str) -> str:
        """The query as searched: with corpus aliases and corrected spellings if enabled."""
        self.warm_up()
        if not self.settings.retrieval.aliases or self._expander is None:
            return query
        return self._expander.expand(query)

    def _best_units(self, chunk_sims: np.ndarray, qvec: np.ndarray,
                    extra: list[int]) -> np.ndarray:
        """Per chunk, the similarity of its best sentence/row (its own score if it has none).
        Every chunk's units are scored up to ``sentence_candidates`` chunks; above that only
        the units of the ``sentence_candidates`` chunks nearest by their own vector and of the
        ``extra`` rows (BM25's), the others keeping their chunk score."""
        assert self._arrays is not None
        if self._arrays.units_in_memory:
            return self._arrays.best_units(chunk_sims, qvec, None)
        near = top_k(chunk_sims, self.settings.retrieval.sentence_candidates)
        return self._arrays.best_units(chunk_sims, qvec,
                                       np.union1d(near, np.asarray(extra, dtype=np.int64)))

    def _top_rows(self, scores: np.ndarray, fetch_k: int) -> list[int]:
        """Rows of the ``fetch_k`` best scores, best first; ties (with the last one too) by id,
        since rows are not in id order."""
        assert self._arrays is not None
        ids = self._arrays.ids
        best = top_k(scores, fetch_k)
        if len(best):
            best = np.union1d(best, np.flatnonzero(scores == scores[best[-1]]))
        return sorted(best, key=lambda i: (-scores[i], ids[i]))[:fetch_k]

    def _dense_ranking(self, chunk_sims: np.ndarray, best_unit: np.ndarray, fetch_k: int
                       ) -> list[tuple[str, float]]:
        """Chunks by dense score: the chunk vector blended with its best sentence/row vector
        (``sentence_weight``), best first."""
        weight = self.settings.retrieval.sentence_weight
        scores = chunk_sims.astype(np.float64)
        if weight > 0:
            scores = weight * best_unit + (1.0 - weight) * scores
        assert self._arrays is not None
        ids = self._arrays.ids
        return [(ids[i], float(scores[i])) for i in self._top_rows(scores, fetch_k)]

    def _cover_rare_terms(self, query: str, picks: list[str], order: list[str],
                          fused: dict[str, float]) -> list[str]:
        if not self._postings or not picks or self._arrays is None:
            return picks
        terms = rare_terms(query, self._postings, self.settings.retrieval.rare_term_max_zipf)
        return cover_rare_terms(terms, self._postings, self._row, self._arrays.ids, picks,
                                order, fused)

    def _bm25_ranking(self, query: str, fetch_k: int) -> list[tuple[str, float]]:
        assert self._bm25 is not None and self._arrays is not None
        ids = self._arrays.ids
        return [(ids[i], s) for i, s in self._bm25.search(query, fetch_k)]

    def _diversify(self, order: list[str], fused: dict[str, float], lam: float, k: int
                   ) -> list[str]:
        assert self._arrays is not None  # MMR, then at most ``max_per_source`` of one file
        cap = self.settings.retrieval.max_per_source
        rows = [self._row[cid] for cid in order]
        ranked = mmr_ids(order, fused, self._arrays.vectors[rows] if lam < 1.0 else None, lam,
                         k if cap <= 0 else len(order))
        if cap <= 0:
            return ranked
        return capped(ranked, [c.source for c in self.chunks_of([self._row[c] for c in ranked])],
                      cap, k)

    def _hit(self, chunk: Chunk, score: float, chunk_sims: np.ndarray, qvec: np.ndarray,
             dense_pos: dict[str, tuple[int, float]], bm25_pos: dict[str, tuple[int, float]]
             ) -> Hit:
        cid = chunk.id
        row = self._row[cid]
        dense_rank = dense_pos[cid][0] if cid in dense_pos else None
        bm25_rank, bm25 = bm25_pos.get(cid, (None, 0.0))
        assert self._arrays is not None
        lo, sims = self._arrays.unit_sims(row, qvec)
        sentence, sentence_sim = None, 0.0
        if len(sims):
            best = int(np.argmax(sims))
            start, end = self._arrays.unit_spans[lo + best]
            sentence, sentence_sim = (int(start), int(end)), float(sims[best])
        return Hit(chunk, score, float(chunk_sims[row]), bm25, dense_rank, bm25_rank,
                   sentence, sentence_sim)

    def as_langchain(self) -> BaseRetriever:
        """A LangChain ``BaseRetriever`` over this retriever."""
        from assistant.retrieval.langchain_adapter import LangChainRetriever

        return LangChainRetriever(retriever=self)

    def invoke(self, query: str) -> list[Document]:
        """LangChain-shaped: the hits of ``search(query)`` as ``Document``s."""
        return self.as_langchain().invoke(query)


def build_retriever(settings: Settings, embedder: Embedder | None = None) -> HybridRetriever:
    """Open the active index and the embedder (the configured model unless one is given, e.g.
    the assistant's shared cached one); return a warmed-up retriever."""
    from assistant.indexing.embed import get_embedder
    from assistant.indexing.store import open_store
    from assistant.indexing.versions import derived_dir

    store = open_store(settings)
    retriever = HybridRetriever(
        settings=settings, store=store,
        embedder=get_embedder(settings) if embedder is None else embedder,
        derived=derived_dir(settings, store.version),
    )
    retriever.warm_up()
    return retriever
