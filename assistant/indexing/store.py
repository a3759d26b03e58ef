"""Chroma-backed chunk store with versioned indexes and an atomic "current version" pointer.

The read side of one index version (``ChromaChunkStore``), opening the active version
(``open_store``) and the chunk <-> Chroma record mapping. Where versions live and how the pointer
flips is in ``indexing.backends``; what a version records is in ``indexing.versions``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.errors import AssistantError, IndexMismatch, IndexMissing
from assistant.core.models import Chunk
from assistant.core.settings import Settings
from assistant.indexing.backends import Backend, get_backend
from assistant.indexing.versions import HINT, IndexInfo

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection
    from numpy.typing import NDArray

SECTION_SEP = " > "
#: Records per Chroma read. One ``get`` of ~32k+ records fails in chromadb's SQLite ("too many
#: SQL variables"), so every full read goes page by page.
PAGE_SIZE = 5000


def read_pages(collection: Collection, include: list[str], where: Any = None,
               page_size: int = PAGE_SIZE) -> Iterator[Any]:
    """Every record of the collection (matching ``where``), as successive ``get`` results of at
    most ``page_size`` records; never one unbounded read."""
    offset = 0
    while True:
        got = collection.get(where=where, limit=page_size, offset=offset,
                             include=include)  # type: ignore[arg-type]
        n = len(got["ids"])
        if n:
            yield got
        if n < page_size:
            return
        offset += n


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    return {
        "source": chunk.source, "title": chunk.title,
        "section": SECTION_SEP.join(chunk.section),
        "section_path": json.dumps(chunk.section, ensure_ascii=False),
        "start": chunk.start, "end": chunk.end, "kind": chunk.kind, "context": chunk.context,
        "n_tokens": chunk.n_tokens, "file_sha256": chunk.file_sha256,
        "embed_text": chunk.embed_text, "flagged": json.dumps(chunk.flagged), "trust": chunk.trust,
    }


def chunk_from_record(chunk_id: str, document: str, meta: dict[str, Any]) -> Chunk:
    section_path = meta.get("section_path")
    if section_path:
        section = [str(s) for s in json.loads(str(section_path))]
    else:
        joined = str(meta.get("section", ""))
        section = joined.split(SECTION_SEP) if joined else []
    return Chunk(
        id=chunk_id, source=str(meta["source"]), title=str(meta.get("title", "")),
        section=section, text=document, start=int(meta["start"]), end=int(meta["end"]),
        kind=str(meta.get("kind", "prose")), context=str(meta.get("context", "")),
        embed_text=str(meta.get("embed_text", document)), n_tokens=int(meta.get("n_tokens", 0)),
        file_sha256=str(meta.get("file_sha256", "")),
        flagged=[(int(a), int(b)) for a, b in json.loads(str(meta.get("flagged") or "[]"))],
        trust=float(meta.get("trust", 1.0)),
    )


# --------------------------------------------------------------------------- the store


class ChromaChunkStore:
    """One index version, read side; satisfies ``assistant.core.protocols.ChunkStore``."""

    def __init__(self, collection: Collection, info: IndexInfo, backend: Backend) -> None:
        self.collection = collection
        self.info = info
        self.backend = backend
        self._chunks: list[Chunk] | None = None
        self._unit_meta: dict[str, dict[str, Any]] | None = None

    @property
    def version(self) -> str:
        return self.info.version

    def count(self) -> int:
        return int(self.collection.count())

    def all_chunks(self) -> list[Chunk]:
        """Every chunk of this version, ordered by (source, start). Cached."""
        if self._chunks is None:
            self._read_all()
        assert self._chunks is not None
        return list(self._chunks)

    def _read_all(self) -> None:
        """One paged pass over every record: the chunks, and the stored unit metadata kept
        (encoded) for ``units()`` so the metadata, the slow part of a Chroma read, is read once."""
        from assistant.indexing.sentence_vectors import SPANS_KEY, VECTORS_KEY

        chunks: list[Chunk] = []
        units: dict[str, dict[str, Any]] = {}
        for got in read_pages(self.collection, ["documents", "metadatas"]):
            for i, d, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [],
                               strict=True):
                meta = dict(m)
                chunks.append(chunk_from_record(i, d, meta))
                units[i] = {SPANS_KEY: meta.get(SPANS_KEY), VECTORS_KEY: meta.get(VECTORS_KEY)}
        self._chunks = sorted(chunks, key=lambda c: (c.source, c.start, c.id))
        self._unit_meta = units

    def chunks(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids, in that order (read by id unless all are cached);
        unknown ids raise AssistantError."""
        if self._chunks is not None:
            known = {c.id: c for c in self._chunks}
        else:
            got = self.collection.get(ids=list(dict.fromkeys(ids)),
                                      include=["documents", "metadatas"])
            known = {i: chunk_from_record(i, d, dict(m)) for i, d, m in zip(
                got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)}
        missing = [i for i in ids if i not in known]
        if missing:
            raise AssistantError(f"unknown chunk ids in index {self.version}: {missing[:3]}")
        return [known[i] for i in ids]

    def units(self) -> dict[str, tuple[list[tuple[int, int]], Any]]:
        """chunk id -> (spans, vectors) of its sentences and rows (``sentence_vectors``), empty
        for a chunk without any. Decoded from the pass that read the chunks (then released)."""
        from assistant.indexing.sentence_vectors import read_units

        if self._unit_meta is None:
            self._read_all()
        raw, self._unit_meta = self._unit_meta or {}, None
        got = self.collection.get(include=["embeddings"], limit=1)
        embs = got["embeddings"]
        dimension = len(embs[0]) if embs is not None and len(embs) else 0
        if not dimension:
            return {}
        return {i: read_units(meta, dimension) for i, meta in raw.items()}

    def embeddings(self, ids: Sequence[str]) -> NDArray[np.float32]:
        """Stored embeddings as one float32 array, row r for ``ids[r]`` (read in pages of ids);
        unknown ids raise AssistantError."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return np.zeros((0, 0), dtype=np.float32)
        rows: dict[str, int] = {}
        blocks: list[np.ndarray] = []
        for start in range(0, len(unique), PAGE_SIZE):
            got = self.collection.get(ids=unique[start:start + PAGE_SIZE],
                                      include=["embeddings"])
            embs = got["embeddings"]
            block = np.asarray(embs if embs is not None else [], dtype=np.float32)
            base = len(rows)
            rows.update((i, base + k) for k, i in enumerate(got["ids"]))
            blocks.append(block.reshape(len(got["ids"]), -1))
        missing = [i for i in unique if i not in rows]
        if missing:
            raise AssistantError(f"unknown chunk ids in index {self.version}: {missing[:3]}")
        matrix = np.vstack(blocks)
        return matrix[[rows[i] for i in ids]]

    def query(self, embedding: Sequence[float], k: int) -> list[tuple[Chunk, float]]:
        """Nearest chunks with cosine similarity (1 - cosine distance), best first."""
        n = min(int(k), self.count())
        if n <= 0:
            return []
        res = self.collection.query(
            query_embeddings=[list(map(float, embedding))],  # type: ignore[arg-type]
            n_results=n,
            include=["documents", "metadatas", "distances"],
        )
        ids = res["ids"][0]
        docs = (res["documents"] or [[]])[0]
        metas = (res["metadatas"] or [[]])[0]
        dists = (res["distances"] or [[]])[0]
        return [(chunk_from_record(i, d, dict(m)), 1.0 - float(dist))
                for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)]

    def search(self, text: str, k: int) -> list[tuple[Chunk, float]]:
        """Dense search for a query string (embeds it with the configured model)."""
        from assistant.indexing.embed import get_embedder

        settings = self.backend.settings
        return self.query(get_embedder(settings).embed_query(text), k)


def open_version(settings: Settings, backend: Backend, version: str) -> ChromaChunkStore:
    collection = backend.get_collection(version)
    return ChromaChunkStore(collection, IndexInfo.from_metadata(collection.metadata), backend)


def open_store(settings: Settings, *, check: bool = True) -> ChromaChunkStore:
    """The active index version. Raises IndexMissing (none built) or IndexMismatch (settings)."""
    backend = get_backend(settings)
    for attempt in range(3):
        pointer = backend.read_pointer()
        if pointer is None:
            raise IndexMissing(f"no index found in {backend.describe()}; {HINT}")
        try:
            store = open_version(settings, backend, pointer.current)
            break
        except IndexMissing:
            if attempt == 2:  # the pointer kept moving under us, or the version is gone
                raise
            time.sleep(0.05)
    if check:
        diffs = store.info.differences(settings)
        if diffs:
            raise IndexMismatch(
                "the index was built with different vector settings ("
                + "; ".join(diffs) + f"); {HINT} to rebuild it"
            )
    return store
