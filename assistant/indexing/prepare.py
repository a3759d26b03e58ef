"""The indexer's input: the corpus documents and their chunks, with every ingestion and chunking
warning (``warnings`` module or the ``assistant`` logger) gathered for the index report."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from assistant.core.errors import AssistantError, CorpusError
from assistant.core.models import Chunk, SourceDocument
from assistant.core.settings import Settings


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
            loaded = ingest.load_corpus_with_warnings(settings, root)
            docs = list(loaded.documents)
            sink.extend(loaded.warnings)
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
    limit = settings.chunking.max_chunks_per_file
    with _collect_warnings(sink):
        for doc in docs:
            mine = chunk_document(doc, settings, count_tokens)
            if len(mine) > limit:
                sink.append(f"skipped {doc.source}: it makes {len(mine)} chunks, over the limit "
                            f"of {limit} (ASSISTANT_CHUNKING__MAX_CHUNKS_PER_FILE)")
                continue
            for chunk in mine:
                if doc.text[chunk.start:chunk.end] != chunk.text:
                    raise CorpusError(f"chunker produced a span of {doc.source} whose text "
                                      f"differs from the file at [{chunk.start}:{chunk.end}]")
                chunks.append(chunk)
    return chunks
