"""Where index versions live: embedded (one Chroma directory per version under ``index_dir`` and a
JSON pointer file replaced atomically) or server (one collection per version on a ``chroma run``
server and the pointer in a collection's metadata). chromadb is imported lazily (inside
functions) so the CLI stays fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import BackendUnavailable, IndexMissing
from assistant.core.settings import Settings
from assistant.indexing.versions import HINT, POINTER_FILE, VERSION_PREFIX, IndexInfo, Pointer

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

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

