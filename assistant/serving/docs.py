"""``/docs`` (Swagger UI) served from local files, so the API docs work without network.

FastAPI's own ``/docs`` loads Swagger UI from a CDN; the app turns it off (``docs_url=None``)
and calls ``add_offline_docs``, FastAPI's "self-hosting JavaScript and CSS for docs" recipe with
the assets that the pinned ``fastapi-offline`` package ships.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS_PATH = "/docs-assets"


def assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def add_offline_docs(app: FastAPI, path: str = "/docs") -> None:
    """Swagger UI at ``path``, its JavaScript, CSS and icon under ``/docs-assets``."""
    app.mount(ASSETS_PATH, StaticFiles(directory=assets_dir()), name="docs-assets")
    redirect = f"{path}/oauth2-redirect"

    @app.get(path, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - API docs",
            oauth2_redirect_url=redirect,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon.png")

    @app.get(redirect, include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
