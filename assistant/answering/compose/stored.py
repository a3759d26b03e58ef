"""Answer-unit vectors computed at index time (``answering.derived``), read without a forward pass.

The composer scores the units of the retrieved chunks (``compose.units``) by their text, which
is not always a stored sentence text (a question/answer row is scored with its question, a table
row with its table's header, a leaning sentence joined to the one before it). Each unit's vector
is stored under a 64-bit key of its exact span and text: a unit whose text changed since the
index was built (an edited answer policy) simply misses and is embedded at answer time.
Keys are a sorted array and vectors a float16 matrix, both memory-mapped: lookup is a binary
search, and memory does not grow with the corpus.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

KEYS_FILE = "unit_keys.npy"
VECTORS_FILE = "unit_vectors.npy"
#: What made the units (``compose.units.units_fingerprint``): ``assistant index`` rewrites the
#: vectors of an unchanged corpus when it differs, instead of leaving every unit to miss.
FINGERPRINT_FILE = "units_fingerprint.txt"
#: The units' centroid (``StoredVectors.centroid``), saved so start-up reads 384 numbers, not
#: every vector.
CENTROID_FILE = "unit_centroid.npy"


def match_key(source: str, start: int, end: int, text: str) -> int:
    """The 64-bit key of a unit: its file, exact span and the text its vector is made from."""
    raw = "\x1f".join((source, str(start), str(end), text)).encode("utf-8")
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "little")


class StoredVectors:
    """Vectors by key (``match_key``); ``get`` returns None for keys not stored."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray,
                 centroid: np.ndarray | None = None) -> None:
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys for {len(vectors)} vectors")
        self.keys = keys
        self.vectors = vectors
        self._centroid = centroid

    def __len__(self) -> int:
        return len(self.keys)

    def centroid(self) -> np.ndarray | None:
        """The unit vector of the mean of every stored vector (the corpus as a whole): the one
        saved with them, else (vectors saved before it was) computed once, summed in float32
        over the float16 matrix without copying it; None when there are none."""
        if self._centroid is None and len(self.vectors):
            self._centroid = _centroid_of(self.vectors)
        return self._centroid

    @classmethod
    def load(cls, directory: Path) -> StoredVectors | None:
        """The vectors saved in ``directory`` (memory-mapped), or None when there are none."""
        keys, vectors = directory / KEYS_FILE, directory / VECTORS_FILE
        if not keys.is_file() or not vectors.is_file():
            return None
        centroid = directory / CENTROID_FILE
        return cls(np.load(keys, mmap_mode="r"), np.load(vectors, mmap_mode="r"),
                   np.load(centroid) if centroid.is_file() else None)

    @staticmethod
    def save(directory: Path, keys: Sequence[int], vectors: np.ndarray,
             fingerprint: str = "") -> None:
        """Write keys (sorted here, duplicates once), their vectors as float16, and the
        fingerprint of what made the units."""
        array = np.asarray(keys, dtype=np.uint64)
        array, first = np.unique(array, return_index=True)
        matrix = np.asarray(vectors, dtype=np.float16)
        matrix = matrix[first] if len(matrix) else matrix
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / KEYS_FILE, array)
        np.save(directory / VECTORS_FILE, matrix)
        if len(matrix):
            np.save(directory / CENTROID_FILE, _centroid_of(matrix))
        (directory / FINGERPRINT_FILE).write_text(fingerprint, encoding="utf-8")

    @staticmethod
    def fingerprint(directory: Path) -> str | None:
        """The fingerprint saved with the vectors in ``directory`` (None: none saved)."""
        path = directory / FINGERPRINT_FILE
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def get(self, key: int) -> np.ndarray | None:
        """The vector stored for the key (float32), or None."""
        if not len(self.keys):
            return None
        wanted = np.uint64(key)
        i = int(np.searchsorted(self.keys, wanted))
        if i < len(self.keys) and self.keys[i] == wanted:
            return np.asarray(self.vectors[i], dtype=np.float32)
        return None


def _centroid_of(matrix: np.ndarray) -> np.ndarray:
    """The unit vector of a matrix's row mean, summed in float32 (no float32 copy of it)."""
    mean: np.ndarray = np.asarray(matrix).mean(axis=0, dtype=np.float32)
    unit: np.ndarray = mean / (np.linalg.norm(mean) or 1.0)
    return unit
