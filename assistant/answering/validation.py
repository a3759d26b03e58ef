"""The one check of a user message, used by the pipeline, the web UI and both HTTP APIs.

Every entry point rejects the same messages with the same words; the pipeline turns the
InputError into a guarded reply, the web UI into a notice and the APIs into a 400.
"""

from __future__ import annotations

from assistant.core.errors import InputError
from assistant.core.settings import Settings

#: More control characters than this (besides newline, return and tab) reads as binary data.
MAX_CONTROL_CHARS = 8

_SAFE = r"[^\x00-\x08\x0b\x0c\x0e-\x1f]"
#: The APIs' schema for a message: at least one visible character and no control characters
#: besides tab, newline and return. Stricter than ``validate_message``, so a message that matches
#: it (and is within the length limit) is never refused by it.
MESSAGE_PATTERN = rf"^{_SAFE}*[^\s\x00-\x1f]{_SAFE}*$"


def validate_message(message: object, settings: Settings) -> str:
    """The message as stripped text, or InputError with a clear reason."""
    if not isinstance(message, str):
        raise InputError("the message must be text")
    controls = sum(ch < " " and ch not in "\n\r\t" for ch in message)
    if "\x00" in message or controls > MAX_CONTROL_CHARS:
        raise InputError("the message looks like binary data, not text")
    text = message.strip()
    if not text:
        raise InputError("the message is empty: type a question")
    limit = settings.answer.max_message_chars
    if len(text) > limit:
        raise InputError(f"the message is too long ({len(text)} characters; the limit is {limit})")
    return text
