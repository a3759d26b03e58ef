"""The retriever's per-version search arrays: what a search touches for every chunk, as arrays.

* ``ids``: the chunk ids in row order (by source, start, id),
* ``vectors``: the chunk vectors, float32, one row per chunk,
* ``unit_bounds``: per chunk row, the ``[start, end)`` of its sentence/row units below,
* ``unit_spans``: each unit's exact span in its file (``indexing.sentence_vectors``),
* ``unit_vectors``: each unit's vector, float16 as stored in the index.

``answering.derived`` saves them with the index version (``save``); start-up loads them
(``load``: the unit vectors memory-mapped, so only the rows a search reads are paged in) instead
of reading every record back from Chroma. An index without them is read once from the store
(``read``), which is what the save is made from too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.models import Chunk

if TYPE_CHECKING:
    from assistant.core.protocols import ChunkStore

log = logging.getLogger(__name__)

#: Sub-directory of a version's derived files holding the arrays.
ARRAYS_DIR = "arrays"
_IDS, _VECTORS, _BOUNDS, _SPANS, _UNITS = ("ids.json", "vectors.npy", "unit_bounds.npy",
                                          "unit_spans.npy", "unit_vectors.npy")


@dataclass
class SearchArrays:
    ids: list[str]
    vectors: np.ndarray
    unit_bounds: np.ndarray
    unit_spans: np.ndarray
    unit_vectors: np.ndarray
    #: Every unit vector as float32, when ``keep_units_in_memory`` was called.
    _units32: np.ndarray | None = None
    #: The saved ``half_dot`` graph (None: numpy's conversion).
    graph: Path | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def read(cls, store: ChunkStore) -> SearchArrays:
        """Everything from the store, in one paged pass (an index saved without arrays)."""
        chunks = store.all_chunks()
        return cls.from_parts(chunks, store.embeddings([c.id for c in chunks]), store.units())

    @classmethod
    def from_parts(cls, chunks: Sequence[Chunk], vectors: Any,
                   units: Mapping[str, tuple[list[tuple[int, int]], Any]]) -> SearchArrays:
        """The arrays of ``chunks`` (in that row order), their vectors (row r for chunk r) and
        their units (``ChunkStore.units``)."""
        ids = [c.id for c in chunks]
        if not ids:
            empty = np.zeros((0, 1), dtype=np.float32)
            return cls([], empty, np.zeros((0, 2), np.int64), np.zeros((0, 2), np.int64),
                       empty.astype(np.float16))
        vectors = np.asarray(vectors, dtype=np.float32)
        counts, spans, blocks = [], [], []
        for chunk in chunks:
            chunk_spans, chunk_vectors = units.get(chunk.id, ([], None))
            counts.append(len(chunk_spans))
            if chunk_spans:
                spans += chunk_spans
                blocks.append(np.asarray(chunk_vectors, dtype=np.float16))
        ends = np.cumsum(np.asarray(counts, dtype=np.int64))
        unit_vectors = (np.vstack(blocks) if blocks
                        else np.zeros((0, vectors.shape[1]), dtype=np.float16))
        return cls(ids, vectors, np.stack([ends - counts, ends], axis=1),
                   np.asarray(spans, dtype=np.int64).reshape(-1, 2), unit_vectors)

    def save(self, directory: Path) -> None:
        target = directory / ARRAYS_DIR
        target.mkdir(parents=True, exist_ok=True)
        (target / _IDS).write_text(json.dumps(self.ids), encoding="utf-8")
        np.save(target / _VECTORS, np.asarray(self.vectors, dtype=np.float32))
        np.save(target / _BOUNDS, np.asarray(self.unit_bounds, dtype=np.int64))
        np.save(target / _SPANS, np.asarray(self.unit_spans, dtype=np.int64))
        np.save(target / _UNITS, np.asarray(self.unit_vectors, dtype=np.float16))
        write_half_dot(target / HALF_DOT_FILE)

    @classmethod
    def load(cls, directory: Path | None, expected: int) -> SearchArrays | None:
        """The arrays saved for a version (None, with a log line, when absent, damaged or not
        of ``expected`` chunks)."""
        target = directory / ARRAYS_DIR if directory is not None else None
        if target is None or not (target / _IDS).is_file():
            log.info("no saved search arrays for this version: reading every chunk from the "
                     "store (`assistant index` saves them)")
            return None
        try:
            ids = [str(i) for i in json.loads((target / _IDS).read_text(encoding="utf-8"))]
            arrays = cls(ids, np.load(target / _VECTORS), np.load(target / _BOUNDS),
                         np.load(target / _SPANS, mmap_mode="r"),
                         np.load(target / _UNITS, mmap_mode="r"), graph=target / HALF_DOT_FILE)
        except (OSError, ValueError) as err:
            log.warning("saved search arrays %s unreadable (%s): reading the store", target, err)
            return None
        units = int(arrays.unit_bounds[-1, 1]) if len(arrays.unit_bounds) else 0
        if (len(ids) != expected or len(arrays.vectors) != expected
                or len(arrays.unit_bounds) != expected or len(arrays.unit_spans) != units
                or len(arrays.unit_vectors) != units):
            log.warning("saved search arrays %s do not match the index (%d chunks): reading "
                        "the store", target, expected)
            return None
        return arrays

    @property
    def units_in_memory(self) -> bool:
        return self._units32 is not None

    def keep_units_in_memory(self) -> None:
        """Hold every unit vector as float32 (for scoring them all on every search)."""
        self._units32 = np.asarray(self.unit_vectors, dtype=np.float32)

    def best_units(self, chunk_sims: np.ndarray, qvec: np.ndarray,
                   rows: np.ndarray | None) -> np.ndarray:
        """Per chunk row, the best similarity of its units to ``qvec``, for every row (``rows``
        None) or only ``rows``; a row not scored or without units keeps its ``chunk_sims``."""
        best = chunk_sims.astype(np.float64)
        if not len(self.unit_vectors):
            return best
        if rows is None:
            scored, _, starts = self.unit_rows(np.arange(len(self)))
            units = self._units32 if self._units32 is not None else self.unit_vectors
            sims = np.asarray(units, dtype=np.float32) @ qvec
        else:
            scored, index, starts = self.unit_rows(rows)
            sims = half_dot(np.take(np.asarray(self.unit_vectors), index, axis=0), qvec,
                            self.graph)
        if len(scored):
            best[scored] = np.maximum.reduceat(sims, starts)
        return best

    def unit_sims(self, row: int, qvec: np.ndarray) -> tuple[int, np.ndarray]:
        """(index of its first unit, similarities) of one chunk row's units to ``qvec``."""
        lo, hi = (int(b) for b in self.unit_bounds[row])
        units = self._units32 if self._units32 is not None else self.unit_vectors
        return lo, np.asarray(units[lo:hi], dtype=np.float32) @ qvec

    def unit_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For chunk ``rows``: the rows that have units, the index of each of their units, and
        where each such row's units begin in that index (for ``np.maximum.reduceat``)."""
        lo, hi = self.unit_bounds[rows, 0], self.unit_bounds[rows, 1]
        counts = hi - lo
        keep = counts > 0
        rows, lo, counts = rows[keep], lo[keep], counts[keep]
        starts = (np.cumsum(counts) - counts).astype(np.int64)
        index = np.repeat(lo - starts, counts) + np.arange(int(counts.sum()), dtype=np.int64)
        return rows, index, starts


#: The float16 x float32 product as an onnxruntime graph, saved with the arrays (``save``
#: writes it while the index is built, where the ``onnx`` package is loaded anyway).
HALF_DOT_FILE = "half_dot.onnx"


def write_half_dot(path: Path) -> None:
    """Save the graph: float16 rows, cast to float32, times a float32 column."""
    from onnx import TensorProto, helper, save_model

    graph = helper.make_graph(
        [helper.make_node("Cast", ["rows"], ["rows32"], to=TensorProto.FLOAT),
         helper.make_node("MatMul", ["rows32", "query"], ["sims"])], "half_dot",
        [helper.make_tensor_value_info("rows", TensorProto.FLOAT16, [None, None]),
         helper.make_tensor_value_info("query", TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("sims", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    save_model(model, str(path))


@cache
def _half_dot_session(path: Path) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def half_dot(rows: np.ndarray, query: np.ndarray, graph: Path | None = None) -> np.ndarray:
    """``rows`` (float16) times ``query`` (float32) in float32. numpy's float16 conversion is
    ~3x slower than onnxruntime's (23k sentence vectors: ~30 ms against ~9 ms), so the saved
    ``graph`` runs it when there is one."""
    if not len(rows):
        return np.zeros(0, dtype=np.float32)
    if graph is None or not graph.is_file():
        return np.asarray(rows, dtype=np.float32) @ np.asarray(query, np.float32)
    out = _half_dot_session(graph).run(
        None, {"rows": np.ascontiguousarray(rows, dtype=np.float16),
               "query": np.asarray(query, np.float32)[:, None]})
    return np.asarray(out[0][:, 0], dtype=np.float32)
