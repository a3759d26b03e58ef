"""The OpenAI chat-completions wire format, mapped onto our Answerer.

Request: ``model``, ``messages[]``, ``stream``, optional ``user`` and an extra ``session_id``.
The last user message is the question (messages after it, e.g. an assistant prefill, are
ignored); a request without one, or whose user message has no visible text, is a 422.
Earlier *user* messages are the conversation so far; they are mapped onto one of our sessions
so that follow-ups are understood (``serving.v1_sessions.SessionMap``: never by message text).
System/developer messages are ignored on purpose: the grounding and safety policy is not
negotiable from the request.

Response: the standard ``chat.completion`` object whose ``message.content`` is the full reply
(inline ``[n]`` markers and the safety notes) followed by a sources footer (``[n] title: “quote”``,
so any OpenAI client shows what the markers point to; ``sources_footer: false`` in the request
leaves it out), plus our extras: ``message.citations``, top-level ``citations`` and
``x_assistant`` (session id, refused, caveats, retrieved spans, latency). ``usage`` counts tokens
with the embedding model's tokenizer: the request's messages (prompt) and the content (completion).
Streaming sends ``chat.completion.chunk`` objects; the final chunk carries the extras and usage.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from assistant.answering.sessions import SESSION_ID_PATTERN
from assistant.answering.validation import MESSAGE_PATTERN
from assistant.core.errors import InputError
from assistant.core.models import Answer
from assistant.core.settings import Settings

TokenCounter = Callable[[str], int]

MODEL_ID = "evidence-assistant"
MAX_MESSAGES = 100
MAX_CONTENT_CHARS = 32_000
MAX_PARTS = 20


class TextPart(BaseModel):
    """One part of a multi-part message; only text is supported."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["text"]
    text: str = Field(max_length=MAX_CONTENT_CHARS)


class UserTextPart(TextPart):
    """A part of a user message: visible text, no control characters."""

    text: str = Field(max_length=MAX_CONTENT_CHARS, pattern=MESSAGE_PATTERN)


class ChatMessage(BaseModel):
    """A system, developer or assistant message (ignored apart from its place in the list).
    Tool and function fields are not supported (no tools here)."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "developer", "assistant"]
    content: Annotated[str, Field(max_length=MAX_CONTENT_CHARS)] | list[TextPart] | None = None
    name: str | None = Field(None, max_length=64)
    refusal: str | None = None

    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)


class UserMessage(ChatMessage):
    """A user message: its content is required and must have visible text."""

    role: Literal["user"]  # type: ignore[assignment]
    content: (Annotated[str, Field(max_length=MAX_CONTENT_CHARS, pattern=MESSAGE_PATTERN)]  # type: ignore[assignment]
              | Annotated[list[UserTextPart], Field(min_length=1, max_length=MAX_PARTS)])
    refusal: None = None


AnyMessage = Annotated[UserMessage | ChatMessage, Field(discriminator="role")]
_HAS_USER: dict[str, Any] = {"contains": {
    "type": "object", "properties": {"role": {"const": "user"}}, "required": ["role"]}}


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    include_usage: bool | None = None


class ChatCompletionRequest(BaseModel):
    """The accepted subset of OpenAI's request. Sampling knobs are accepted and ignored: answers
    are drawn from evidence, not sampled. Unknown fields are rejected, as OpenAI does."""

    model_config = ConfigDict(extra="forbid")
    model: str = Field(MODEL_ID, max_length=200, description="Any name; we serve one model.")
    messages: list[AnyMessage] = Field(min_length=1, max_length=MAX_MESSAGES,
                                       json_schema_extra=_HAS_USER,
                                       description="At least one user message.")
    stream: bool = False
    stream_options: StreamOptions | None = None
    user: str | None = Field(None, max_length=200, description="End-user id; scopes sessions.")
    sources_footer: bool = Field(True, description="Extra: end the content with the numbered "
                                 "sources (title and quote of each [n]).")
    session_id: str | None = Field(
        None, pattern=SESSION_ID_PATTERN,
        description="Extra: continue this session of ours explicitly."
    )
    n: int = Field(1, ge=1, le=1, description="Only one choice is produced.")
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    top_p: float | None = Field(None, ge=0.0, le=1.0)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    metadata: dict[str, str] | None = None

    @field_validator("messages")
    @classmethod
    def _has_user(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        if not any(isinstance(m, UserMessage) for m in messages):
            raise ValueError("at least one message must have role 'user': the last one is the "
                             "question")
        return messages

    def question_and_history(self) -> tuple[str, list[str]]:
        """The last user message and the earlier user messages, oldest first (messages after
        the last user message, such as an assistant prefill, are ignored)."""
        users = [m.text() for m in self.messages if m.role == "user"]
        if not users:
            raise InputError("at least one message must have role 'user': it is the question")
        return users[-1], [text for text in users[:-1] if text.strip()]


def request_model(max_chars: int) -> type[ChatCompletionRequest]:
    """``ChatCompletionRequest`` whose user messages are declared (and checked) at most
    ``max_chars`` long, the longest question the answerer accepts: one text part up to that
    length, or up to ``MAX_PARTS`` parts of an equal share each."""
    def part(limit: int, name: str) -> Any:
        return create_model(name, __base__=UserTextPart, text=(
            str, Field(max_length=limit, pattern=MESSAGE_PATTERN)))

    one: Any = list[part(max_chars, "UserTextPart")]  # type: ignore[misc]
    many: Any = list[part(max_chars // MAX_PARTS, "UserTextShare")]  # type: ignore[misc]
    text: Any = Annotated[str, Field(max_length=max_chars, pattern=MESSAGE_PATTERN)]
    content: Any = (text | Annotated[one, Field(min_length=1, max_length=1)]
                    | Annotated[many, Field(min_length=2, max_length=MAX_PARTS)])
    user: Any = create_model("UserMessage", __base__=UserMessage, content=(content, ...))
    messages: Any = list[Annotated[user | ChatMessage, Field(discriminator="role")]]
    return create_model("ChatCompletionRequest", __base__=ChatCompletionRequest, messages=(
        messages, Field(min_length=1, max_length=MAX_MESSAGES, json_schema_extra=_HAS_USER,
                        description="At least one user message; the last one is the question.")))


def assistant_extras(answer: Answer, session_id: str) -> dict[str, Any]:
    """Our structured extras: everything a client needs to render citations and caveats."""
    record = answer.record()
    return {
        "session_id": session_id,
        "refused": record["refused"],
        "caveats": record["caveats"],
        "standalone_question": record["standalone_question"],
        "retrieved": record["retrieved"],
        "latency_ms": record["latency_ms"],
        "generator": answer.generator,
    }


def _envelope(kind: str, completion_id: str, created: int, model: str) -> dict[str, Any]:
    return {"id": completion_id, "object": kind, "created": created, "model": model,
            "system_fingerprint": None}


def new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def token_counter(settings: Settings) -> TokenCounter:
    """Counts tokens with the embedding model's tokenizer (loaded on first use)."""
    from assistant.indexing.modelpath import resolve_model_path
    from assistant.indexing.tokens import load_tokenizer

    def count(text: str) -> int:
        tokenizer = load_tokenizer(resolve_model_path(settings.embedding))
        return len(tokenizer.encode(text, add_special_tokens=False).ids) if text else 0

    return count


def sources_footer(answer: Answer) -> str:
    """The numbered sources as plain text: ``[n] title: “quote”``, one per line."""
    if not answer.citations:
        return ""
    lines = [f"[{c.id}] {c.title}: “{' '.join(c.quote.split())}”" for c in answer.citations]
    return "\n\nSources:\n" + "\n".join(lines)


def content_of(answer: Answer, request: ChatCompletionRequest) -> str:
    """``message.content``: the reply, then the sources footer unless the request turned it off."""
    return answer.answer + (sources_footer(answer) if request.sources_footer else "")


def usage(request: ChatCompletionRequest, content: str, count: TokenCounter) -> dict[str, int]:
    prompt = sum(count(m.text()) for m in request.messages)
    completion_tokens = count(content)
    return {"prompt_tokens": prompt, "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens}


def completion(answer: Answer, session_id: str, request: ChatCompletionRequest,
               count: TokenCounter, model: str = MODEL_ID) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` object for one Answer."""
    citations = [c.model_dump() for c in answer.citations]
    content = content_of(answer, request)
    body = _envelope("chat.completion", new_completion_id(), int(time.time()), model)
    body["choices"] = [{
        "index": 0,
        "message": {"role": "assistant", "content": content, "refusal": None,
                    "citations": citations},
        "finish_reason": "stop",
        "logprobs": None,
    }]
    body["usage"] = usage(request, content, count)
    body["citations"] = citations
    body["x_assistant"] = assistant_extras(answer, session_id)
    return body


def completion_chunks(
    pieces: Iterator[str | Answer], session_id: str, request: ChatCompletionRequest,
    count: TokenCounter, model: str = MODEL_ID
) -> Iterator[dict[str, Any]]:
    """``chat.completion.chunk`` objects for a streamed reply, ending with the extras.

    The streamed text always adds up to the final ``answer`` text: if the pieces turn out not to
    be a prefix of it (a backend rewrote its draft while verifying), the verified reply follows
    after a separator, so what the user ends up with is never unverified-only text.
    """
    completion_id, created = new_completion_id(), int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        body = _envelope("chat.completion.chunk", completion_id, created, model)
        body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish,
                            "logprobs": None}]
        return body

    yield chunk({"role": "assistant", "content": ""})
    sent = ""
    for piece in pieces:
        if isinstance(piece, Answer):
            yield from _closing_chunks(piece, sent, session_id, chunk, request, count)
            return
        if piece:
            sent += piece
            yield chunk({"content": piece})
    raise RuntimeError("the answer stream ended without a final Answer")


def _closing_chunks(
    answer: Answer, sent: str, session_id: str, chunk: Any, request: ChatCompletionRequest,
    count: TokenCounter,
) -> Iterator[dict[str, Any]]:
    content = content_of(answer, request)
    if content.startswith(sent):
        rest = content[len(sent):]
    else:
        rest = "\n\n---\nVerified answer:\n" + content
    if rest:
        yield chunk({"content": rest})
    last = chunk({}, finish="stop")
    last["usage"] = usage(request, sent + rest, count)
    last["citations"] = [c.model_dump() for c in answer.citations]
    last["x_assistant"] = assistant_extras(answer, session_id)
    yield last


def models_list() -> dict[str, Any]:
    """The ``GET /v1/models`` body: the one model we serve."""
    return {"object": "list", "data": [
        {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "evidence-assistant"}
    ]}
