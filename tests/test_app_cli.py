"""``python app.py``: argument handling, lazy imports, and a real start on a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import app_env, wait_ready
from fake_openai_server import free_port

from assistant.core.settings import Settings

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence_transformers", "chromadb", "gradio", "uvicorn", "fastapi")


def run_app(*args: str, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "app.py", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def test_help_is_instant_and_lists_the_flags() -> None:
    started = time.perf_counter()
    result = run_app("--help")
    assert result.returncode == 0
    for flag in ("--host", "--port", "--generator", "--base-url", "--model"):
        assert flag in result.stdout
    assert time.perf_counter() - started < 10


def test_parsing_imports_nothing_heavy() -> None:
    code = ("import sys, app; a = app.parse_args(['--port', '8123', '--generator', 'ollama', "
            "'--model', 'm']); print(a.port, a.host, a.generator); "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["8123 127.0.0.1 ollama", "[]"]


@pytest.mark.parametrize(("args", "env", "needle"), [
    (["--port", "0"], {}, "--port"),
    (["--port", "http"], {}, "invalid int"),
    (["--generator", "gpt"], {}, "invalid choice"),
    ([], {"ASSISTANT_RETRIEVAL__K": "0"}, "invalid settings"),
])
def test_bad_arguments_exit_2_with_a_clear_message(args: list[str], env: dict[str, str],
                                                   needle: str) -> None:
    result = run_app(*args, env=env)
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_app_starts_serves_and_stops(indexed_settings: Settings, tmp_path: Path) -> None:
    s = indexed_settings
    env = app_env(s, tmp_path / "data")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(proc, url)
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        assert "text/html" in httpx.get(f"{url}/").headers["content-type"]  # the chat UI
        reply = httpx.post(f"{url}/api/chat", json={"message": "What is magnesium glycinate?"},
                           timeout=120)
        assert reply.status_code == 200 and reply.json()["citations"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
