"""Durable per-message feedback in the SQL database of ``answering.database`` (by default the
SQLite file ``<data_dir>/feedback.db``; the shared ``database.url`` when set), one transaction per
write.

A message is one answer in a conversation; its id is ``"<session id>:<turn number>"`` (turns
counted from 1 in the stored session, see ``message_id``). A rating replaces an earlier rating of
the same message; other actions on a message (copy, regenerate) are logged in ``actions``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.engine import URL

from assistant.answering.database import (
    FEEDBACK_TABLES,
    Database,
    actions,
    database_url,
    feedback,
    target_url,
)
from assistant.answering.sessions import SESSION_ID_PATTERN
from assistant.core.errors import InputError, SessionNotFound
from assistant.core.models import Citation
from assistant.core.protocols import Answerer
from assistant.core.settings import Settings

Rating = Literal["up", "down"]
ACTIONS = ("copy", "regenerate")
MAX_COMMENT_CHARS = 2000
DB_NAME = "feedback"
FILE_NAME = f"{DB_NAME}.db"


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
    """Feedback rows (``feedback``) and message actions (``actions``)."""

    def __init__(self, target: Path | str | URL) -> None:
        """``target``: a SQLite file path or a SQLAlchemy URL."""
        self.db = Database(target_url(target), FEEDBACK_TABLES)

    @classmethod
    def in_dir(cls, data_dir: Path) -> FeedbackStore:
        return cls(data_dir / FILE_NAME)

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(database_url(settings, DB_NAME))

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
        row = {
            "ts": _now(), "session_id": session_id, "question": question, "answer": answer,
            "citations": json.dumps([c.model_dump() for c in citations], ensure_ascii=False),
            "rating": rating, "comment": comment, "message_id": message,
        }
        with self.db.write() as conn:
            if message is not None:
                conn.execute(delete(feedback).where(feedback.c.message_id == message))
            new = conn.execute(feedback.insert().values(**row).returning(feedback.c.id))
            return int(new.scalar_one())

    def record_action(self, message: str, action: str) -> int:
        """Log a copy or regenerate of a message; returns the row id."""
        if action not in ACTIONS:
            raise InputError(f"Action must be one of: {', '.join(ACTIONS)}.")
        split_message_id(message)
        with self.db.write() as conn:
            new = conn.execute(actions.insert().values(ts=_now(), message_id=message,
                                                       action=action).returning(actions.c.id))
            return int(new.scalar_one())

    def actions(self) -> list[dict[str, Any]]:
        """All logged actions, oldest first."""
        with self.db.read() as conn:
            return [dict(r._mapping) for r in conn.execute(select(actions).order_by(actions.c.id))]

    def rows(self) -> list[dict[str, Any]]:
        """All rows, oldest first, citations decoded."""
        with self.db.read() as conn:
            found = conn.execute(select(feedback).order_by(feedback.c.id)).all()
        return [{**dict(r._mapping), "citations": json.loads(r.citations)} for r in found]


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
