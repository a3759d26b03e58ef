"""The SQL stores on both databases they support: a SQLite file and a real PostgreSQL (the
Debian package, a throw-away cluster). Two store objects on one URL stand for two workers."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from services import create_database, postgres_server

from assistant.answering.sessions import SqlSessionStore
from assistant.core.errors import SessionNotFound
from assistant.core.models import Turn
from assistant.serving.feedback import FeedbackStore
from assistant.serving.v1_sessions import SqlUsers

_names = itertools.count()


@pytest.fixture(scope="module")
def pg_port() -> Iterator[int]:
    with postgres_server("first") as url:
        yield int(url.rsplit(":", 1)[1].split("/")[0])


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return create_database(request.getfixturevalue("pg_port"), f"t{next(_names)}")


def _turn(text: str) -> Turn:
    return Turn(user=text, standalone_question=text, answer="a", refused=False)


def test_two_workers_add_to_one_conversation_at_once(url: str) -> None:
    workers = [SqlSessionStore(url), SqlSessionStore(url)]
    sid = workers[0].new()
    errors: list[BaseException] = []

    def add(store: SqlSessionStore, tag: str) -> None:
        try:
            for i in range(8):
                store.add(sid, _turn(f"{tag}{i}"))
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=add, args=(store, f"{w}{t}-"))
               for w, store in enumerate(workers) for t in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    turns = workers[1].history(sid)
    assert len(turns) == 32 and len({t.user for t in turns}) == 32
    for tag in ("00-", "01-", "10-", "11-"):  # each writer's turns in its own order
        mine = [t.user for t in turns if t.user.startswith(tag)]
        assert mine == [f"{tag}{i}" for i in range(8)]
    for store in workers:
        store.close()


def test_expiry_purge_and_v1_users_go_together(url: str) -> None:
    store = SqlSessionStore(url, ttl_s=3600)
    users = SqlUsers(store.db, max_per_client=2)
    old, fresh = store.new(), store.new()
    users.remember("client", "ann", old)
    store.add(fresh, _turn("q"))
    assert store.purge(now=time.time() + 1800) == 0
    assert users.lookup("client", "ann") == old
    assert store.purge(now=time.time() + 7200) == 2 and store.count() == 0
    assert users.lookup("client", "ann") is None
    with pytest.raises(SessionNotFound):
        store.history(fresh)
    assert store.ensure(fresh) == fresh and store.history(fresh) == []
    store.close()


def test_a_client_keeps_its_most_recent_users(url: str) -> None:
    store = SqlSessionStore(url)
    users = SqlUsers(store.db, max_per_client=2)
    s1, s2, s3 = store.new(), store.new(), store.new()
    users.remember("c", "u1", s1)
    users.remember("c", "u2", s2)
    users.remember("other", "u1", s3)
    assert users.lookup("c", "u1") == s1  # u1 used last now
    users.remember("c", "u3", s3)  # drops u2, the least recently used
    assert [users.lookup("c", u) for u in ("u1", "u2", "u3")] == [s1, None, s3]
    assert users.lookup("other", "u1") == s3
    users.remember("c", "u1", s2)  # a new conversation of the same user replaces the old one
    assert users.lookup("c", "u1") == s2
    store.close()


def test_feedback_is_shared_and_a_rating_replaces_the_last(url: str) -> None:
    a, b = FeedbackStore(url), FeedbackStore(url)
    first = a.record(session_id="s", question="q", answer="x", citations=[], rating="up",
                     message="s:1")
    second = b.record(session_id="s", question="q", answer="x", citations=[], rating="down",
                      comment="wrong", message="s:1")
    assert second > first
    assert [(r["rating"], r["comment"], r["message_id"]) for r in a.rows()] == [
        ("down", "wrong", "s:1")]
    assert b.record_action("s:1", "copy") >= 1
    assert [(r["message_id"], r["action"]) for r in a.actions()] == [("s:1", "copy")]
