"""Protocol-style boundaries. Real implementations and small test fakes both satisfy these."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from assistant.core.models import Answer, Chunk, Decision, Draft, Guarded, Hit, Turn

#: Called after each embedded batch with (texts done so far, total texts).
ProgressCallback = Callable[[int, int], None]


@runtime_checkable
class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Normalized embeddings, one per text."""
        ...

    def count_tokens(self, text: str) -> int:
        """Model tokens the text takes, special tokens excluded."""
        ...


@runtime_checkable
class ChunkStore(Protocol):
    """The active index version: read side."""

    def count(self) -> int: ...

    def chunks(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids, in that order."""
        ...

    def all_chunks(self) -> list[Chunk]: ...

    def embeddings(self, ids: Sequence[str]) -> Any:
        """Stored vectors as one float32 array, row r for ``ids[r]``."""
        ...

    def query(self, embedding: Sequence[float], k: int) -> list[tuple[Chunk, float]]:
        """Nearest chunks with cosine similarity (higher is closer)."""
        ...

    def units(self) -> dict[str, tuple[list[tuple[int, int]], Any]]:
        """chunk id -> (file spans of its sentences/rows, their vectors as an array)."""
        ...


@runtime_checkable
class Condenser(Protocol):
    """Turns the latest message of a conversation into a standalone question."""

    def condense(self, message: str, history: list[Turn]) -> str: ...


@runtime_checkable
class Retriever(Protocol):
    """The best chunks for a query, best first."""

    def search(self, query: str) -> list[Hit]: ...


@runtime_checkable
class MoreEvidence(Protocol):
    """Passages a question needs beside those its own search found (another source on a
    condition it states; the upper limit of a dose it gives): ``query`` is what will be
    searched (embedded with the question), ``add`` the hits with those passages after them."""

    def query(self, question: str) -> str | None: ...

    def add(self, question: str, hits: list[Hit]) -> list[Hit]: ...


@runtime_checkable
class RefusalPolicy(Protocol):
    """Whether the retrieved evidence can answer the question at all."""

    def decide(self, question: str, hits: Sequence[Hit]) -> Decision: ...


@runtime_checkable
class Guard(Protocol):
    """Makes a reply safe to show: the three caveats, each cited, on every reply."""

    def apply(self, draft: Draft) -> Guarded: ...


@runtime_checkable
class SessionStore(Protocol):
    """Conversation turns per session id."""

    def new(self) -> str:
        """A fresh session id, already stored."""
        ...

    def ensure(self, session_id: str) -> str:
        """Store this id if it is new (InputError for a malformed one); returns it."""
        ...

    def history(self, session_id: str, limit: int | None = None) -> list[Turn]:
        """The last ``limit`` turns (all when None), oldest first; SessionNotFound if unknown."""
        ...

    def add(self, session_id: str, turn: Turn) -> None:
        """Append a turn; an id not stored yet is stored with it (a conversation's first)."""
        ...


@runtime_checkable
class Generator(Protocol):
    """Writes the answer body from a question and numbered passages."""

    name: str

    def generate(self, question: str, chunks: Sequence[Chunk],
                 history: Sequence[Turn] = ()) -> Draft:
        """A cited answer body; ``refused`` when the passages don't answer the question.
        ``history``: the conversation's earlier turns (stated conditions, what was shown)."""
        ...

    def stream(self, question: str, chunks: Sequence[Chunk],
               history: Sequence[Turn] = ()) -> Iterator[str | Draft]:
        """Text pieces as they come (unverified for LLMs), then the final verified Draft last."""
        ...


@runtime_checkable
class Answerer(Protocol):
    """The whole pipeline as seen by the CLI, web app, API and eval harness.

    The real one is ``answering.pipeline.Assistant``; tests of the harness use scripted fakes.
    """

    def ask(self, message: str, session_id: str | None = None) -> Answer:
        """Answer one message within a conversation (a new one when session_id is None)."""
        ...

    def stream(self, message: str, session_id: str | None = None) -> Iterator[str | Answer]:
        """Text pieces of the reply as they are ready, then the final Answer as the last item."""
        ...

    def new_session(self) -> str:
        """A fresh conversation id."""
        ...

    def history(self, session_id: str) -> list[Turn]:
        """Earlier turns of a conversation; raises SessionNotFound for an unknown id."""
        ...
