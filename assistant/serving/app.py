"""The web server: one FastAPI app with the JSON API, the OpenAI-compatible API, the embeddable
widget, health checks and (mounted last, at ``/``) the Gradio chat UI.

``create_app(settings)`` builds the pipeline in a background thread at startup and warms it up;
``/healthz`` answers at once, ``/readyz`` turns 200 when the pipeline is ready, and requests that
arrive earlier wait for it (up to ``STARTUP_WAIT_S``) instead of failing.
"""

from __future__ import annotations

import hmac
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.core.errors import AssistantError
from assistant.core.models import Answer, Turn
from assistant.core.protocols import Answerer
from assistant.core.settings import Settings
from assistant.serving.api import GENERIC_500, build_api_router, build_openai_router, error_body

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
GUARDED_PREFIXES = ("/api", "/v1")
STARTUP_WAIT_S = 180.0


class NotReady(AssistantError):
    """The assistant is still starting (or failed to start)."""

    http_status = 503


class LazyAnswerer:
    """An Answerer that is built and warmed up in a background thread.

    Calls made before it is ready wait for it; if building failed, they raise that error
    (e.g. IndexMissing: "run `assistant index`"), which the API turns into a 503.
    """

    def __init__(self, factory: Callable[[], Answerer], wait_s: float = STARTUP_WAIT_S) -> None:
        self._factory = factory
        self._wait_s = wait_s
        self._ready = threading.Event()
        self._answerer: Answerer | None = None
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._build, name="warm-up", daemon=True)
            self._thread.start()

    def _build(self) -> None:
        started = time.perf_counter()
        try:
            answerer = self._factory()
            warm_up = getattr(answerer, "warm_up", None)
            if callable(warm_up):
                warm_up()
            self._answerer = answerer
            log.info("assistant ready in %.1f s", time.perf_counter() - started)
        except BaseException as err:  # kept and re-raised to callers as a clear 503
            self.error = err
            if not isinstance(err, AssistantError):
                log.exception("assistant failed to start")
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._answerer is not None

    def get(self) -> Answerer:
        self.start()
        if not self._ready.wait(self._wait_s):
            raise NotReady("the assistant is still starting; please try again in a minute")
        if self._answerer is None:
            if isinstance(self.error, AssistantError):
                raise self.error
            raise NotReady("the assistant failed to start; the error is in the server log")
        return self._answerer

    def ask(self, message: str, session_id: str | None = None) -> Answer:
        return self.get().ask(message, session_id)

    def stream(self, message: str, session_id: str | None = None) -> Iterator[str | Answer]:
        return self.get().stream(message, session_id)

    def new_session(self) -> str:
        return self.get().new_session()

    def history(self, session_id: str) -> list[Turn]:
        return self.get().history(session_id)


def _default_factory(settings: Settings) -> Callable[[], Answerer]:
    def build() -> Answerer:
        from assistant.answering.pipeline import Assistant

        return Assistant.from_settings(settings)

    return build


# --- request guard: auth, content type, size -----------------------------------------------


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

    def __init__(self, app: ASGIApp, api_key: str | None, max_bytes: int) -> None:
        self.app = app
        self.api_key = api_key
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (scope["type"] != "http" or scope["method"] == "OPTIONS"
                or not any(path == p or path.startswith(p + "/") for p in GUARDED_PREFIXES)):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.api_key and not self._authorized(headers.get("authorization", "")):
            await _send_json(scope, send, 401, "missing or invalid API key: send "
                             "'Authorization: Bearer <key>'", "invalid_api_key",
                             {"WWW-Authenticate": "Bearer"})
            return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            await self._guard_body(scope, receive, send, headers)
            return
        await self.app(scope, receive, send)

    def _authorized(self, authorization: str) -> bool:
        scheme, _, token = authorization.partition(" ")
        return (scheme.lower() == "bearer" and self.api_key is not None
                and hmac.compare_digest(token.strip().encode(), self.api_key.encode()))

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
            message = await receive()
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
            await _error(500, GENERIC_500, "internal_error")(scope, receive, send)


# --- error handlers ----------------------------------------------------------------------------


def _error(status: int, message: str, code: str, headers: dict[str, str] | None = None,
           param: str | None = None) -> JSONResponse:
    body = error_body(status, message, code)
    if param is not None:
        body["param"] = param
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _validation_message(err: RequestValidationError) -> tuple[int, str, str, str | None]:
    errors = err.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        reason = (detail.get("ctx") or {}).get("error", "")
        message = f"request body is not valid JSON ({reason})" if reason else \
            "request body is not valid JSON"
        return 400, message, "invalid_json", None
    parts, first_param = [], None
    for e in errors[:5]:
        loc = [str(p) for p in e.get("loc", ()) if p != "body"]
        where = ".".join(loc) or "body"
        first_param = first_param or where
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return 422, "invalid request: " + "; ".join(parts), "invalid_request", first_param


def install_error_handlers(app: FastAPI) -> None:
    """Every error becomes ``{"error": {"message", "type", "code"}}`` with the right status."""
    from slowapi.errors import RateLimitExceeded

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, err: RequestValidationError) -> JSONResponse:
        status, message, code, param = _validation_message(err)
        return _error(status, message, code, param=param)

    @app.exception_handler(RateLimitExceeded)
    async def on_rate_limit(request: Request, err: RateLimitExceeded) -> JSONResponse:
        retry = str(err.limit.limit.get_expiry()) if err.limit is not None else "60"
        return _error(429, f"rate limit exceeded ({err.detail}); slow down and retry later",
                      "rate_limit_exceeded", {"Retry-After": retry})

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, err: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(err.status_code, "http_error")
        return _error(err.status_code, str(err.detail), code, dict(err.headers or {}))

    @app.exception_handler(AssistantError)
    async def on_assistant(request: Request, err: AssistantError) -> JSONResponse:
        if err.http_status >= 500:
            log.warning("%s: %s", type(err).__name__, err)
        return _error(err.http_status, str(err), _snake(type(err).__name__))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, err: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path,
                  exc_info=(type(err), err, err.__traceback__))
        return _error(500, GENERIC_500, "internal_error")


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


# --- the app -----------------------------------------------------------------------------------


def create_app(settings: Settings, answerer: Answerer | None = None, *, ui: bool = True) -> FastAPI:
    """The whole web app. ``answerer`` None: build the real pipeline at startup (lazily).

    ``ui`` False leaves out the Gradio UI (API-only deployments and API tests).
    """
    from slowapi import Limiter
    from slowapi.util import get_remote_address

    lazy = LazyAnswerer(_default_factory(settings) if answerer is None else lambda: answerer)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lazy.start()
        yield

    app = FastAPI(title="Evidence assistant", version="0.1.0", lifespan=lifespan,
                  description="Answers only from retrieved evidence, with citations and safety "
                  "notes. Errors are JSON: {\"error\": {\"message\", \"type\", \"code\"}}.")
    app.state.answerer = lazy
    limiter = Limiter(key_func=get_remote_address, headers_enabled=False)
    app.state.limiter = limiter
    limit = limiter.shared_limit(settings.server.rate_limit, scope="api")
    install_error_handlers(app)
    app.add_middleware(CatchAll)
    app.add_middleware(ApiGuard, api_key=settings.server.api_key,
                       max_bytes=settings.server.max_request_bytes)
    _add_cors(app, settings)
    _add_meta_routes(app, lazy)
    routers = [build_api_router(lazy, settings, limit), build_openai_router(lazy, settings, limit)]
    for router in routers:
        app.include_router(router, dependencies=_auth_doc(settings))
    _add_api_fallback(app, [r for router in routers for r in router.routes])
    if ui:
        _mount_ui(app, lazy, settings)
    return app


def _add_api_fallback(app: FastAPI, api_routes: list[Any]) -> None:
    """JSON 404/405 for anything else under /api and /v1, which would otherwise fall through to
    the UI mounted at ``/``."""
    from fastapi.routing import APIRoute

    routes = [r for r in api_routes if isinstance(r, APIRoute)]

    async def fallback(request: Request, rest: str) -> JSONResponse:
        path = request.url.path
        allowed = sorted({m for r in routes if r.path_regex.match(path) for m in (r.methods or ())})
        if allowed:
            return _error(405, f"method {request.method} not allowed on {path}; use "
                          f"{', '.join(allowed)}", "method_not_allowed",
                          {"Allow": ", ".join(allowed)})
        return _error(404, f"no such endpoint: {path} (see /docs)", "not_found")

    for prefix in GUARDED_PREFIXES:
        app.add_api_route(f"{prefix}/{{rest:path}}", fallback, include_in_schema=False,
                          methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])


def _auth_doc(settings: Settings) -> list[Any]:
    """Shows the bearer scheme in /docs; ApiGuard does the actual check."""
    from fastapi import Depends

    return [Depends(HTTPBearer(auto_error=False))] if settings.server.api_key else []


def _add_cors(app: FastAPI, settings: Settings) -> None:
    from fastapi.middleware.cors import CORSMiddleware

    app.add_middleware(CORSMiddleware, allow_origins=list(settings.server.cors_origins),
                       allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type"], max_age=600)


def _add_meta_routes(app: FastAPI, lazy: LazyAnswerer) -> None:
    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "Not ready"}})
    def readyz() -> JSONResponse:
        """Readiness: the pipeline is built, warmed up and its index opened."""
        if lazy.ready:
            return JSONResponse({"status": "ready"})
        if lazy.error is not None:
            message = (str(lazy.error) if isinstance(lazy.error, AssistantError)
                       else "failed to start; see the server log")
            return _error(503, message, "not_ready")
        return _error(503, "starting: building the pipeline and warming up", "not_ready")

    @app.get("/widget.js", tags=["widget"], response_class=FileResponse)
    def widget() -> FileResponse:
        """The embeddable chat widget: ``<script src="http://host:7860/widget.js"></script>``."""
        return FileResponse(STATIC_DIR / "widget.js",
                            media_type="text/javascript; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    @app.get("/demo", tags=["widget"], response_class=FileResponse)
    def demo() -> FileResponse:
        """A help-desk-like page (with hostile CSS) that embeds the widget."""
        return FileResponse(STATIC_DIR / "demo.html", media_type="text/html; charset=utf-8")


def _mount_ui(app: FastAPI, answerer: Answerer, settings: Settings) -> None:
    """The Gradio chat UI at ``/``, mounted last so the routes above win."""
    try:
        from assistant.serving.web import build_ui
    except ModuleNotFoundError as err:
        if err.name != "assistant.serving.web":
            raise
        log.warning("assistant.serving.web is not available; serving the API without the chat UI")
        return
    import gradio

    gradio.mount_gradio_app(app, build_ui(answerer, settings), path="/")


@contextmanager
def background_server(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a thread; yields the base URL.

    For tests and benchmarks: a real server, real sockets, stopped on exit.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
