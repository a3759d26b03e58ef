"""HTTP routes: the help-desk JSON API (``/api``) and the OpenAI-compatible API (``/v1``).

Handlers are plain ``def`` functions (FastAPI runs them in its thread pool) because the
Answerer is synchronous, CPU-bound code. Errors are raised as AssistantError / HTTPException and
turned into JSON by the handlers in ``assistant.serving.errors``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from itertools import chain
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field, create_model
from starlette.concurrency import iterate_in_threadpool
from starlette.responses import Response

from assistant.answering.sessions import SESSION_ID_PATTERN
from assistant.answering.validation import MESSAGE_PATTERN, validate_message
from assistant.core.errors import AssistantError
from assistant.core.models import Answer, Citation, Turn
from assistant.core.protocols import Answerer
from assistant.core.settings import Settings
from assistant.serving import openai_compat as oc
from assistant.serving.feedback import FeedbackReply, FeedbackRequest, FeedbackStore, rate_turn
from assistant.serving.v1_sessions import SessionMap, SqlUsers, client_key

log = logging.getLogger(__name__)

HARD_MAX_MESSAGE_CHARS = 32_000


class ChatRequest(BaseModel):
    """A help-desk question, optionally continuing a conversation."""

    model_config = ConfigDict(extra="forbid")
    session_id: str | None = Field(
        None, pattern=SESSION_ID_PATTERN,
        description="Continue this conversation; omit to start a new one.",
    )
    message: str = Field(max_length=HARD_MAX_MESSAGE_CHARS, pattern=MESSAGE_PATTERN,
                         description="The user's question.")


def chat_request_model(max_chars: int) -> type[ChatRequest]:
    """``ChatRequest`` declaring (and checking) the answerer's message length limit."""
    return create_model("ChatRequest", __base__=ChatRequest, message=(str, Field(
        max_length=max_chars, pattern=MESSAGE_PATTERN, description="The user's question.")))


def with_body(func: Callable[..., Any], model: type[BaseModel]) -> Callable[..., Any]:
    """``func`` with its ``body`` parameter typed as ``model`` (built from the settings), which
    FastAPI validates the request body against and lists in the OpenAPI file."""
    func.__annotations__["body"] = model
    return func


class RetrievedSpan(BaseModel):
    source: str
    chunk_id: str
    score: float
    start: int
    end: int


class ChatReply(BaseModel):
    """The eval contract's result fields plus the session id and the reply split for display."""

    session_id: str
    question: str
    standalone_question: str
    answer: str = Field(description="The full reply as shown: body, then the safety notes.")
    body: str = Field(description="The reply without the safety notes.")
    safety_notes: str = Field(description="The safety notes part of `answer`.")
    refused: bool
    citations: list[Citation]
    caveats: list[str]
    retrieved: list[RetrievedSpan]
    latency_ms: float
    generator: str


class SessionInfo(BaseModel):
    session_id: str


class SessionHistory(BaseModel):
    session_id: str
    turns: list[Turn]


def chat_reply(answer: Answer, session_id: str) -> dict[str, Any]:
    """The ``/api/chat`` response body for one Answer."""
    body = answer.body or answer.answer
    notes = answer.answer[len(body):].strip() if answer.answer.startswith(body) else ""
    return {**answer.record(), "session_id": session_id, "body": body, "safety_notes": notes,
            "generator": answer.generator}


def build_api_router(
    answerer: Answerer, settings: Settings, limit: Callable[..., Any]
) -> APIRouter:
    """``/api``: chat and sessions. ``limit`` is the shared rate-limit decorator."""
    router = APIRouter(prefix="/api", tags=["help-desk API"], responses=ERROR_RESPONSES)

    max_chars = settings.answer.max_message_chars

    @router.post("/chat", response_model=ChatReply)
    @limit
    @lambda f: with_body(f, chat_request_model(max_chars))
    def chat(request: Request, body: ChatRequest) -> dict[str, Any]:
        """Answer one message; every reply carries citations and the three safety notes."""
        validate_message(body.message, settings)
        if body.session_id is not None:
            answerer.history(body.session_id)  # unknown id -> SessionNotFound (404)
            session_id = body.session_id
        else:
            session_id = answerer.new_session()
        answer = answerer.ask(body.message, session_id)
        return chat_reply(answer, answer.session_id or session_id)

    @router.post("/sessions", response_model=SessionInfo, status_code=201)
    @limit
    def new_session(request: Request) -> dict[str, str]:
        """Start a new conversation."""
        return {"session_id": answerer.new_session()}

    @router.get("/sessions/{session_id}", response_model=SessionHistory)
    @limit
    def history(request: Request,
                session_id: Annotated[str, Path(pattern=SESSION_ID_PATTERN)]) -> dict[str, Any]:
        """The turns of a conversation (404 for an unknown id)."""
        return {"session_id": session_id, "turns": answerer.history(session_id)}

    feedback = FeedbackStore.from_settings(settings)

    @router.post("/feedback", response_model=FeedbackReply, status_code=201)
    @limit
    def rate(request: Request, body: FeedbackRequest) -> FeedbackReply:
        """Thumbs up/down (and an optional comment) for one answer of a conversation; rating
        it again replaces the earlier rating. 404 for an unknown conversation or turn."""
        return rate_turn(feedback, answerer, body)

    return router


def build_openai_router(
    answerer: Answerer, settings: Settings, limit: Callable[..., Any]
) -> APIRouter:
    """``/v1``: OpenAI-compatible chat completions and models."""
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible API"], responses=ERROR_RESPONSES)
    sessions = SessionMap(max_replay=settings.answer.max_history_turns,
                          users=SqlUsers.from_settings(settings))
    count = oc.token_counter(settings)

    @router.get("/models")
    @limit
    def models(request: Request) -> dict[str, Any]:
        """The one model served."""
        return oc.models_list()

    @router.post("/chat/completions", response_model=None, responses={200: {
        "description": "A chat.completion object, or chat.completion.chunk events (SSE) with "
        "``stream: true``",
        "content": {"application/json": {"schema": {"type": "object"}},
                    "text/event-stream": {"schema": {}}}}})
    @limit
    @lambda f: with_body(f, oc.request_model(settings.answer.max_message_chars))
    def chat_completions(request: Request, body: oc.ChatCompletionRequest) -> Any:
        """Chat completions, non-streaming or SSE streaming (``stream: true``)."""
        question, earlier = body.question_and_history()
        validate_message(question, settings)
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        client = client_key(token, request.client.host if request.client else None)
        session_id = sessions.session_for(answerer, earlier, body.user, body.session_id, client)
        if not body.stream:
            return oc.completion(answerer.ask(question, session_id), session_id, body, count)
        pieces = answerer.stream(question, session_id)
        first = next(pieces)  # early errors (bad input, no index) become a proper status code
        chunks = oc.completion_chunks(chain([first], pieces), session_id, body, count)
        return sse_response(chunks)

    return router


def sse_response(chunks: Iterator[dict[str, Any]]) -> Response:
    """Server-sent events: ``data: {chunk}`` lines, an error event if it fails, ``data: [DONE]``."""
    from sse_starlette.sse import EventSourceResponse

    async def events() -> AsyncIterator[str]:
        try:
            async for chunk in iterate_in_threadpool(chunks):
                yield json.dumps(chunk, ensure_ascii=False)
        except AssistantError as err:
            yield json.dumps({"error": error_body(err.http_status, str(err), type(err).__name__)})
        except Exception:
            log.exception("streaming reply failed")
            yield json.dumps({"error": error_body(500, GENERIC_500, "internal_error")})
        yield "[DONE]"

    return EventSourceResponse(events(), sep="\n")


GENERIC_500 = "Something went wrong on our side; please try again. The error was logged."

_ERROR_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error", 408: "invalid_request_error", 413: "invalid_request_error",
    415: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_error",
    502: "backend_error", 503: "service_unavailable",
}


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: str
    param: str | None = None


class ErrorReply(BaseModel):
    """Every error the API returns: ``{"error": {"message", "type", "code"}}``."""

    error: ErrorDetail


#: Statuses every /api and /v1 route can return besides its success, for the OpenAPI file.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorReply, "description": text} for status, text in {
        400: "Bad input (e.g. an empty or over-long message)",
        401: "Missing or invalid API key (when one is set)",
        404: "Unknown session or endpoint", 405: "Method not allowed",
        408: "Request body not received in time", 413: "Request body too large",
        415: "Not JSON", 422: "Request does not match the schema", 429: "Rate limit exceeded",
        500: "Unexpected error (logged)", 502: "LLM backend unavailable",
        503: "Starting, busy or no index",
    }.items()}


def error_body(status: int, message: str, code: str) -> dict[str, Any]:
    """OpenAI-style error object: ``{"message", "type", "code"}``."""
    return {"message": message, "type": _ERROR_TYPES.get(status, "server_error"), "code": code}
