"""A REAL local HTTP server that fakes LLM chat APIs with scripted replies.

* ``POST /v1/chat/completions`` - the OpenAI chat-completions API, JSON or SSE streaming
  (``"stream": true`` in the request), as llama.cpp server / vLLM / OpenAI speak it.
* ``POST /api/chat`` - the Ollama chat API, JSON or NDJSON streaming.

Replies are scripted in order with ``server.push(Reply(...))``; when the script is empty the
``default`` reply is used. Every request body is kept in ``server.requests``.

    with FakeLLMServer() as server:
        server.push(Reply(content="Magnesium ... [1]."))
        ChatOpenAI(base_url=server.url, ...)
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted reply."""

    content: str = ""
    sleep: float = 0.0  # seconds before the first byte
    status: int = 200
    raw: bytes | None = None  # body sent verbatim instead of a well-formed reply
    empty_choices: bool = False  # {"choices": []}
    chunk_chars: int = 6  # characters per streamed chunk
    chunk_sleep: float = 0.0  # seconds between streamed chunks
    content_fn: Callable[[dict[str, Any]], str] | None = None  # content from the request body

    def text(self, body: dict[str, Any]) -> str:
        return self.content_fn(body) if self.content_fn else self.content


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            body = {}
        self.server.owner.requests.append({"path": self.path, "body": body})
        reply = self.server.owner.next_reply()
        try:
            if reply.sleep:
                time.sleep(reply.sleep)
            if self.path.rstrip("/").endswith("/chat/completions"):
                self._openai(body, reply)
            elif self.path.rstrip("/") == "/api/chat":
                self._ollama(body, reply)
            else:
                self._send(404, b'{"error": "not found"}', "application/json")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (time-out): fine

    def _send(self, status: int, payload: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _openai(self, body: dict[str, Any], reply: Reply) -> None:
        if reply.raw is not None and not body.get("stream"):
            self._send(reply.status, reply.raw, "application/json")
            return
        if reply.status != 200:
            self._send(reply.status, json.dumps({"error": {"message": "scripted"}}).encode(),
                       "application/json")
            return
        model = body.get("model", "fake")
        if body.get("stream"):
            self._openai_stream(model, reply, reply.text(body))
            return
        choices = [] if reply.empty_choices else [{
            "index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": reply.text(body)}}]
        self._send(200, json.dumps({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": choices,
        }).encode(), "application/json")

    def _openai_stream(self, model: str, reply: Reply, text: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if reply.raw is not None:  # malformed SSE, sent verbatim
            self.wfile.write(reply.raw)
            self.wfile.flush()
            return

        def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
            choices = [] if reply.empty_choices else [
                {"index": 0, "delta": delta, "finish_reason": finish}]
            data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                    "created": int(time.time()), "model": model, "choices": choices}
            return f"data: {json.dumps(data)}\n\n".encode()

        self.wfile.write(event({"role": "assistant", "content": ""}))
        for i in range(0, len(text), reply.chunk_chars):
            self.wfile.write(event({"content": text[i:i + reply.chunk_chars]}))
            self.wfile.flush()
            if reply.chunk_sleep:
                time.sleep(reply.chunk_sleep)
        self.wfile.write(event({}, "stop"))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _ollama(self, body: dict[str, Any], reply: Reply) -> None:
        if reply.raw is not None:
            self._send(reply.status, reply.raw, "application/json")
            return
        model = body.get("model", "fake")

        def message(content: str, done: bool) -> dict[str, Any]:
            out: dict[str, Any] = {"model": model, "created_at": "2026-01-01T00:00:00Z",
                                   "message": {"role": "assistant", "content": content},
                                   "done": done}
            if done:
                out["done_reason"] = "stop"
            return out

        if body.get("stream", True):
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.end_headers()
            text = reply.text(body)
            for i in range(0, len(text), reply.chunk_chars):
                line = json.dumps(message(text[i:i + reply.chunk_chars], False)) + "\n"
                self.wfile.write(line.encode())
                self.wfile.flush()
            self.wfile.write((json.dumps(message("", True)) + "\n").encode())
            self.wfile.flush()
            return
        self._send(200, json.dumps(message(reply.text(body), True)).encode(), "application/json")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeLLMServer


class FakeLLMServer:
    """Start/stop a scripted fake LLM server on a free loopback port."""

    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply(status=500)
        self.requests: list[dict[str, Any]] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """OpenAI-compatible base URL."""
        return f"{self.root}/v1"

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()

    def next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    """A loopback port nobody listens on (for connection-refused tests)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
