"""Sessions over real HTTP: two /v1 clients never share a session, sessions expire.

A real uvicorn server on loopback, the real pipeline over the real index; the two clients send
the same first message (the issue's takeover case) and then different, personal follow-ups.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.answering.sessions import SqlSessionStore
from assistant.core.errors import SessionNotFound
from assistant.core.models import Turn
from assistant.core.settings import Settings
from assistant.serving.app import create_app
from assistant.serving.background import background_server

FIRST = "Is 120 mg magnesium glycinate safe with 0.5 mg clonazepam?"
B_SECRET = "My name is Bertram Quill and I take 2 mg clonazepam"


@pytest.fixture(scope="module")
def app_pipeline(indexed_settings: Settings) -> Any:
    from assistant.answering.assembly import build_assistant

    return build_assistant(indexed_settings)


@pytest.fixture(scope="module")
def base_url(indexed_settings: Settings, app_pipeline: Any) -> Iterator[str]:
    settings = indexed_settings.model_copy(update={"server": indexed_settings.server.model_copy(
        update={"rate_limit": "1000/minute"})})
    with background_server(create_app(settings, app_pipeline, ui=False)) as url:
        with httpx.Client(base_url=url, timeout=120) as c:
            deadline = time.monotonic() + 300
            while c.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        yield url


def _chat(url: str, messages: list[dict[str, str]], **extra: Any) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=120) as c:  # one connection per client
        r = c.post("/v1/chat/completions", json={"model": "x", "messages": messages, **extra})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _texts(pipeline: Any, session_id: str) -> str:
    return " ".join(t.user + " " + t.standalone_question for t in pipeline.history(session_id))


@pytest.mark.parametrize(("extra", "extra_b"), [({}, {}), ({"user": "ann"}, {"user": "ben"})])
def test_two_clients_with_the_same_first_message_never_share_a_session(
    base_url: str, app_pipeline: Any, extra: dict[str, str], extra_b: dict[str, str]
) -> None:
    a1 = _chat(base_url, [{"role": "user", "content": FIRST}], **extra)
    b1 = _chat(base_url, [{"role": "user", "content": FIRST}], **extra_b)
    sa, sb = a1["x_assistant"]["session_id"], b1["x_assistant"]["session_id"]
    assert sa != sb
    b2 = _chat(base_url, [{"role": "user", "content": FIRST},
                          {"role": "assistant", "content": b1["choices"][0]["message"]["content"]},
                          {"role": "user", "content": B_SECRET}], **extra_b)
    a2 = _chat(base_url, [{"role": "user", "content": FIRST},
                          {"role": "assistant", "content": a1["choices"][0]["message"]["content"]},
                          {"role": "user", "content": "What if my creatinine clearance is 25?"}],
               **extra)
    sa2, sb2 = a2["x_assistant"]["session_id"], b2["x_assistant"]["session_id"]
    assert sa2 != sb2
    for session in {sa, sa2}:
        assert "Bertram" not in _texts(app_pipeline, session)
    assert "Bertram" not in a2["choices"][0]["message"]["content"]
    assert "Bertram" not in (a2["x_assistant"].get("standalone_question") or "")
    if extra:  # with `user`, a client's follow-up continues its own session
        assert (sa2, sb2) == (sa, sb)


def test_an_explicit_session_id_continues_that_session(base_url: str, app_pipeline: Any) -> None:
    first = _chat(base_url, [{"role": "user", "content": FIRST}])
    sid = first["x_assistant"]["session_id"]
    again = _chat(base_url, [{"role": "user", "content": "And with a creatinine clearance of 25?"}],
                  session_id=sid)
    assert again["x_assistant"]["session_id"] == sid
    assert len(app_pipeline.history(sid)) == 2


def test_sessions_expire_and_are_purged(tmp_path: Path) -> None:
    store = SqlSessionStore(tmp_path / "s.db", ttl_s=3600)
    old, fresh = store.new(), store.new()
    store.add(fresh, Turn(user="u", standalone_question="u", answer="a", refused=False))
    store.purge(now=time.time() + 1800)
    assert store.exists(old) and store.exists(fresh)
    assert store.purge(now=time.time() + 7200) == 2
    assert store.count() == 0
    with pytest.raises(SessionNotFound):
        store.history(old)
    store.close()


def test_an_idle_session_is_unknown_and_a_background_purge_removes_it(tmp_path: Path) -> None:
    store = SqlSessionStore(tmp_path / "s.db", ttl_s=0.2, purge_every_s=0.1)
    sid = store.new()
    store.add(sid, Turn(user="secret", standalone_question="secret", answer="a", refused=False))
    assert store.exists(sid)
    deadline = time.monotonic() + 10
    while store.count():
        assert time.monotonic() < deadline, "the background purge never ran"
        time.sleep(0.05)
    assert not store.exists(sid)
    assert store.ensure(sid) == sid and store.history(sid) == []  # reused id starts empty
    store.close()


def test_a_client_keeps_at_most_max_per_client_users() -> None:
    from assistant.serving.v1_sessions import SessionMap

    class Counter:
        n = 0

        def new_session(self) -> str:
            self.n += 1
            return f"s{self.n}"

        def history(self, session_id: str) -> list[Any]:
            return []

        def ask(self, message: str, session_id: str | None = None) -> Any:
            return None

    answerer: Any = Counter()
    m = SessionMap(max_per_client=2, max_replay=0)
    s1 = m.session_for(answerer, [], "u1", client="c")
    m.session_for(answerer, [], "u2", client="c")
    assert m.session_for(answerer, ["x"], "u1", client="c") == s1
    m.session_for(answerer, [], "u3", client="c")  # drops u2, the least recently used
    assert m.session_for(answerer, ["x"], "u2", client="c") not in {s1}
    assert m.session_for(answerer, ["x"], "u1", client="other") != s1  # scoped by client
