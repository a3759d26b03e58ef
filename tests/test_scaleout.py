"""Scale-out: two stateless ``app.py`` workers share a real PostgreSQL (conversations, feedback,
/v1 user mappings) and a real Chroma server (the index, built into it first), and a
conversation started on one worker continues on the other.

Nothing is shared through local files: each worker has its own empty data and index
directory. The workers are hit directly (a proxy in front would only choose between them).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import app_env, wait_ready
from fake_openai_server import free_port
from services import chroma_server, postgres_server
from sqlalchemy import create_engine, text

from assistant.indexing.indexer import build_index

REPO = Path(__file__).resolve().parent.parent
#: A small copy of the real corpus (the documents the conversation is about), to keep the index
#: build and the workers' start short.
FILES = ("000_ea444bfb46099086.txt", "001_fb567213ce903ab3.txt", "002_90f8025de4ee4743.txt")
FIRST = "Is 120 mg magnesium glycinate safe with 0.5 mg clonazepam?"
FOLLOW_UP = "What if my creatinine clearance is 25?"

pytestmark = pytest.mark.slow


def _start_worker(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[str]:
    """``app.py`` on ``port``, its output in ``log`` (a pipe nobody reads could fill up)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as out:
        return subprocess.Popen([sys.executable, "app.py", "--no-ui", "--port", str(port)],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                text=True)


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.terminate()
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return -9


def _log(base: Path, name: str) -> str:
    return (base / name / "app.log").read_text(encoding="utf-8", errors="replace")[-3000:]


def _post(url: str, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    r = httpx.post(f"{url}{path}", json=body, timeout=120)
    assert r.status_code == status, r.text
    return dict(r.json())


def test_a_conversation_continues_on_another_worker(
    tmp_path: Path, corpus_dir: Path, settings_factory: Any
) -> None:
    started = time.monotonic()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in FILES:
        shutil.copy2(corpus_dir / name, corpus / name)
    phases: dict[str, float] = {}
    with postgres_server() as db_url, chroma_server(tmp_path / "chroma") as (host, port):
        settings = settings_factory(
            tmp_path / "builder", corpus, database={"url": db_url},
            store={"mode": "server", "host": host, "port": port, "collection": "scaleout"})
        phases["services"] = time.monotonic() - started
        built = build_index(settings, progress=False)
        phases["build"] = time.monotonic() - started - sum(phases.values())
        assert built.chunks > 0 and not list((tmp_path / "builder" / "index").glob("v-*"))

        workers, urls = [], []
        for name in ("a", "b"):
            env = {**app_env(settings, tmp_path / name / "data"),
                   "ASSISTANT_INDEX_DIR": str(tmp_path / name / "index"),
                   "ASSISTANT_STORE__MODE": "server", "ASSISTANT_STORE__HOST": host,
                   "ASSISTANT_STORE__PORT": str(port), "ASSISTANT_STORE__COLLECTION": "scaleout",
                   "ASSISTANT_DATABASE__URL": db_url}
            worker_port = free_port()
            workers.append(_start_worker(env, worker_port, tmp_path / name / "app.log"))
            urls.append(f"http://127.0.0.1:{worker_port}")
        try:
            for proc, url, name in zip(workers, urls, "ab", strict=True):
                try:
                    wait_ready(proc, url, timeout_s=240)
                except AssertionError as err:
                    raise AssertionError(f"{err}\n{_log(tmp_path, name)}") from None
            phases["workers ready"] = time.monotonic() - started - sum(phases.values())
            a, b = urls

            # /api: turn 1 on A, the follow-up on B in the same session.
            first = _post(a, "/api/chat", {"message": FIRST})
            sid = first["session_id"]
            follow = _post(b, "/api/chat", {"message": FOLLOW_UP, "session_id": sid})
            assert follow["session_id"] == sid
            # B read A's turn: the follow-up was condensed with the earlier question's subject.
            assert FOLLOW_UP.rstrip("?") != follow["standalone_question"].rstrip("?")
            assert "magnesium" in follow["standalone_question"].lower(), follow
            assert not follow["refused"] and follow["citations"]
            for url in (a, b):
                turns = httpx.get(f"{url}/api/sessions/{sid}", timeout=30).json()["turns"]
                assert [t["user"] for t in turns] == [FIRST, FOLLOW_UP]
            # Feedback on A for the answer B gave.
            rated = _post(a, "/api/feedback", {"session_id": sid, "turn": 2, "rating": "up"},
                          status=201)
            assert rated["message_id"] == f"{sid}:2"

            # /v1: the same client's `user` continues its conversation on the other worker.
            v1a = _post(a, "/v1/chat/completions", {
                "model": "x", "user": "ann", "messages": [{"role": "user", "content": FIRST}]})
            v1b = _post(b, "/v1/chat/completions", {"model": "x", "user": "ann", "messages": [
                {"role": "user", "content": FIRST},
                {"role": "assistant", "content": v1a["choices"][0]["message"]["content"]},
                {"role": "user", "content": FOLLOW_UP}]})
            v1_sid = v1a["x_assistant"]["session_id"]
            assert v1b["x_assistant"]["session_id"] == v1_sid != sid

            # It is all in PostgreSQL, not in the workers' data directories.
            engine = create_engine(db_url)
            with engine.connect() as conn:
                n_turns = conn.execute(text("SELECT COUNT(*) FROM turns WHERE session_id = :s"),
                                       {"s": sid}).scalar_one()
                ratings = conn.execute(text("SELECT rating FROM feedback WHERE message_id = :m"),
                                       {"m": f"{sid}:2"}).scalars().all()
                users = conn.execute(text("SELECT session_id FROM v1_users")).scalars().all()
            engine.dispose()
            assert (n_turns, ratings, users) == (2, ["up"], [v1_sid])
            assert not list(tmp_path.glob("[ab]/data/*.db"))
            phases["conversation"] = time.monotonic() - started - sum(phases.values())
        finally:
            codes = [_stop(proc) for proc in workers]
        assert codes == [0, 0], [_log(tmp_path, name) for name in "ab"]
    elapsed = time.monotonic() - started
    print(f"scale-out test: {elapsed:.1f} s ({built.chunks} chunks built into the server); "
          + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
