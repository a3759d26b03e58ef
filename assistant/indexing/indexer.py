"""Incremental, crash-safe indexing of the corpus into a new store version.

Every change writes a NEW version (unchanged files' chunks are copied with their stored
embeddings, changed and added files are chunked and embedded) and then flips the pointer
atomically; the previous version stays usable until the flip and is kept one more round for
readers still open. An unchanged corpus does no embedding work and writes nothing.
A lock file keeps two indexers from running at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.errors import AssistantError, IndexMissing
from assistant.core.models import Chunk, SourceDocument
from assistant.core.settings import Settings
from assistant.indexing.backends import Backend, get_backend
from assistant.indexing.lock import index_lock
from assistant.indexing.prepare import chunk_documents, load_documents
from assistant.indexing.progress import Progress, progress_callback
from assistant.indexing.sentence_vectors import unit_metadata
from assistant.indexing.store import ChromaChunkStore, chunk_metadata, open_version, read_pages
from assistant.indexing.tokens import TokenCounter
from assistant.indexing.versions import IndexInfo, Pointer, new_version_name

ADD_BATCH = 128


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
    with index_lock(settings), progress_callback(progress) as callback:
        _build_locked(settings, corpus_dir, rebuild, callback, report)
        _ensure_query_model(settings, report)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _ensure_query_model(settings: Settings, report: IndexReport) -> None:
    """Questions embed with the ONNX export: make it now (once), not at the first question."""
    if settings.embedding.backend == "sentence-transformers":
        return
    from assistant.indexing.onnx_export import ensure_onnx_model

    try:
        ensure_onnx_model(settings)
    except AssistantError as err:
        if settings.embedding.backend == "onnx":
            raise
        report.warnings.append(f"{err}; questions will embed with sentence-transformers")


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
    count_tokens = TokenCounter(settings).count
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
    """Copy the unchanged files' records (vectors and sentence vectors included), page by page."""
    where: Any = {"source": {"$in": list(sources)}}
    total = 0
    for got in read_pages(prev.collection, ["embeddings", "documents", "metadatas"], where):
        ids, docs, metas = got["ids"], got["documents"] or [], got["metadatas"] or []
        embs = got["embeddings"] if got["embeddings"] is not None else []
        for start in range(0, len(ids), ADD_BATCH):
            end = start + ADD_BATCH
            collection.add(ids=list(ids[start:end]), documents=list(docs[start:end]),
                           metadatas=list(metas[start:end]), embeddings=embs[start:end])
        total += len(ids)
        seen.update(ids)
        if progress:
            progress("copy", total, total)
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
        units = unit_metadata(batch, embedder.embed)
        collection.add(ids=[c.id for c in batch], documents=[c.text for c in batch],
                       metadatas=[{**chunk_metadata(c), **u} for c, u in
                                  zip(batch, units, strict=True)],
                       embeddings=vectors)
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
