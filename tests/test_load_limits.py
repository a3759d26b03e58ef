"""Load limits over real HTTP: bounded answering slots (health stays fast), body timeouts,
and the error shape and OpenAPI description for every status the API returns."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from assistant.core.settings import Settings
from assistant.serving.app import create_app
from assistant.serving.background import background_server


@pytest.fixture(scope="module")
def served(indexed_settings: Settings) -> Iterator[tuple[str, Any]]:
    from assistant.answering.assembly import build_assistant

    settings = indexed_settings.model_copy(update={"server": indexed_settings.server.model_copy(
        update={"answer_workers": 1, "busy_wait_s": 0.5, "body_timeout_s": 1.0,
                "rate_limit": "1000/minute"})})
    app = create_app(settings, build_assistant(indexed_settings), ui=False)
    with background_server(app) as url:
        with httpx.Client(base_url=url) as c:
            deadline = time.monotonic() + 300
            while c.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        yield url, app.state.answerer


def _error(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and {"message", "type", "code"} <= set(body["error"])
    return dict(body["error"])


def test_health_answers_at_once_while_every_answering_slot_is_taken(
    served: tuple[str, Any]
) -> None:
    url, lazy = served
    assert lazy._slots.acquire(timeout=5)  # the one slot: as if an answer were running
    try:
        with httpx.Client(base_url=url, timeout=30) as c:
            times = []
            for _ in range(20):
                started = time.perf_counter()
                assert c.get("/healthz").status_code == 200
                times.append(time.perf_counter() - started)
            assert sorted(times)[18] < 0.05
            busy = c.post("/api/chat", json={"message": "Is magnesium safe with clonazepam?"})
            assert _error(busy, 503)["message"].startswith("the assistant is busy")
    finally:
        lazy._slots.release()
    with httpx.Client(base_url=url, timeout=120) as c:
        assert c.post("/api/chat", json={"message": "Is magnesium safe?"}).status_code == 200


def test_a_body_that_never_arrives_gets_408_and_the_connection_closes(
    served: tuple[str, Any]
) -> None:
    url, _ = served
    parts = urlparse(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"mess")
        started = time.monotonic()
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
        assert time.monotonic() - started < 8
    assert data.startswith(b"HTTP/1.1 408") and b"request_timeout" in data


@pytest.mark.parametrize("path", ["/", "/api/chat", "/v1/chat/completions", "/healthz"])
def test_trace_gets_the_error_shape(served: tuple[str, Any], path: str) -> None:
    url, _ = served
    with httpx.Client(base_url=url) as c:
        assert _error(c.request("TRACE", path), 405)["code"] == "method_not_allowed"


def test_openapi_lists_every_error_status_with_the_error_schema(served: tuple[str, Any]) -> None:
    url, _ = served
    with httpx.Client(base_url=url) as c:
        spec = c.get("/openapi.json").json()
    assert "ErrorReply" in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        if not path.startswith(("/api", "/v1")):
            continue
        for op in ops.values():
            statuses = set(op["responses"])
            assert {"400", "401", "404", "408", "413", "415", "422", "429", "500",
                    "503"} <= statuses, (path, statuses)
            assert "ErrorReply" in str(op["responses"]["429"])
