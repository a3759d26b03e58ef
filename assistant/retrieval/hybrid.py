"""Hybrid retrieval (dense Chroma search + BM25 + best sentence, fused by weighted RRF, optionally
re-ranked by a second look at the scores, diversified by MMR).

``build_retriever(settings)`` opens the active index and returns a warmed-up
``HybridRetriever``. The answer pipeline calls ``search(query)`` for typed ``Hit``s; anything
LangChain-shaped can ``invoke(query)`` it for ``Document``s carrying the same numbers, or take
``as_langchain()``, a LangChain ``BaseRetriever`` over it (``retrieval.langchain_adapter``;
LangChain is imported only then, so answering a question does not pay for it).
``settings.retrieval.mode == "dense"`` skips BM25; ``mmr_lambda == 1`` skips diversity.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.models import Chunk, Hit
from assistant.core.protocols import ChunkStore, Embedder
from assistant.core.settings import Settings
from assistant.retrieval.aliases import QueryExpander
from assistant.retrieval.bm25 import BM25Index, tokenize, top_k
from assistant.retrieval.fusion import mmr_order, normalize, reciprocal_rank_fusion
from assistant.retrieval.rerank import RerankWeights, rerank

if TYPE_CHECKING:
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

log = logging.getLogger(__name__)
#: Sub-directory of a version's derived files holding its BM25 index (``answering.derived``).
BM25_DIR = "bm25"


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
        self._chunks: list[Chunk] = []
        self._row: dict[str, int] = {}
        self._vectors: Any = None
        self._bm25: BM25Index | None = None
        self._expander: QueryExpander | None = None
        self._unit_vectors: Any = None  # every sentence/row vector, stacked
        self._unit_owner: Any = None  # chunk row of each unit (units are stored by chunk row)
        self._unit_bounds: Any = None  # per chunk row: [start, end) of its units
        self._unit_rows: Any = None  # chunk rows that have units, and where their units start
        self._unit_starts: Any = None
        self._unit_spans: list[tuple[int, int]] = []
        self._postings: dict[str, list[int]] = {}  # rare token -> rows

    def warm_up(self) -> None:
        """Load all chunks and their stored embeddings; build the BM25 index (once)."""
        if self._bm25 is not None:
            return
        store: ChunkStore = self.store
        chunks = store.all_chunks()
        ids = [c.id for c in chunks]
        vectors = (np.asarray(store.embeddings(ids), dtype=np.float32) if ids
                   else np.zeros((0, 1), dtype=np.float32))
        self._chunks = chunks
        self._row = {cid: i for i, cid in enumerate(ids)}
        self._vectors = vectors
        self._load_units(store, vectors.shape[1] if ids else 1)
        self._expander = QueryExpander.from_texts([c.text for c in chunks])
        self._bm25 = self._load_bm25(chunks)
        self._postings = self._bm25.postings(self.settings.retrieval.rare_term_df)

    def _load_bm25(self, chunks: list[Chunk]) -> BM25Index:
        """The version's saved BM25 index (memory-mapped), else one built now."""
        path = self.derived / BM25_DIR if self.derived is not None else None
        if path is not None and path.is_dir():
            try:
                index = BM25Index.load(path)
                if len(index) == len(chunks):
                    return index
                log.warning("saved BM25 index %s has %d documents, not %d: rebuilding it",
                            path, len(index), len(chunks))
            except Exception as err:  # a damaged file must not stop start-up
                log.warning("saved BM25 index %s unreadable (%s): rebuilding it", path, err)
        else:
            log.info("no saved BM25 index for this version: building it in memory "
                     "(`assistant index` saves one)")
        return BM25Index([bm25_text(c) for c in chunks])

    def _load_units(self, store: ChunkStore, dimension: int) -> None:
        units = store.units()
        owners, spans, blocks = [], [], []
        for row, chunk in enumerate(self._chunks):
            chunk_spans, vectors = units.get(chunk.id, ([], None))
            if chunk_spans:
                owners += [row] * len(chunk_spans)
                spans += chunk_spans
                blocks.append(np.asarray(vectors, dtype=np.float32))
        self._unit_vectors = np.vstack(blocks) if blocks else np.zeros((0, dimension))
        self._unit_owner = np.asarray(owners, dtype=np.int64)
        self._unit_spans = spans
        self._index_units()

    def _index_units(self) -> None:
        """Where each chunk's units are (they are stored in chunk-row order): per-chunk max
        and lookups by slice, not by a scan of every unit."""
        owner = self._unit_owner
        counts = np.bincount(owner, minlength=len(self._chunks)) if len(owner) \
            else np.zeros(len(self._chunks), dtype=np.int64)
        ends = np.cumsum(counts)
        self._unit_bounds = np.stack([ends - counts, ends], axis=1)
        self._unit_rows = np.flatnonzero(counts)
        self._unit_starts = (ends - counts)[self._unit_rows]

    @property
    def chunks(self) -> list[Chunk]:
        """Every chunk of the index (after warm-up)."""
        self.warm_up()
        return list(self._chunks)

    def search(self, query: str, k: int | None = None) -> list[Hit]:
        """The best ``k`` (default ``settings.retrieval.k``) chunks for the query, best first."""
        self.warm_up()
        if not query.strip() or not self._chunks:
            return []
        opts = self.settings.retrieval
        k = opts.k if k is None else k
        asked, query = query, self.expand(query)
        embedder: Embedder = self.embedder
        # The question as asked is embedded (aliases and spellings help BM25, not the dense
        # side), so the answer's one forward pass serves the composer too.
        qvec = np.asarray(embedder.embed([asked])[0], dtype=np.float32)
        chunk_sims, unit_sims = self._similarities(qvec)
        best_unit = self._best_units(chunk_sims, unit_sims)
        dense_ranked = self._dense_ranking(chunk_sims, best_unit, opts.fetch_k)
        bm25_ranked = self._bm25_ranking(query, opts.fetch_k) if opts.mode == "hybrid" else []
        rankings, weights = [[cid for cid, _ in dense_ranked]], [1.0]
        if bm25_ranked:
            rankings.append([cid for cid, _ in bm25_ranked])
            weights.append(opts.bm25_weight)
        if opts.sentence_rank_weight > 0 and len(unit_sims):
            rankings.append([self._chunks[i].id for i in self._top_rows(best_unit, opts.fetch_k)])
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
        return [self._hit(cid, fused[cid], chunk_sims, unit_sims, dense_pos, bm25_pos)
                for cid in picks]

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

    def _similarities(self, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarity of the query with every chunk vector and every unit vector."""
        return self._vectors @ qvec, self._unit_vectors @ qvec

    def _best_units(self, chunk_sims: np.ndarray, unit_sims: np.ndarray) -> np.ndarray:
        """Per chunk, the similarity of its best sentence/row (its own score if it has none)."""
        best = chunk_sims.astype(np.float64)
        if len(unit_sims):
            best[self._unit_rows] = np.maximum.reduceat(unit_sims, self._unit_starts)
        return best

    def _top_rows(self, scores: np.ndarray, fetch_k: int) -> list[int]:
        """Rows of the ``fetch_k`` best scores, best first; ties (with the last one too) by id,
        since rows are not in id order."""
        best = top_k(scores, fetch_k)
        if len(best):
            best = np.union1d(best, np.flatnonzero(scores == scores[best[-1]]))
        return sorted(best, key=lambda i: (-scores[i], self._chunks[i].id))[:fetch_k]

    def _dense_ranking(self, chunk_sims: np.ndarray, best_unit: np.ndarray, fetch_k: int
                       ) -> list[tuple[str, float]]:
        """Chunks by dense score: the chunk vector blended with its best sentence/row vector
        (``sentence_weight``), best first."""
        weight = self.settings.retrieval.sentence_weight
        scores = chunk_sims.astype(np.float64)
        if weight > 0:
            scores = weight * best_unit + (1.0 - weight) * scores
        return [(self._chunks[i].id, float(scores[i])) for i in self._top_rows(scores, fetch_k)]

    def _cover_rare_terms(self, query: str, picks: list[str], order: list[str],
                          fused: dict[str, float]) -> list[str]:
        """Every rare query term (in at most ``rare_term_df`` chunks: a drug or test name) is
        found in some pick: if none has it, its best-fused chunk replaces the last pick that
        carries no rare term of the query. A passage naming the asked-about thing is what lets
        the composer answer it (or say the pairing is not covered)."""
        if not self._postings or not picks:
            return picks
        terms = [t for t in dict.fromkeys(tokenize([query])[0]) if t in self._postings]
        if not terms:
            return picks
        rank = {cid: i for i, cid in enumerate(order)}
        carriers = {cid for cid in picks for t in terms if self._row[cid] in self._postings[t]}
        picks = list(picks)
        for term in terms:
            rows = self._postings[term]
            if any(self._row[cid] in rows for cid in picks):
                continue
            ids = [self._chunks[r].id for r in rows]
            best = min(ids, key=lambda cid: (rank.get(cid, len(order)), cid))
            spare = [i for i, cid in enumerate(picks) if cid not in carriers]
            if not spare:
                break
            picks[spare[-1]] = best
            carriers.add(best)
            fused.setdefault(best, 0.0)
        return picks

    def _bm25_ranking(self, query: str, fetch_k: int) -> list[tuple[str, float]]:
        assert self._bm25 is not None
        return [(self._chunks[i].id, s) for i, s in self._bm25.search(query, fetch_k)]

    def _diversify(
        self, order: list[str], fused: dict[str, float], lam: float, k: int
    ) -> list[str]:
        if lam >= 1.0:
            return order[:k]
        rel = normalize({cid: fused[cid] for cid in order})
        vectors = self._vectors[[self._row[cid] for cid in order]]
        return [order[i] for i in mmr_order([rel[c] for c in order], vectors, lam, k)]

    def _hit(
        self,
        cid: str,
        score: float,
        chunk_sims: np.ndarray,
        unit_sims: np.ndarray,
        dense_pos: dict[str, tuple[int, float]],
        bm25_pos: dict[str, tuple[int, float]],
    ) -> Hit:
        row = self._row[cid]
        dense_rank = dense_pos[cid][0] if cid in dense_pos else None
        bm25_rank, bm25 = bm25_pos.get(cid, (None, 0.0))
        lo, hi = (int(b) for b in self._unit_bounds[row])
        sentence = self._unit_spans[lo + int(np.argmax(unit_sims[lo:hi]))] if hi > lo else None
        return Hit(self._chunks[row], score, float(chunk_sims[row]), bm25, dense_rank, bm25_rank,
                   sentence)

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
