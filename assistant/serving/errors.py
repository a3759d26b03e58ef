"""Error-to-JSON mapping: every error becomes ``{"error": {"message", "type", "code"}}`` with the
right HTTP status (validation, rate limit, HTTP, AssistantError, anything else)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from assistant.answering.sessions import SESSION_ID_PATTERN
from assistant.answering.validation import MESSAGE_PATTERN
from assistant.core.errors import AssistantError
from assistant.serving.api import GENERIC_500, error_body

log = logging.getLogger(__name__)


def error_response(status: int, message: str, code: str, headers: dict[str, str] | None = None,
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
        loc = [str(p) for p in e.get("loc", ()) if p != "body" and not _is_union_tag(p)]
        where = ".".join(loc) or "body"
        first_param = first_param or where
        pattern = (e.get("ctx") or {}).get("pattern") if e.get("type") == \
            "string_pattern_mismatch" else None
        parts.append(f"{where}: {_PATTERN_WORDS.get(pattern or '', e.get('msg', 'invalid'))}")
    return 422, "invalid request: " + "; ".join(dict.fromkeys(parts)), "invalid_request", \
        first_param


_PATTERN_WORDS = {
    MESSAGE_PATTERN: "must contain visible text and no control characters",
    SESSION_ID_PATTERN: "must be 1-64 letters, digits, '.', '_' or '-'",
}


def _is_union_tag(part: object) -> bool:
    """pydantic's names for the branch of a union in an error location (``constrained-str``,
    ``list[UserTextPart]``, ``function-after[...]``), which mean nothing to a client."""
    return isinstance(part, str) and ("[" in part or part.startswith("constrained-"))


def install_error_handlers(app: FastAPI) -> None:
    """Every error becomes ``{"error": {"message", "type", "code"}}`` with the right status."""
    from slowapi.errors import RateLimitExceeded

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, err: RequestValidationError) -> JSONResponse:
        status, message, code, param = _validation_message(err)
        return error_response(status, message, code, param=param)

    @app.exception_handler(RateLimitExceeded)
    async def on_rate_limit(request: Request, err: RateLimitExceeded) -> JSONResponse:
        retry = str(err.limit.limit.get_expiry()) if err.limit is not None else "60"
        return error_response(429, f"rate limit exceeded ({err.detail}); slow down and retry later",
                      "rate_limit_exceeded", {"Retry-After": retry})

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, err: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(err.status_code, "http_error")
        return error_response(err.status_code, str(err.detail), code, dict(err.headers or {}))

    @app.exception_handler(AssistantError)
    async def on_assistant(request: Request, err: AssistantError) -> JSONResponse:
        if err.http_status >= 500:
            log.warning("%s: %s", type(err).__name__, err)
        return error_response(err.http_status, str(err), _snake(type(err).__name__))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, err: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path,
                  exc_info=(type(err), err, err.__traceback__))
        return error_response(500, GENERIC_500, "internal_error")


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
