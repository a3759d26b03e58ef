from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.sessions import SqlSessionStore
from assistant.core.errors import InputError, SessionNotFound
from assistant.core.models import Turn


def test_turns_persist_in_order_across_store_instances(tmp_path: Path) -> None:
    store = SqlSessionStore(tmp_path / "s.db")
    sid = store.new()
    for i in range(3):
        store.add(sid, Turn(user=f"q{i}", standalone_question=f"s{i}", answer=f"a{i}",
                            refused=False))
    store.close()
    again = SqlSessionStore(tmp_path / "s.db")
    assert [t.user for t in again.history(sid)] == ["q0", "q1", "q2"]
    assert [t.user for t in again.history(sid, limit=2)] == ["q1", "q2"]


def test_unknown_and_malformed_ids(tmp_path: Path) -> None:
    store = SqlSessionStore(tmp_path / "s.db")
    with pytest.raises(SessionNotFound):
        store.history("nope")
    for bad in ["", "a b", "x" * 65, "../etc"]:
        with pytest.raises(InputError):
            store.ensure(bad)
    assert store.ensure("my-session") == "my-session"
    assert store.history("my-session") == []
