"""Conversation state per session id, in the SQL database of ``answering.database`` (a SQLite
file under the data directory by default, PostgreSQL when ``database.url`` says so), so that
any worker can continue any conversation.

Sessions expire ``ttl_s`` after their last turn (an expired session is unknown) and a daemon
thread purges them every ``purge_every_s`` seconds, so stored conversations stay bounded.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import ColumnElement, bindparam, delete, func, select
from sqlalchemy.engine import URL

from assistant.answering.database import (
    SESSION_TABLES,
    Database,
    DatabaseError,
    database_url,
    sessions,
    target_url,
    turns,
    v1_users,
)
from assistant.core.errors import InputError, SessionNotFound
from assistant.core.models import Citation, Turn
from assistant.core.settings import Settings

log = logging.getLogger(__name__)
DAY_S = 24 * 3600.0
#: A session id, as a JSON-schema pattern (the APIs declare it) and as the check below.
SESSION_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
_ID = re.compile(SESSION_ID_PATTERN)


def new_session_id() -> str:
    """A fresh random conversation id (stored by ``new``, or by the first ``add``)."""
    return uuid.uuid4().hex


def check_session_id(session_id: object) -> str:
    if not isinstance(session_id, str) or not _ID.fullmatch(session_id):
        raise InputError("session id must be 1-64 characters of letters, digits, '.', '_' or '-'")
    return session_id


def _last_used() -> ColumnElement[float]:
    return func.coalesce(sessions.c.touched, sessions.c.created)


def _idle_since(cutoff: float) -> ColumnElement[bool]:
    return _last_used() < cutoff


# The statements of ``add``, built once (an answer saves its turn with them).
_LOCK_SESSION = select(sessions.c.id).where(sessions.c.id == bindparam("sid")).with_for_update()
_NEXT_TURN = (select(func.coalesce(func.max(turns.c.idx), 0) + 1)
              .where(turns.c.session_id == bindparam("sid")))
# ... and of ``exists`` and ``history`` (every turn, or the last ``n``), read per answer.
_LIVE_SESSION = select(sessions.c.id).where(sessions.c.id == bindparam("sid"),
                                            _last_used() >= bindparam("since"))
_ALL_TURNS = (select(turns.c.user, turns.c.standalone, turns.c.answer, turns.c.refused,
                     turns.c.citations)
              .where(turns.c.session_id == bindparam("sid")).order_by(turns.c.idx.desc()))
_LAST_TURNS = _ALL_TURNS.limit(bindparam("n"))


class SqlSessionStore:
    """Thread- and process-safe: every call is one transaction on the shared database."""

    def __init__(self, target: Path | str | URL, ttl_s: float = DAY_S, purge_every_s: float = 0.0,
                 pool_size: int = 5) -> None:
        """``target``: a SQLite file path or a SQLAlchemy URL."""
        self.ttl_s = ttl_s
        self._closed = threading.Event()
        self.db = Database(target_url(target), SESSION_TABLES, pool_size)
        # ``add``'s first statement: the session row created (a first turn) or touched.
        self._keep_session = self.db.insert_or_update(
            sessions, {"id": bindparam("sid"), "created": bindparam("now"),
                       "touched": bindparam("now")}, ("id",), {"touched": bindparam("now")})
        if purge_every_s > 0:
            threading.Thread(target=self._purge_loop, args=(purge_every_s,), daemon=True,
                             name="session-purge").start()

    @classmethod
    def from_settings(cls, settings: Settings) -> SqlSessionStore:
        return cls(database_url(settings, "sessions"), ttl_s=settings.sessions.ttl_hours * 3600,
                   purge_every_s=settings.sessions.purge_every_s,
                   pool_size=settings.database.pool_size)

    def _purge_loop(self, every_s: float) -> None:
        while not self._closed.wait(every_s):
            try:
                self.purge()
            except DatabaseError:
                log.exception("purging expired sessions failed")

    def purge(self, now: float | None = None) -> int:
        """Delete sessions idle for longer than the TTL (and their /v1 user mappings); returns
        how many."""
        cutoff = (time.time() if now is None else now) - self.ttl_s
        old = select(sessions.c.id).where(_idle_since(cutoff))
        with self.db.write() as conn:
            conn.execute(delete(turns).where(turns.c.session_id.in_(old)))
            conn.execute(delete(v1_users).where(v1_users.c.session_id.in_(old)))
            gone = conn.execute(delete(sessions).where(_idle_since(cutoff))).rowcount
        return int(gone)

    def count(self) -> int:
        with self.db.read() as conn:
            n = conn.execute(select(func.count()).select_from(sessions)).scalar_one()
        return int(n)

    def new(self) -> str:
        session_id = new_session_id()  # a fresh random id: nothing to expire or clear first
        with self.db.write() as conn:
            conn.execute(self._keep_session, {"sid": session_id, "now": time.time()})
        return session_id

    def ensure(self, session_id: str) -> str:
        check_session_id(session_id)
        now = time.time()
        with self.db.write() as conn:
            expired = conn.execute(select(sessions.c.id).where(
                sessions.c.id == session_id, _idle_since(now - self.ttl_s))).first()
            if expired:  # an expired id starts over empty, never with its old turns
                conn.execute(delete(turns).where(turns.c.session_id == session_id))
                conn.execute(delete(sessions).where(sessions.c.id == session_id))
            self.db.insert_ignore(conn, sessions,
                                  {"id": session_id, "created": now, "touched": now})
        return session_id

    def exists(self, session_id: str) -> bool:
        check_session_id(session_id)
        with self.db.read() as conn:
            row = conn.execute(_LIVE_SESSION, {"sid": session_id,
                                               "since": time.time() - self.ttl_s}).first()
        return row is not None

    def history(self, session_id: str, limit: int | None = None) -> list[Turn]:
        if not self.exists(session_id):
            raise SessionNotFound(f"unknown conversation id: {session_id}")
        with self.db.read() as conn:
            rows = (conn.execute(_ALL_TURNS, {"sid": session_id}) if limit is None else
                    conn.execute(_LAST_TURNS, {"sid": session_id, "n": limit})).all()
        return [_turn(tuple(row)) for row in reversed(rows)]

    def add(self, session_id: str, turn: Turn) -> None:
        """Append a turn; a session id not stored yet (a conversation's first answer) is
        created with it, in the same transaction."""
        citations = json.dumps([c.model_dump() for c in turn.citations])
        now = time.time()
        with self.db.write() as conn:
            conn.execute(self._keep_session, {"sid": check_session_id(session_id), "now": now})
            # Lock the session's row on PostgreSQL (SQLite's write transaction already locks
            # the whole file), so two workers adding to one conversation number their turns
            # one after the other.
            if self.db.dialect != "sqlite":
                conn.execute(_LOCK_SESSION, {"sid": session_id})
            idx = conn.execute(_NEXT_TURN, {"sid": session_id}).scalar_one()
            conn.execute(turns.insert(), {
                "session_id": session_id, "idx": idx, "created": now, "user": turn.user,
                "standalone": turn.standalone_question, "answer": turn.answer,
                "refused": int(turn.refused), "citations": citations})

    def close(self) -> None:
        self._closed.set()
        self.db.close()


def _turn(row: tuple[str, str, str, int, str]) -> Turn:
    user, standalone, answer, refused, citations = row
    return Turn(user=user, standalone_question=standalone, answer=answer, refused=bool(refused),
                citations=[Citation.model_validate(c) for c in json.loads(citations)])
