"""Graceful shutdown: ``python app.py`` (real uvicorn, real pipeline over a real index) gets
SIGTERM while an answer is in flight; that answer still completes with 200 and the process
exits 0. The slow answer comes from a fake LLM backend (the only fake) that waits before
replying."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import app_env, wait_ready
from fake_openai_server import FakeLLMServer, Reply, free_port

from assistant.core.settings import Settings

REPO = Path(__file__).resolve().parent.parent
LLM_DELAY_S = 4.0

pytestmark = pytest.mark.slow


def test_sigterm_finishes_the_answer_in_flight_then_exits_0(
    indexed_settings: Settings, tmp_path: Path, corpus_dir: Path
) -> None:
    s = indexed_settings
    seed = corpus_dir / "000_ea444bfb46099086.txt"
    question = seed.read_text(encoding="utf-8").splitlines()[0]
    llm = FakeLLMServer(default=Reply(content="It is generally well tolerated [1].",
                                      sleep=LLM_DELAY_S)).start()
    env = app_env(s, tmp_path / "data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--no-ui", "--port", str(port), "--generator", "openai",
         "--base-url", llm.url, "--model", "fake"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    result: dict[str, Any] = {}
    try:
        wait_ready(proc, url)
        seen = len(llm.requests)

        def ask() -> None:
            try:
                result["response"] = httpx.post(f"{url}/api/chat", json={"message": question},
                                                timeout=600)
            except Exception as err:  # reported by the assertions below
                result["error"] = err

        client = threading.Thread(target=ask)
        client.start()
        deadline = time.monotonic() + 300
        while len(llm.requests) == seen:  # the answer is waiting on the (slow) LLM now
            assert time.monotonic() < deadline, f"the request never reached the LLM: {result}"
            time.sleep(0.05)
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        client.join(600)
        returncode = proc.wait(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        llm.stop()
    log = proc.stderr.read() if proc.stderr else ""
    assert "error" not in result, f"{result.get('error')!r}\n{log}"
    response = result["response"]
    assert response.status_code == 200, response.text
    assert response.json()["answer"] and response.json()["caveats"]
    assert returncode == 0, log
    # the server waited for the answer instead of dropping it
    assert time.monotonic() - signalled >= LLM_DELAY_S * 0.5
    assert "Waiting for" in log or "Shutting down" in log
