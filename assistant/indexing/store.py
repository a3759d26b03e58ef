"""Chroma-backed chunk store with versioned indexes and an atomic "current version" pointer.

Embedded mode: each index version is its own Chroma directory ``<index_dir>/v-<time>-<rand>/`` and
``<index_dir>/CURRENT`` (JSON, replaced atomically) names the active and the previous version.
Server mode: each version is a collection ``<prefix>-v-<time>-<rand>`` on a ``chroma run`` server
and the pointer lives in the metadata of the collection ``<prefix>-pointer``.
chromadb is imported lazily (inside functions) so the CLI stays fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import AssistantError, BackendUnavailable, IndexMismatch, IndexMissing
from assistant.core.models import Chunk
from assistant.core.settings import CHUNKER_VERSION, Settings

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

POINTER_FILE = "CURRENT"
VERSION_PREFIX = "v-"
SECTION_SEP = " > "
HINT = "run `assistant index`"


@dataclass(frozen=True)
class Pointer:
    """Which version is active, and the one before it (kept for readers still open)."""

    current: str
    previous: str | None = None


@dataclass
class IndexInfo:
    """What an index version records about itself (collection metadata)."""

    version: str
    settings_hash: str
    model: str
    chunker_version: str
    max_tokens: int
    files: dict[str, str] = field(default_factory=dict)
    created_at: float = 0.0

    def to_metadata(self) -> dict[str, Any]:
        return {
            "version": self.version, "settings_hash": self.settings_hash, "model": self.model,
            "chunker_version": self.chunker_version, "max_tokens": self.max_tokens,
            "files": json.dumps(self.files, sort_keys=True), "created_at": self.created_at,
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, Any] | None) -> IndexInfo:
        meta = meta or {}
        return cls(
            version=str(meta.get("version", "?")),
            settings_hash=str(meta.get("settings_hash", "")),
            model=str(meta.get("model", "")),
            chunker_version=str(meta.get("chunker_version", "")),
            max_tokens=int(meta.get("max_tokens", 0)),
            files=json.loads(str(meta.get("files", "{}"))),
            created_at=float(meta.get("created_at", 0.0)),
        )

    @classmethod
    def for_settings(cls, settings: Settings, version: str, files: dict[str, str]) -> IndexInfo:
        return cls(version=version, settings_hash=settings.vector_settings_hash(),
                   model=settings.embedding.model, chunker_version=CHUNKER_VERSION,
                   max_tokens=settings.chunking.max_tokens, files=files, created_at=time.time())

    def differences(self, settings: Settings) -> list[str]:
        """Human-readable list of what shapes vectors differently from ``settings``."""
        wanted = IndexInfo.for_settings(settings, self.version, {})
        diffs = [f"{name}: index has {have!r}, settings want {want!r}"
                 for name, have, want in (
                     ("embedding model", self.model, wanted.model),
                     ("chunker version", self.chunker_version, wanted.chunker_version),
                     ("max_tokens", self.max_tokens, wanted.max_tokens))
                 if have != want]
        if not diffs and self.settings_hash != wanted.settings_hash:
            diffs.append(f"settings hash: index has {self.settings_hash}, "
                         f"settings want {wanted.settings_hash}")
        return diffs


def new_version_name() -> str:
    return f"{VERSION_PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"


def chroma_client_settings() -> Any:
    """Chroma client settings: telemetry off, no reset."""
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def collection_configuration() -> dict[str, Any]:
    """Cosine space (chromadb 1.x ``configuration`` form of ``hnsw:space``)."""
    return {"hnsw": {"space": "cosine"}}


# --------------------------------------------------------------------------- backends


class EmbeddedBackend:
    """Versions are directories under ``index_dir``; the pointer is a JSON file."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = Path(settings.index_dir)

    def describe(self) -> str:
        return f"embedded ({self.root})"

    def read_pointer(self) -> Pointer | None:
        path = self.root / POINTER_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Pointer(str(data["current"]), data.get("previous"))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as err:
            raise IndexMissing(f"index pointer {path} is unreadable ({err}); {HINT}") from None

    def write_pointer(self, pointer: Pointer) -> None:
        """Atomic flip: temp file, fsync, os.replace, fsync the directory."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{POINTER_FILE}.{os.getpid()}.tmp"
        payload = json.dumps({"current": pointer.current, "previous": pointer.previous})
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / POINTER_FILE)
        _fsync_dir(self.root)

    def _client(self, version: str) -> ClientAPI:
        import chromadb

        return chromadb.PersistentClient(path=str(self.root / version),
                                         settings=chroma_client_settings())

    def create_collection(self, version: str, info: IndexInfo) -> Collection:
        from assistant.indexing.embed import make_chroma_embedding_function

        (self.root / version).mkdir(parents=True, exist_ok=False)
        return self._client(version).create_collection(
            self.settings.store.collection, configuration=collection_configuration(),  # type: ignore[arg-type]
            metadata=info.to_metadata(),
            embedding_function=make_chroma_embedding_function(self.settings),
        )

    def get_collection(self, version: str) -> Collection:
        from assistant.indexing.embed import make_chroma_embedding_function

        if not (self.root / version / "chroma.sqlite3").is_file():
            raise IndexMissing(f"index version {version} is missing from {self.root}; {HINT}")
        try:
            return self._client(version).get_collection(
                self.settings.store.collection,
                embedding_function=make_chroma_embedding_function(self.settings),
            )
        except Exception as err:
            raise IndexMissing(
                f"index version {version} cannot be opened ({err}); {HINT}"
            ) from None

    def list_versions(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and p.name.startswith(VERSION_PREFIX))

    def delete_version(self, version: str) -> None:
        path = self.root / version
        _release_embedded_client(path)
        shutil.rmtree(path, ignore_errors=True)

    def version_size(self, version: str) -> int:
        return sum(p.stat().st_size for p in (self.root / version).rglob("*") if p.is_file())


class ServerBackend:
    """Versions are collections on a Chroma server; the pointer is a collection's metadata."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.prefix = settings.store.collection
        self._client_obj: ClientAPI | None = None

    def describe(self) -> str:
        return f"server (http://{self.settings.store.host}:{self.settings.store.port})"

    @property
    def client(self) -> ClientAPI:
        if self._client_obj is None:
            import chromadb

            host, port = self.settings.store.host, self.settings.store.port
            try:
                client = chromadb.HttpClient(host=host, port=port,
                                             settings=chroma_client_settings())
                client.heartbeat()
            except Exception as err:
                raise BackendUnavailable(
                    f"cannot reach the Chroma server at {host}:{port} ({type(err).__name__}); "
                    f"start it with `chroma run --path DIR --host {host} --port {port}`"
                ) from None
            self._client_obj = client
        return self._client_obj

    def _name(self, version: str) -> str:
        return f"{self.prefix}-{version}"

    def _pointer_collection(self) -> Collection:
        return self.client.get_or_create_collection(
            f"{self.prefix}-pointer", configuration=collection_configuration(),  # type: ignore[arg-type]
            embedding_function=_null_embedding_function(),
        )

    def read_pointer(self) -> Pointer | None:
        meta = self._pointer_collection().metadata or {}
        if not meta.get("current"):
            return None
        previous = meta.get("previous") or None
        return Pointer(str(meta["current"]), str(previous) if previous else None)

    def write_pointer(self, pointer: Pointer) -> None:
        self._pointer_collection().modify(
            metadata={"current": pointer.current, "previous": pointer.previous or ""}
        )

    def create_collection(self, version: str, info: IndexInfo) -> Collection:
        from assistant.indexing.embed import make_chroma_embedding_function

        return self.client.create_collection(
            self._name(version), configuration=collection_configuration(),  # type: ignore[arg-type]
            metadata=info.to_metadata(),
            embedding_function=make_chroma_embedding_function(self.settings),
        )

    def get_collection(self, version: str) -> Collection:
        from assistant.indexing.embed import make_chroma_embedding_function

        try:
            return self.client.get_collection(
                self._name(version),
                embedding_function=make_chroma_embedding_function(self.settings),
            )
        except Exception as err:
            raise IndexMissing(f"index version {version} is missing on the server ({err}); "
                               f"{HINT}") from None

    def list_versions(self) -> list[str]:
        start = f"{self.prefix}-{VERSION_PREFIX}"
        return sorted(c.name[len(self.prefix) + 1:] for c in self.client.list_collections()
                      if c.name.startswith(start))

    def delete_version(self, version: str) -> None:
        with contextlib.suppress(Exception):  # already gone is fine
            self.client.delete_collection(self._name(version))

    def version_size(self, version: str) -> int:
        return 0


Backend = EmbeddedBackend | ServerBackend


def get_backend(settings: Settings) -> Backend:
    if settings.store.mode == "server":
        return ServerBackend(settings)
    return EmbeddedBackend(settings)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _release_embedded_client(path: Path) -> None:
    """Stop this process's cached Chroma system for ``path`` (before deleting the directory)."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient
    except ImportError:  # pragma: no cover
        return
    system = SharedSystemClient._identifier_to_system.pop(str(path), None)
    SharedSystemClient._identifier_to_refcount.pop(str(path), None)
    if system is not None:
        with contextlib.suppress(Exception):  # best effort on a directory being removed
            system.stop()


def _null_embedding_function() -> Any:
    """The pointer collection holds no documents; still never let Chroma pick a default.

    Fixed config (the packaged model), so the pointer collection never conflicts with itself.
    """
    from assistant.indexing.embed import make_chroma_embedding_function

    return make_chroma_embedding_function(Settings.model_construct())


# --------------------------------------------------------------------------- chunk <-> chroma


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    return {
        "source": chunk.source, "title": chunk.title,
        "section": SECTION_SEP.join(chunk.section),
        "section_path": json.dumps(chunk.section, ensure_ascii=False),
        "start": chunk.start, "end": chunk.end, "kind": chunk.kind, "context": chunk.context,
        "n_tokens": chunk.n_tokens, "file_sha256": chunk.file_sha256,
        "embed_text": chunk.embed_text,
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
    )


# --------------------------------------------------------------------------- the store


class ChromaChunkStore:
    """One index version, read side; satisfies ``assistant.core.protocols.ChunkStore``."""

    def __init__(self, collection: Collection, info: IndexInfo, backend: Backend) -> None:
        self.collection = collection
        self.info = info
        self.backend = backend
        self._chunks: list[Chunk] | None = None

    @property
    def version(self) -> str:
        return self.info.version

    def count(self) -> int:
        return int(self.collection.count())

    def all_chunks(self) -> list[Chunk]:
        """Every chunk of this version, ordered by (source, start). Cached."""
        if self._chunks is None:
            got = self.collection.get(include=["documents", "metadatas"])
            chunks = [chunk_from_record(i, d, dict(m)) for i, d, m in
                      zip(got["ids"], got["documents"] or [], got["metadatas"] or [],
                          strict=True)]
            self._chunks = sorted(chunks, key=lambda c: (c.source, c.start, c.id))
        return list(self._chunks)

    def embeddings(self, ids: Sequence[str]) -> list[list[float]]:
        """Stored embeddings in the order of ``ids``; unknown ids raise AssistantError."""
        if not ids:
            return []
        got = self.collection.get(ids=list(ids), include=["embeddings"])
        embs = got["embeddings"]
        by_id = {i: [float(x) for x in e] for i, e in
                 zip(got["ids"], embs if embs is not None else [], strict=True)}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise AssistantError(f"unknown chunk ids in index {self.version}: {missing[:3]}")
        return [by_id[i] for i in ids]

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
