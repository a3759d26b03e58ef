"""How ``/v1`` conversations map onto sessions: never by message text (see ``SessionMap``).

Which session a client's ``user`` is in lives in the sessions database (``SqlUsers``), so any
worker continues it; ``MemoryUsers`` keeps it in this process only.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import delete, select, update

from assistant.answering.database import SESSION_TABLES, Database, database_url, v1_users
from assistant.core.errors import InputError, SessionNotFound
from assistant.core.protocols import Answerer
from assistant.core.settings import Settings


class UserSessions(Protocol):
    """(client, user) -> session id, at most ``max_per_client`` users per client (LRU)."""

    def lookup(self, client: str, user: str) -> str | None: ...

    def remember(self, client: str, user: str, session_id: str) -> None: ...


class MemoryUsers:
    """In this process; also at most ``max_clients`` clients (least recently used dropped)."""

    def __init__(self, max_per_client: int = 100, max_clients: int = 10_000) -> None:
        self._clients: OrderedDict[str, OrderedDict[str, str]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_per_client = max_per_client
        self.max_clients = max_clients

    def lookup(self, client: str, user: str) -> str | None:
        with self._lock:
            users = self._clients.get(client)
            found = users.get(user) if users is not None else None
            if users is not None and found is not None:
                users.move_to_end(user)
                self._clients.move_to_end(client)
        return found

    def remember(self, client: str, user: str, session_id: str) -> None:
        with self._lock:
            users = self._clients.setdefault(client, OrderedDict())
            self._clients.move_to_end(client)
            users[user] = session_id
            users.move_to_end(user)
            while len(users) > self.max_per_client:
                users.popitem(last=False)
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)


class SqlUsers:
    """In the sessions database (table ``v1_users``), shared by every worker; rows of expired
    sessions go with them (``SqlSessionStore.purge``)."""

    def __init__(self, db: Database, max_per_client: int = 100) -> None:
        self.db = db
        self.max_per_client = max_per_client

    @classmethod
    def from_settings(cls, settings: Settings) -> SqlUsers:
        db = Database(database_url(settings, "sessions"), SESSION_TABLES,
                      settings.database.pool_size)
        return cls(db, settings.sessions.max_per_client)

    def lookup(self, client: str, user: str) -> str | None:
        row = (v1_users.c.client == client) & (v1_users.c.user == user)
        with self.db.write() as conn:
            found = conn.execute(select(v1_users.c.session_id).where(row)).scalar()
            if found is not None:
                conn.execute(update(v1_users).where(row).values(used=time.time()))
        return None if found is None else str(found)

    def remember(self, client: str, user: str, session_id: str) -> None:
        keep = (select(v1_users.c.user).where(v1_users.c.client == client)
                .order_by(v1_users.c.used.desc()).limit(self.max_per_client))
        with self.db.write() as conn:
            self.db.upsert(conn, v1_users, {"client": client, "user": user,
                                            "session_id": session_id, "used": time.time()},
                           keys=("client", "user"))
            conn.execute(delete(v1_users).where(v1_users.c.client == client,
                                                v1_users.c.user.not_in(keep)))


class SessionMap:
    """Maps an OpenAI-style conversation (the whole history re-sent each time) onto a session.

    Never by message text: two clients who send the same words never share a session.

    * ``session_id`` given: that session (404 when unknown or expired).
    * ``user`` given: that user's conversation *for this client* (``client``: a hash of the API
      key or the client address). A first message (no earlier user messages) starts a new
      session; later ones continue it. A client keeps at most ``max_per_client`` such users
      (least recently used dropped); where that is stored is ``users`` (``UserSessions``).
    * neither: a new session per request, the earlier user messages (the last ``max_replay``)
      replayed into it so that follow-ups are still understood.
    """

    def __init__(self, max_per_client: int = 100, max_replay: int = 6,
                 max_clients: int = 10_000, users: UserSessions | None = None) -> None:
        self.users = users or MemoryUsers(max_per_client, max_clients)
        self.max_replay = max_replay

    def session_for(
        self, answerer: Answerer, history: Sequence[str], user: str | None,
        explicit: str | None = None, client: str = "",
    ) -> str:
        """The session to ask the next question in (a new one replays ``history``)."""
        if explicit:
            answerer.history(explicit)  # raises SessionNotFound (404) for an unknown id
            return explicit
        if user and history:
            found = self.users.lookup(client, user)
            if found is not None and _known(answerer, found):
                return found
        session_id = answerer.new_session()
        for message in list(history)[-self.max_replay:] if self.max_replay else []:
            try:
                answerer.ask(message, session_id)
            except InputError:
                continue  # an earlier message we would have rejected adds no context
        if user:
            self.users.remember(client, user, session_id)
        return session_id


def _known(answerer: Answerer, session_id: str) -> bool:
    try:
        answerer.history(session_id)
    except SessionNotFound:
        return False  # expired meanwhile
    return True


def client_key(api_key: str | None, address: str | None) -> str:
    """Who a /v1 client is, for scoping ``user``: its API key (hashed), else its address."""
    raw = f"key:{api_key}" if api_key else f"addr:{address or ''}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]
