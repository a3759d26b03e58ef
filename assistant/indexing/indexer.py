"""Incremental, crash-safe indexing of the corpus into a new store version.

Every change writes a NEW version (unchanged files' chunks are copied with their stored
embeddings, changed and added files are chunked and embedded) and then flips the pointer
atomically; the previous version stays usable until the flip and is kept one more round for
readers still open. An unchanged corpus does no embedding work and writes nothing.
A lock file keeps two indexers from running at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.errors import AssistantError, CorpusError, IndexMissing
from assistant.core.models import Chunk, SourceDocument
from assistant.core.settings import Settings
from assistant.indexing.store import (
    Backend,
    ChromaChunkStore,
    IndexInfo,
    Pointer,
    chunk_metadata,
    get_backend,
    new_version_name,
    open_version,
)

LOCK_FILE = ".index.lock"
ADD_BATCH = 128

#: Called with (phase, done, total); phase is "copy" or "embed".
Progress = Callable[[str, int, int], None]


class IndexBusy(AssistantError):
    """Another indexer holds the lock."""

    http_status = 409


@dataclass
class IndexReport:
    """What one ``build_index`` run did."""

    version: str = ""
    previous: str | None = None
    files: int = 0
    chunks: int = 0
    embedded: int = 0
    copied: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rebuilt: bool = False
    rebuild_reason: str = ""
    noop: bool = False
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextlib.contextmanager
def index_lock(settings: Settings) -> Iterator[None]:
    """Exclusive, non-blocking lock (released by the OS even on kill -9)."""
    root = Path(settings.index_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AssistantError(f"cannot create index directory {root}: {err}") from None
    path = root / LOCK_FILE
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(
                f"another `assistant index` is running (lock {path}); wait for it to finish"
            ) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _collect_warnings(sink: list[str]) -> Iterator[None]:
    """Gather ingestion warnings, whether issued via ``warnings`` or the ``assistant`` logger."""
    handler = _WarningCollector()
    logger = logging.getLogger("assistant")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        logger.removeHandler(handler)
    sink.extend(handler.messages)
    sink.extend(str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning))


def load_documents(settings: Settings, corpus_dir: Path | None,
                   sink: list[str]) -> list[SourceDocument]:
    """The corpus documents; unreadable corpora raise CorpusError before anything is written."""
    from assistant.indexing import ingest

    root = Path(corpus_dir or settings.corpus_dir)
    if not root.is_dir():
        raise CorpusError(f"corpus directory not found: {root}")
    try:
        with _collect_warnings(sink):
            if hasattr(ingest, "load_corpus_with_warnings"):
                loaded = ingest.load_corpus_with_warnings(settings, root)
                docs = list(loaded.documents)
                sink.extend(loaded.warnings)
            else:
                docs = ingest.load_corpus(settings, root)
    except AssistantError:
        raise
    except (UnicodeError, OSError, ValueError) as err:
        raise CorpusError(f"cannot read the corpus in {root}: {err}") from None
    if not docs:
        detail = f" ({'; '.join(sink)})" if sink else ""
        raise CorpusError(f"no usable documents in {root}{detail}; the index was not changed")
    return docs


def chunk_documents(docs: Sequence[SourceDocument], settings: Settings,
                    count_tokens: Callable[[str], int], sink: list[str]) -> list[Chunk]:
    """Chunks of ``docs``, checked against the exact-offset contract."""
    from assistant.indexing.chunk import chunk_document

    chunks: list[Chunk] = []
    with _collect_warnings(sink):
        for doc in docs:
            for chunk in chunk_document(doc, settings, count_tokens):
                if doc.text[chunk.start:chunk.end] != chunk.text:
                    raise CorpusError(f"chunker produced a span of {doc.source} whose text "
                                      f"differs from the file at [{chunk.start}:{chunk.end}]")
                chunks.append(chunk)
    return chunks


def _token_counter(settings: Settings) -> Callable[[str], int]:
    try:
        from assistant.indexing.tokens import TokenCounter

        counter: Any = TokenCounter(settings)
        return counter.count  # type: ignore[no-any-return,unused-ignore]
    except (ImportError, TypeError):
        from assistant.indexing.embed import get_embedder

        return get_embedder(settings).count_tokens


def _open_previous(settings: Settings, backend: Backend, report: IndexReport
                   ) -> ChromaChunkStore | None:
    pointer = backend.read_pointer()
    if pointer is None:
        return None
    try:
        return open_version(settings, backend, pointer.current)
    except IndexMissing as err:
        report.warnings.append(f"previous index unusable, rebuilding from scratch: {err}")
        return None


def build_index(settings: Settings, *, corpus_dir: Path | None = None, rebuild: bool = False,
                progress: bool | Progress = True) -> IndexReport:
    """Bring the index up to date with the corpus (see module doc). Returns what was done."""
    started = time.perf_counter()
    report = IndexReport()
    with index_lock(settings), _progress_callback(progress) as callback:
        _build_locked(settings, corpus_dir, rebuild, callback, report)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _build_locked(settings: Settings, corpus_dir: Path | None, rebuild: bool,
                  progress: Progress | None, report: IndexReport) -> None:
    docs = load_documents(settings, corpus_dir, report.warnings)
    backend = get_backend(settings)
    prev = _open_previous(settings, backend, report)
    full = rebuild or prev is None
    if rebuild:
        report.rebuild_reason = "--rebuild requested"
    elif prev is not None and (diffs := prev.info.differences(settings)):
        full = True
        report.rebuild_reason = ("index settings changed (" + "; ".join(diffs)
                                 + "); rebuilding everything so vectors are never mixed")
        report.warnings.append(report.rebuild_reason)
    elif prev is None:
        report.rebuild_reason = "no previous index"
    report.rebuilt = full
    _classify(docs, None if full or prev is None else prev.info.files, report)
    if prev is not None:
        report.previous = prev.version
    if not full and prev is not None and not (report.added or report.changed or report.removed):
        report.noop = True
        report.version = prev.version
        report.files = len(docs)
        report.chunks = prev.count()
        _collect_garbage(backend, keep={prev.version, *_pointer_versions(backend)})
        return
    _write_version(settings, backend, docs, None if full else prev, progress, report)


def _classify(docs: Sequence[SourceDocument], old: dict[str, str] | None,
              report: IndexReport) -> None:
    new = {d.source: d.sha256 for d in docs}
    old = old or {}
    report.added = sorted(s for s in new if s not in old)
    report.changed = sorted(s for s in new if s in old and old[s] != new[s])
    report.removed = sorted(s for s in old if s not in new)
    report.unchanged = sorted(s for s in new if s in old and old[s] == new[s])


def _write_version(settings: Settings, backend: Backend, docs: Sequence[SourceDocument],
                   prev: ChromaChunkStore | None, progress: Progress | None,
                   report: IndexReport) -> None:
    to_embed = [d for d in docs if d.source not in set(report.unchanged) or prev is None]
    count_tokens = _token_counter(settings)
    new_chunks = chunk_documents(to_embed, settings, count_tokens, report.warnings)
    version = new_version_name()
    files = {d.source: d.sha256 for d in docs}
    collection = backend.create_collection(version, IndexInfo.for_settings(settings, version,
                                                                           files))
    try:
        seen: set[str] = set()
        if prev is not None and report.unchanged:
            report.copied = _copy_chunks(prev, collection, report.unchanged, seen, progress)
        report.embedded = _embed_chunks(settings, collection, new_chunks, seen, progress,
                                        report.warnings)
        expected = report.copied + report.embedded
        if collection.count() != expected:
            raise AssistantError(f"index version {version} has {collection.count()} chunks, "
                                 f"expected {expected}; the active index was left unchanged")
    except BaseException:
        backend.delete_version(version)
        raise
    old = backend.read_pointer()
    backend.write_pointer(Pointer(version, old.current if old else None))
    report.version = version
    report.files = len(docs)
    report.chunks = report.copied + report.embedded
    _collect_garbage(backend, keep={version, *([old.current] if old else [])})


def _copy_chunks(prev: ChromaChunkStore, collection: Any, sources: Sequence[str],
                 seen: set[str], progress: Progress | None) -> int:
    where: Any = {"source": {"$in": list(sources)}}
    got = prev.collection.get(where=where,
                              include=["embeddings", "documents", "metadatas"])
    ids, docs, metas = got["ids"], got["documents"] or [], got["metadatas"] or []
    embs = got["embeddings"] if got["embeddings"] is not None else []
    total = len(ids)
    for start in range(0, total, ADD_BATCH):
        end = start + ADD_BATCH
        collection.add(ids=list(ids[start:end]), documents=list(docs[start:end]),
                       metadatas=list(metas[start:end]), embeddings=list(embs[start:end]))
        if progress:
            progress("copy", min(end, total), total)
    seen.update(ids)
    return total


def _embed_chunks(settings: Settings, collection: Any, chunks: Sequence[Chunk], seen: set[str],
                  progress: Progress | None, sink: list[str]) -> int:
    from assistant.indexing.embed import get_embedder

    unique: list[Chunk] = []
    for chunk in chunks:
        if chunk.id in seen:
            sink.append(f"duplicate chunk id {chunk.id} in {chunk.source} skipped")
            continue
        seen.add(chunk.id)
        unique.append(chunk)
    if progress:
        progress("embed", 0, len(unique))  # show the bar while the model loads
    embedder = get_embedder(settings)
    limit = embedder.max_seq_length - 2
    sink.extend(f"chunk {c.id} of {c.source} has {c.n_tokens} tokens > {limit}; the model "
                "truncates it" for c in unique if c.n_tokens > limit)
    unique.sort(key=lambda c: len(c.embed_text))  # similar lengths per batch: less padding
    total = len(unique)
    step = max(settings.embedding.batch_size, 1)
    for start in range(0, total, step):
        batch = unique[start:start + step]
        vectors = embedder.embed([c.embed_text for c in batch])
        collection.add(ids=[c.id for c in batch], documents=[c.text for c in batch],
                       metadatas=[chunk_metadata(c) for c in batch], embeddings=vectors)
        if progress:
            progress("embed", start + len(batch), total)
    return total


def _pointer_versions(backend: Backend) -> list[str]:
    pointer = backend.read_pointer()
    if pointer is None:
        return []
    return [v for v in (pointer.current, pointer.previous) if v]


def _collect_garbage(backend: Backend, keep: set[str]) -> None:
    """Remove versions that are neither current nor previous (incl. crashed partial ones)."""
    keep = keep | set(_pointer_versions(backend))
    for version in backend.list_versions():
        if version not in keep:
            backend.delete_version(version)


@contextlib.contextmanager
def _progress_callback(progress: bool | Progress) -> Iterator[Progress | None]:
    """``True``: a rich progress bar on stderr; a callable: used as is; ``False``: silent."""
    if progress is False:
        yield None
        return
    if progress is not True:
        yield progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bars = Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=False)
    tasks: dict[str, Any] = {}
    labels = {"copy": "copying unchanged chunks", "embed": "embedding new chunks"}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bars.add_task(labels.get(phase, phase), total=total)
        bars.update(tasks[phase], completed=done, total=total)

    with bars:
        yield update
