"""The web server: one FastAPI app with the JSON API, the OpenAI-compatible API, the embeddable
widget, health checks and (mounted last, at ``/``) the Gradio chat UI.

``create_app(settings)`` builds the pipeline in a background thread at startup and warms it up;
``/healthz`` answers at once, ``/readyz`` turns 200 when the pipeline is ready, and requests that
arrive earlier wait for it (up to ``STARTUP_WAIT_S``) instead of failing.

Start-up and readiness are in ``serving.startup``, the middlewares in ``serving.middleware`` and
the error-to-JSON mapping in ``serving.errors``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.security import HTTPBearer

from assistant.core.errors import AssistantError
from assistant.core.protocols import Answerer
from assistant.core.settings import Settings
from assistant.serving.access import AccessGuard, Identifier, make_signer
from assistant.serving.api import build_api_router, build_openai_router
from assistant.serving.docs import add_offline_docs
from assistant.serving.errors import error_response, install_error_handlers
from assistant.serving.middleware import GUARDED_PREFIXES, ApiGuard, CatchAll
from assistant.serving.startup import LazyAnswerer, default_factory

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings, answerer: Answerer | None = None, *, ui: bool = True) -> FastAPI:
    """The whole web app. ``answerer`` None: build the real pipeline at startup (lazily).

    ``ui`` False leaves out the Gradio UI (API-only deployments and API tests).
    """
    from slowapi import Limiter

    lazy = LazyAnswerer(default_factory(settings) if answerer is None else lambda: answerer,
                        slots=settings.server.answer_workers,
                        busy_wait_s=settings.server.busy_wait_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lazy.start()
        yield

    app = FastAPI(title="Evidence assistant", version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  description="Answers only from retrieved evidence, with citations and safety "
                  "notes. Errors are JSON: {\"error\": {\"message\", \"type\", \"code\"}}.")
    app.state.answerer = lazy
    server = settings.server
    identify = Identifier(server.api_key, make_signer(
        server.api_key, server.session_secret, settings.sessions.ttl_hours * 3600),
        server.trusted_proxies)
    limiter = Limiter(key_func=lambda request: identify(
        {k.lower(): v for k, v in request.headers.items()},
        request.client.host if request.client else None).key, headers_enabled=False)
    app.state.limiter = limiter
    limit = limiter.shared_limit(settings.server.rate_limit, scope="api")
    install_error_handlers(app)
    app.add_middleware(CatchAll)
    app.add_middleware(ApiGuard, identify=identify, max_bytes=server.max_request_bytes,
                       body_timeout_s=server.body_timeout_s)
    app.add_middleware(AccessGuard, identify=identify, limit=server.rate_limit,
                       api_prefixes=GUARDED_PREFIXES,
                       cookie_max_age_s=int(settings.sessions.ttl_hours * 3600),
                       widget_origins=tuple(server.widget_origins))
    _add_cors(app, settings)
    _add_meta_routes(app, lazy)
    add_offline_docs(app)
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
            return error_response(405, f"method {request.method} not allowed on {path}; use "
                          f"{', '.join(allowed)}", "method_not_allowed",
                          {"Allow": ", ".join(allowed)})
        return error_response(404, f"no such endpoint: {path} (see /docs)", "not_found")

    for prefix in GUARDED_PREFIXES:
        app.add_api_route(f"{prefix}/{{rest:path}}", fallback, include_in_schema=False,
                          methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "TRACE"])


def _auth_doc(settings: Settings) -> list[Any]:
    """Shows the bearer scheme in /docs; ApiGuard does the actual check."""
    from fastapi import Depends

    return [Depends(HTTPBearer(auto_error=False))] if settings.server.api_key else []


def _add_cors(app: FastAPI, settings: Settings) -> None:
    from fastapi.middleware.cors import CORSMiddleware

    origins = [*settings.server.cors_origins, *settings.server.widget_origins]
    app.add_middleware(CORSMiddleware, allow_origins=origins,
                       allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Authorization", "Content-Type"], max_age=600)


def _add_meta_routes(app: FastAPI, lazy: LazyAnswerer) -> None:
    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process is up (on the event loop: no worker thread needed)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"description": "Not ready"}})
    async def readyz() -> JSONResponse:
        """Readiness: the pipeline is built, warmed up and its index opened."""
        if lazy.ready:
            return JSONResponse({"status": "ready"})
        if lazy.error is not None:
            message = (str(lazy.error) if isinstance(lazy.error, AssistantError)
                       else "failed to start; see the server log")
            return error_response(503, message, "not_ready")
        return error_response(503, "starting: building the pipeline and warming up", "not_ready")

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
    import gradio

    from assistant.serving.web import build_ui, page_options

    gradio.mount_gradio_app(app, build_ui(answerer, settings), path="/", **page_options())
