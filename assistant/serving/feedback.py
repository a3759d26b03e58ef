"""Durable thumbs-up/down feedback in SQLite (WAL, one transaction per write)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from assistant.core.errors import InputError
from assistant.core.models import Citation

Rating = Literal["up", "down"]
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


class FeedbackStore:
    """Feedback rows in ``<data_dir>/feedback.db``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)

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
    ) -> int:
        """Store one rating; returns its row id. Bad input raises InputError and stores nothing."""
        if rating not in ("up", "down"):
            raise InputError("Rating must be 'up' or 'down'.")
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT_CHARS:
            raise InputError(f"Comment is too long (at most {MAX_COMMENT_CHARS} characters).")
        if not answer:
            raise InputError("There is no answer to rate yet.")
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            session_id,
            question,
            answer,
            json.dumps([c.model_dump() for c in citations], ensure_ascii=False),
            rating,
            comment,
        )
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (ts, session_id, question, answer, citations, rating, "
                "comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid or 0)

    def rows(self) -> list[dict[str, Any]]:
        """All rows, oldest first, citations decoded."""
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            found = conn.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        return [{**dict(r), "citations": json.loads(r["citations"])} for r in found]
