"""Small fakes for each ``core.protocols`` step, for building an Assistant without an index.

No corpus facts: chunks and answers are made-up neutral text.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

from assistant.answering.sessions import check_session_id
from assistant.core.errors import SessionNotFound
from assistant.core.models import Chunk, Citation, Decision, Draft, Guarded, Hit, Turn


def make_chunk(text: str, source: str = "doc-a.txt", title: str = "Document A",
               start: int = 0) -> Chunk:
    return Chunk(id=f"{source}:{start}", source=source, title=title, text=text, start=start,
                 end=start + len(text), embed_text=f"{title}\n{text}")


def make_hit(chunk: Chunk, score: float = 0.9) -> Hit:
    return Hit(chunk=chunk, score=score, dense=score, bm25=1.0, dense_rank=1, bm25_rank=1)


def cite(chunk: Chunk, marker: str = "1") -> Citation:
    return Citation(id=marker, source=chunk.source, title=chunk.title, quote=chunk.text,
                    start=chunk.start, end=chunk.end)


class FakeRetriever:
    """Returns the given hits for every query; records the queries."""

    def __init__(self, hits: Sequence[Hit] = ()) -> None:
        self.hits = list(hits)
        self.queries: list[str] = []

    def search(self, query: str) -> list[Hit]:
        self.queries.append(query)
        return list(self.hits)


class FakeCondenser:
    """The message unchanged, or ``prefix + message`` when there is history; records calls."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.calls: list[tuple[str, int]] = []

    def condense(self, message: str, history: list[Turn]) -> str:
        self.calls.append((message, len(history)))
        return f"{self.prefix}{message}" if history else message


class FakeRefusal:
    """Always the same decision."""

    def __init__(self, refuse: bool = False, reason: str = "", missing: Sequence[str] = ()) -> None:
        self.decision = Decision(refuse, reason, list(missing), 0.9)
        self.calls: list[tuple[str, int]] = []

    def decide(self, question: str, hits: Sequence[Hit]) -> Decision:
        self.calls.append((question, len(hits)))
        return self.decision


class FakeGenerator:
    """Streams the scripted Draft's text in two pieces, then the Draft; or raises ``error``."""

    name = "fake"

    def __init__(self, draft: Draft | None = None, error: Exception | None = None) -> None:
        self.draft = draft or Draft(text="")
        self.error = error
        self.calls: list[tuple[str, list[str]]] = []

    def generate(self, question: str, chunks: Sequence[Chunk],
                 history: Sequence[Turn] = ()) -> Draft:
        self.calls.append((question, [c.id for c in chunks]))
        if self.error is not None:
            raise self.error
        return self.draft

    def stream(self, question: str, chunks: Sequence[Chunk],
               history: Sequence[Turn] = ()) -> Iterator[str | Draft]:
        draft = self.generate(question, chunks, history)
        half = len(draft.text) // 2
        yield draft.text[:half]
        yield draft.text[half:]
        yield draft


class FakeGuard:
    """Appends a fixed note; carries no caveats (the real CaveatGuard is cheap to use too)."""

    NOTE = "(checked)"

    def apply(self, draft: Draft) -> Guarded:
        body = draft.text.strip()
        return Guarded(body=body, answer=f"{body}\n\n{self.NOTE}",
                       citations=list(draft.citations), caveats=[])


class InMemorySessionStore:
    """Sessions in a dict, with the same id rules and errors as the SQLite store."""

    def __init__(self) -> None:
        self.turns: dict[str, list[Turn]] = {}

    def new(self) -> str:
        return self.ensure(uuid.uuid4().hex)

    def ensure(self, session_id: str) -> str:
        self.turns.setdefault(check_session_id(session_id), [])
        return session_id

    def history(self, session_id: str, limit: int | None = None) -> list[Turn]:
        if check_session_id(session_id) not in self.turns:
            raise SessionNotFound(f"unknown conversation id: {session_id}")
        turns = self.turns[session_id]
        return list(turns if limit is None else turns[len(turns) - limit:] if limit else [])

    def add(self, session_id: str, turn: Turn) -> None:
        self.turns.setdefault(check_session_id(session_id), []).append(turn)
