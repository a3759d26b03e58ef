"""The typed records that flow between components.

Offsets are always character offsets into the source file decoded as UTF-8 (no newline
translation): ``source_text[start:end] == text``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CAVEAT_IDS = ("renal", "osa", "taper")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceDocument(_Record):
    """One corpus file, as read from disk."""

    source: str = Field(description="File name relative to the corpus directory.")
    path: str = Field(description="Absolute path on disk.")
    title: str
    publisher: str | None = None
    kind: str | None = None
    date: str | None = None
    text: str = Field(description="The file decoded as UTF-8, unchanged.")
    sha256: str = Field(description="Hash of the file's bytes.")


#: The kind of a chunk cut to one sentence looked up for one line of an answer (the upper limit
#: of a dose the user gives: ``answering.limit_lookup``), shown only as that line.
LOOKED_UP = "looked_up"


class Chunk(_Record):
    """A contiguous, answerable span of a source file."""

    id: str = Field(description="Deterministic content hash.")
    source: str
    title: str
    section: list[str] = Field(default_factory=list, description="Heading path.")
    text: str = Field(description="Exactly source_text[start:end].")
    start: int
    end: int
    kind: str = Field("prose", description="prose | bullets | table | mixed | looked_up (one "
                      "sentence looked up for one line of an answer, never its lead or a point: "
                      "LOOKED_UP)")
    context: str = Field(
        "", description="Text embedded with the span but not part of it (e.g. a table header)."
    )
    embed_text: str = Field(description="Normalized text actually embedded (title, section, body).")
    n_tokens: int = Field(0, description="Model tokens of embed_text, measured.")
    file_sha256: str = ""
    flagged: list[tuple[int, int]] = Field(
        default_factory=list,
        description="Instruction-like spans (file offsets) in this chunk: never quoted or cited.")
    trust: float = Field(1.0, ge=0.0, le=1.0, description="Trust of the document (by its kind).")


class Citation(_Record):
    id: str = Field(description="The marker number, as a string: '1' for [1].")
    source: str
    title: str
    section: str = ""
    quote: str = Field(description="Exact file text: source_text[start:end].")
    start: int
    end: int


class RetrievedChunk(_Record):
    source: str
    chunk_id: str
    score: float
    start: int
    end: int
    section: str = ""
    text: str = ""


class Answer(_Record):
    """One reply. Its ``record()`` is the result record of the eval contract."""

    question: str
    standalone_question: str
    answer: str = Field(description="Full reply as shown, caveats included, with [n] markers.")
    body: str = Field("", description="The reply without the safety notes.")
    refused: bool
    citations: list[Citation] = Field(default_factory=list)
    caveats: list[str] = Field(default_factory=list)
    retrieved: list[RetrievedChunk] = Field(default_factory=list)
    latency_ms: float = 0.0
    timings: dict[str, float] = Field(default_factory=dict)
    session_id: str | None = None
    generator: str = "extractive"
    notes: list[str] = Field(default_factory=list, description="Diagnostics (e.g. fallbacks).")

    def record(self) -> dict[str, Any]:
        """The contract's result fields (suite/case/turn/passed are added by the harness)."""
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answer": self.answer,
            "body": self.body,
            "refused": self.refused,
            "citations": [c.model_dump() for c in self.citations],
            "caveats": list(self.caveats),
            "retrieved": [r.model_dump(include={"source", "chunk_id", "score", "start", "end"})
                          for r in self.retrieved],
            "latency_ms": round(self.latency_ms, 2),
        }


class Draft(_Record):
    """What a generator returns, before the caveat guard runs. Marker ids index `citations`."""

    text: str = Field(description="Answer body with inline [n] markers.")
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    notes: list[str] = Field(default_factory=list, description="e.g. 'fell back to extractive'.")
    uncovered: list[str] = Field(
        default_factory=list, description="A refused draft's [subject, what is asked about it] "
        "when the evidence covers the subject but says what is asked only of other things.")


class Turn(_Record):
    """One exchange stored in a conversation."""

    user: str
    standalone_question: str
    answer: str
    refused: bool
    citations: list[Citation] = Field(default_factory=list)


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with the evidence for its rank (ranks are 1-based, None = absent)."""

    chunk: Chunk
    score: float
    dense: float
    bm25: float
    dense_rank: int | None
    bm25_rank: int | None
    sentence: tuple[int, int] | None = None  # file span of the best-matching sentence or row
    sentence_sim: float = 0.0  # its similarity to the question (0 when it has no units)


def unseen(found: Iterable[Hit], hits: Iterable[Hit]) -> list[Hit]:
    """The hits of ``found`` (a later search's) whose passage is none of ``hits``'."""
    seen = {h.chunk.id for h in hits}
    return [h for h in found if h.chunk.id not in seen]


@dataclass(frozen=True)
class Decision:
    """Answer or decline a question, with the reason and the evidence strength."""

    refuse: bool
    reason: str = ""
    missing: list[str] = field(default_factory=list)
    evidence: float = 0.0
    #: Named things the message mentions in passing that the documents never do (an answered
    #: question: the reply says it does not cover them).
    unmentioned: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Guarded:
    """A reply after the caveat guard: the body, the full answer with the safety notes."""

    body: str
    answer: str
    citations: list[Citation]
    caveats: list[str]
