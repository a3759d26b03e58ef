"""The chunk records of an index version in one file, read by row: the chunks a search returns
without a store round trip.

``records.jsonl`` holds one JSON record per chunk (id, text and the store's chunk metadata, not
the sentence vectors the search arrays already have), in the search arrays' row order;
``record_offsets.npy`` the byte offset of each line (and the end). ``ChunkRecords.get(rows)``
reads just those lines. ``answering.derived`` writes them next to the search arrays.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.core.models import Chunk

log = logging.getLogger(__name__)
RECORDS_FILE = "records.jsonl"
OFFSETS_FILE = "record_offsets.npy"


class ChunkRecords:
    """Chunks by row from a version's records file (see module doc)."""

    def __init__(self, path: Path, offsets: np.ndarray) -> None:
        self.path = path
        self.offsets = offsets

    @staticmethod
    def save(directory: Path, chunks: Sequence[Chunk]) -> None:
        from assistant.indexing.store import chunk_metadata

        offsets = [0]
        with (directory / RECORDS_FILE).open("wb") as out:
            for chunk in chunks:
                meta = chunk_metadata(chunk)  # the chunk's own fields, no sentence vectors
                line = json.dumps({"id": chunk.id, "text": chunk.text, "meta": meta},
                                  ensure_ascii=False).encode("utf-8") + b"\n"
                out.write(line)
                offsets.append(offsets[-1] + len(line))
        np.save(directory / OFFSETS_FILE, np.asarray(offsets, dtype=np.int64))

    @classmethod
    def load(cls, directory: Path, expected: int) -> ChunkRecords | None:
        """The records saved in ``directory`` for ``expected`` chunks, else None."""
        path, offsets_path = directory / RECORDS_FILE, directory / OFFSETS_FILE
        if not path.is_file() or not offsets_path.is_file():
            return None
        try:
            offsets = np.load(offsets_path)
        except (OSError, ValueError) as err:
            log.warning("saved chunk records %s unreadable (%s)", directory, err)
            return None
        if len(offsets) != expected + 1 or int(offsets[-1]) != path.stat().st_size:
            log.warning("saved chunk records %s do not match the index", directory)
            return None
        return cls(path, offsets)

    def get(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks of these rows, in that order."""
        from assistant.indexing.store import chunk_from_record

        out = []
        with self.path.open("rb") as file:  # pread: no shared file position between threads
            for row in rows:
                start, end = int(self.offsets[row]), int(self.offsets[row + 1])
                record = json.loads(os.pread(file.fileno(), end - start, start))
                out.append(chunk_from_record(record["id"], record["text"], record["meta"]))
        return out
