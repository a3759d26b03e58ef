"""Conversation state per session id, in a small SQLite database under the data directory.

Sessions expire ``ttl_s`` after their last turn (an expired session is unknown) and a daemon
thread purges them every ``purge_every_s`` seconds, so stored conversations stay bounded.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from assistant.core.errors import InputError, SessionNotFound
from assistant.core.models import Citation, Turn

log = logging.getLogger(__name__)
DAY_S = 24 * 3600.0
#: A session id, as a JSON-schema pattern (the APIs declare it) and as the check below.
SESSION_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
_ID = re.compile(SESSION_ID_PATTERN)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created REAL NOT NULL,
                                     touched REAL);
CREATE TABLE IF NOT EXISTS turns (
  session_id TEXT NOT NULL REFERENCES sessions(id),
  idx INTEGER NOT NULL,
  created REAL NOT NULL,
  user TEXT NOT NULL,
  standalone TEXT NOT NULL,
  answer TEXT NOT NULL,
  refused INTEGER NOT NULL,
  citations TEXT NOT NULL,
  PRIMARY KEY (session_id, idx)
);
"""


def check_session_id(session_id: object) -> str:
    if not isinstance(session_id, str) or not _ID.fullmatch(session_id):
        raise InputError("session id must be 1-64 characters of letters, digits, '.', '_' or '-'")
    return session_id


class SqliteSessionStore:
    """Thread-safe; one connection per store, each write in its own transaction."""

    def __init__(self, path: Path, ttl_s: float = DAY_S, purge_every_s: float = 0.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(sessions)")}
        if "touched" not in columns:  # a database from before expiry
            self._db.execute("ALTER TABLE sessions ADD COLUMN touched REAL")
        if purge_every_s > 0:
            threading.Thread(target=self._purge_loop, args=(purge_every_s,), daemon=True,
                             name="session-purge").start()

    def _purge_loop(self, every_s: float) -> None:
        while not self._closed.wait(every_s):
            try:
                self.purge()
            except sqlite3.Error:
                log.exception("purging expired sessions failed")

    def purge(self, now: float | None = None) -> int:
        """Delete sessions idle for longer than the TTL; returns how many."""
        cutoff = (time.time() if now is None else now) - self.ttl_s
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM turns WHERE session_id IN (SELECT id FROM sessions "
                                 "WHERE COALESCE(touched, created) < ?)", (cutoff,))
                gone = self._db.execute("DELETE FROM sessions WHERE COALESCE(touched, created) < ?",
                                        (cutoff,)).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return int(gone)

    def count(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM sessions").fetchone()
        return int(n)

    def new(self) -> str:
        session_id = uuid.uuid4().hex
        self.ensure(session_id)
        return session_id

    def ensure(self, session_id: str) -> str:
        check_session_id(session_id)
        with self._lock:
            now = time.time()
            expired = self._db.execute(
                "SELECT 1 FROM sessions WHERE id = ? AND COALESCE(touched, created) < ?",
                (session_id, now - self.ttl_s)).fetchone()
            if expired:  # an expired id starts over empty, never with its old turns
                self._db.execute("DELETE FROM turns WHERE session_id = ?", (session_id,))
                self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            self._db.execute("INSERT OR IGNORE INTO sessions VALUES (?, ?, ?)",
                             (session_id, now, now))
        return session_id

    def exists(self, session_id: str) -> bool:
        check_session_id(session_id)
        with self._lock:
            row = self._db.execute("SELECT 1 FROM sessions WHERE id = ? AND "
                                   "COALESCE(touched, created) >= ?",
                                   (session_id, time.time() - self.ttl_s)).fetchone()
        return row is not None

    def history(self, session_id: str, limit: int | None = None) -> list[Turn]:
        if not self.exists(session_id):
            raise SessionNotFound(f"unknown conversation id: {session_id}")
        sql = ("SELECT user, standalone, answer, refused, citations FROM turns "
               "WHERE session_id = ? ORDER BY idx DESC")
        params: tuple[object, ...] = (session_id,)
        if limit is not None:
            sql += " LIMIT ?"
            params = (session_id, limit)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [_turn(row) for row in reversed(rows)]

    def add(self, session_id: str, turn: Turn) -> None:
        citations = json.dumps([c.model_dump() for c in turn.citations])
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                (idx,) = self._db.execute(
                    "SELECT COALESCE(MAX(idx), 0) + 1 FROM turns WHERE session_id = ?",
                    (session_id,)).fetchone()
                self._db.execute(
                    "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (session_id, idx, time.time(), turn.user, turn.standalone_question,
                     turn.answer, int(turn.refused), citations))
                self._db.execute("UPDATE sessions SET touched = ? WHERE id = ?",
                                 (time.time(), session_id))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._db.close()


def _turn(row: tuple[str, str, str, int, str]) -> Turn:
    user, standalone, answer, refused, citations = row
    return Turn(user=user, standalone_question=standalone, answer=answer, refused=bool(refused),
                citations=[Citation.model_validate(c) for c in json.loads(citations)])
