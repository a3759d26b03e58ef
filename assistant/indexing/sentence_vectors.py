"""Sentence-level vectors: every sentence, bullet and table row of a chunk gets its own vector.

A short fact inside a long chunk is diluted in the chunk's one vector; its own sentence vector is
not. At index time each chunk's units (``text.sentences.split_sentences``: sentences, bullets,
table rows) are embedded as their clean reading text (``text.normalize.display_text``) after
the chunk's nearest heading (its title when it has none), a table row also after its header
context: "<heading>\n<header>\n<row>". The heading says what a bare fact ("monitor for these
symptoms") is about; it won on the tuning labels. They are stored in the chunk's own record
(metadata: the unit spans as JSON and the vectors as base64 float16), so they belong to the
index version, are copied with the chunk when its file is unchanged and vanish with it:
incremental and crash-safe like the chunks themselves. The retriever ranks chunks by their best
unit too (``settings.retrieval``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from assistant.core.models import Chunk
from assistant.text.normalize import display_text
from assistant.text.sentences import split_sentences

SPANS_KEY = "unit_spans"
VECTORS_KEY = "unit_vectors"
MIN_UNIT_CHARS = 12  # shorter units ("Downside:") carry no fact of their own


def unit_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Exact file spans of the chunk's sentences, bullets and table rows worth a vector."""
    spans = split_sentences(chunk.text, chunk.start)
    return [(s, e) for s, e in spans
            if len(display_text(chunk.text[s - chunk.start:e - chunk.start])) >= MIN_UNIT_CHARS]


def unit_text(chunk: Chunk, span: tuple[int, int], *, heading: bool = True) -> str:
    """What a unit's vector is made from: its reading text after the chunk's nearest heading
    (``heading=False``: without it) and, for a table row, its header."""
    text = display_text(chunk.text[span[0] - chunk.start:span[1] - chunk.start])
    head = (chunk.section[-1] if chunk.section else chunk.title) if heading else ""
    return "\n".join(part for part in (head, chunk.context, text) if part)


def encode(vectors: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vectors, dtype="<f2").tobytes()).decode("ascii")


def decode(data: str, dimension: int) -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(data), dtype="<f2").astype(np.float32)
    return raw.reshape(-1, dimension) if raw.size else np.zeros((0, dimension), np.float32)


def unit_metadata(chunks: Sequence[Chunk], embed: Callable[[list[str]], list[list[float]]]
                  ) -> list[dict[str, Any]]:
    """Per chunk, the metadata entries holding its unit spans and vectors (one embed call)."""
    spans = [unit_spans(c) for c in chunks]
    texts = [unit_text(c, s) for c, cs in zip(chunks, spans, strict=True) for s in cs]
    vectors = np.asarray(embed(texts), dtype=np.float32) if texts else np.zeros((0, 1))
    out, at = [], 0
    for chunk_spans in spans:
        mine = vectors[at:at + len(chunk_spans)]
        at += len(chunk_spans)
        out.append({SPANS_KEY: json.dumps(chunk_spans), VECTORS_KEY: encode(mine)})
    return out


def read_units(meta: dict[str, Any], dimension: int
               ) -> tuple[list[tuple[int, int]], np.ndarray]:
    """(spans, vectors) stored in a chunk record's metadata; empty when it has none."""
    spans_json, data = meta.get(SPANS_KEY), meta.get(VECTORS_KEY)
    if not isinstance(spans_json, str) or not isinstance(data, str):
        return [], np.zeros((0, dimension), np.float32)
    spans = [(int(s), int(e)) for s, e in json.loads(spans_json)]
    vectors = decode(data, dimension)
    if len(vectors) != len(spans):
        return [], np.zeros((0, dimension), np.float32)
    return spans, vectors
