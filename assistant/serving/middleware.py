"""ASGI middlewares: ``ApiGuard`` (API key or signed cookie, JSON content type, body size on
``/api`` and ``/v1``)
and ``CatchAll`` (an unexpected exception becomes the generic 500 JSON)."""

from __future__ import annotations

import asyncio
import logging

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.serving.access import Identifier, peer_of
from assistant.serving.api import GENERIC_500, error_body
from assistant.serving.errors import error_response

log = logging.getLogger(__name__)

GUARDED_PREFIXES = ("/api", "/v1")


async def _send_json(scope: Scope, send: Send, status: int, message: str, code: str,
                     headers: dict[str, str] | None = None) -> None:
    response = JSONResponse({"error": error_body(status, message, code)}, status_code=status,
                            headers=headers)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                           and media.endswith("+json"))


class ApiGuard:
    """ASGI middleware for ``/api`` and ``/v1``: bearer token, JSON content type, body size.

    Runs before routing and body parsing, so an unauthenticated or oversized request is refused
    before any work. CORS preflights (OPTIONS) pass through to the CORS middleware.
    """

    def __init__(self, app: ASGIApp, identify: Identifier, max_bytes: int,
                 body_timeout_s: float = 10.0) -> None:
        self.app = app
        self.identify = identify
        self.max_bytes = max_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (scope["type"] != "http" or scope["method"] == "OPTIONS"
                or not any(path == p or path.startswith(p + "/") for p in GUARDED_PREFIXES)):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not self.identify(headers, peer_of(scope)).authorized:
            await _send_json(scope, send, 401, "missing or invalid API key: send "
                             "'Authorization: Bearer <key>'", "invalid_api_key",
                             {"WWW-Authenticate": "Bearer"})
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            await self._guard_body(scope, receive, send, headers)
            return
        await self.app(scope, receive, send)

    async def _guard_body(self, scope: Scope, receive: Receive, send: Send,
                          headers: dict[str, str]) -> None:
        content_type = headers.get("content-type", "")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, send)
            return
        body = b""
        more = True
        while more:
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout_s)
            except TimeoutError:
                await _send_json(scope, send, 408, "the request body did not arrive within "
                                 f"{self.body_timeout_s:g} s", "request_timeout",
                                 {"Connection": "close"})
                return
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await self._too_large(scope, send)
                return
        if body and not _is_json(content_type):
            await _send_json(scope, send, 415,
                             f"unsupported content type {content_type or '(none)'!r}: send JSON "
                             "with 'Content-Type: application/json'", "unsupported_media_type")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        await _send_json(scope, send, 413, f"request body too large (limit {self.max_bytes} bytes)",
                         "request_too_large")


class CatchAll:
    """Turns an unexpected exception into the generic 500 JSON *without* re-raising it, so the
    server logs it once and keeps the client's connection usable (Starlette's own catch-all
    re-raises, and uvicorn then drops the connection)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await error_response(500, GENERIC_500, "internal_error")(scope, receive, send)
