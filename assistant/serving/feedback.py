"""Durable per-message feedback in SQLite (WAL, one transaction per write).

A message is one answer in a conversation; its id is ``"<session id>:<turn number>"`` (turns
counted from 1 in the stored session, see ``message_id``). A rating replaces an earlier rating of
the same message; other actions on a message (copy, regenerate) are logged in ``actions``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.answering.sessions import SESSION_ID_PATTERN
from assistant.core.errors import InputError, SessionNotFound
from assistant.core.models import Citation
from assistant.core.protocols import Answerer

Rating = Literal["up", "down"]
ACTIONS = ("copy", "regenerate")
MAX_COMMENT_CHARS = 2000
FILE_NAME = "feedback.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    session_id TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT ''
)
"""
_ACTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    message_id TEXT NOT NULL,
    action TEXT NOT NULL
)
"""


def message_id(session_id: str, turn: int) -> str:
    """The id of the ``turn``-th answer (from 1) of a stored conversation."""
    return f"{session_id}:{turn}"


def split_message_id(value: str) -> tuple[str, int]:
    """``(session id, turn)`` of a message id; InputError if it is not one."""
    session_id, _, turn = value.rpartition(":")
    if not session_id or not turn.isdigit() or int(turn) < 1:
        raise InputError("message_id must look like '<session id>:<turn number>'.")
    return session_id, int(turn)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """Feedback rows in ``<data_dir>/feedback.db``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            conn.execute(_ACTIONS_SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
            if "message_id" not in columns:  # databases written before per-message feedback
                conn.execute("ALTER TABLE feedback ADD COLUMN message_id TEXT")

    @classmethod
    def in_dir(cls, data_dir: Path) -> FeedbackStore:
        return cls(data_dir / FILE_NAME)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as conn, conn:
            yield conn

    def record(
        self,
        *,
        session_id: str | None,
        question: str,
        answer: str,
        citations: Sequence[Citation],
        rating: str,
        comment: str = "",
        message: str | None = None,
    ) -> int:
        """Store one rating of the message ``message`` (replacing its earlier rating); returns
        the row id. Bad input raises InputError and stores nothing."""
        if rating not in ("up", "down"):
            raise InputError("Rating must be 'up' or 'down'.")
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT_CHARS:
            raise InputError(f"Comment is too long (at most {MAX_COMMENT_CHARS} characters).")
        if not answer:
            raise InputError("There is no answer to rate yet.")
        row = (
            _now(),
            session_id,
            question,
            answer,
            json.dumps([c.model_dump() for c in citations], ensure_ascii=False),
            rating,
            comment,
            message,
        )
        with self._connect() as conn:
            if message is not None:
                conn.execute("DELETE FROM feedback WHERE message_id = ?", (message,))
            cur = conn.execute(
                "INSERT INTO feedback (ts, session_id, question, answer, citations, rating, "
                "comment, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid or 0)

    def record_action(self, message: str, action: str) -> int:
        """Log a copy or regenerate of a message; returns the row id."""
        if action not in ACTIONS:
            raise InputError(f"Action must be one of: {', '.join(ACTIONS)}.")
        split_message_id(message)
        with self._connect() as conn:
            cur = conn.execute("INSERT INTO actions (ts, message_id, action) VALUES (?, ?, ?)",
                               (_now(), message, action))
            return int(cur.lastrowid or 0)

    def actions(self) -> list[dict[str, Any]]:
        """All logged actions, oldest first."""
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM actions ORDER BY id")]

    def rows(self) -> list[dict[str, Any]]:
        """All rows, oldest first, citations decoded."""
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            found = conn.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        return [{**dict(r), "citations": json.loads(r["citations"])} for r in found]


class FeedbackRequest(BaseModel):
    """A rating of one answer, for help-desk integrators (``POST /api/feedback``)."""

    model_config = ConfigDict(extra="forbid")
    session_id: str = Field(pattern=SESSION_ID_PATTERN,
                            description="The conversation (``session_id`` of /api/chat).")
    turn: int = Field(ge=1, description="Which answer of the conversation, counted from 1 "
                      "(as in GET /api/sessions/{id}).")
    rating: Rating
    comment: str = Field("", max_length=MAX_COMMENT_CHARS, description="Optional comment.")


class FeedbackReply(BaseModel):
    feedback_id: int
    message_id: str


def rate_turn(store: FeedbackStore, answerer: Answerer, body: FeedbackRequest) -> FeedbackReply:
    """Store a rating of a stored answer (SessionNotFound for an unknown conversation or turn);
    a second rating of the same answer replaces the first."""
    turns = answerer.history(body.session_id)
    if body.turn > len(turns):
        raise SessionNotFound(f"conversation {body.session_id} has {len(turns)} answer(s), "
                              f"not {body.turn}")
    turn = turns[body.turn - 1]
    message = message_id(body.session_id, body.turn)
    row = store.record(session_id=body.session_id, question=turn.user, answer=turn.answer,
                       citations=turn.citations, rating=body.rating, comment=body.comment,
                       message=message)
    return FeedbackReply(feedback_id=row, message_id=message)
