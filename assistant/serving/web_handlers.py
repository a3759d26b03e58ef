"""The web chat's event handlers, separate from the layout (``web.py``) so they can be called
directly in tests.

Each browser tab keeps its conversation in a ``ChatSession`` (a gr.State). The list of the
browser's conversations lives in the browser (a gr.BrowserState, see ``Saved``): on reload the
current conversation is read back from the session store, so the transcript survives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.answering.validation import validate_message
from assistant.core.errors import AssistantError, InputError
from assistant.core.models import Answer, Turn
from assistant.core.protocols import Answerer
from assistant.core.settings import Settings
from assistant.serving.feedback import FeedbackStore, message_id
from assistant.serving.web_render import (
    ChatTurn,
    FileTextLookup,
    corpus_lookup,
    render_notice_html,
    render_transcript_html,
)

log = logging.getLogger(__name__)

BUSY_MESSAGE = "The assistant is busy, please try again in a moment."
FAILED_MESSAGE = "Something went wrong while answering. Please try again."
THANKS_MESSAGE = "Thanks, your feedback was saved."
COPIED_MESSAGE = "Copied to the clipboard."
MAX_SAVED = 50
TITLE_CHARS = 60
#: What the browser keeps: {"current": session id | None, "conversations": [{"id", "title"}]}.
Saved = dict[str, Any]


@dataclass
class ChatSession:
    """One browser tab's conversation (kept in a gr.State)."""

    session_id: str | None = None
    turns: list[ChatTurn] = field(default_factory=list)
    rejected: bool = False


def empty_saved() -> Saved:
    return {"current": None, "conversations": []}


def _clean_saved(saved: Any) -> Saved:
    """The browser's value, checked (it comes from the client: anything else is dropped)."""
    if not isinstance(saved, dict):
        return empty_saved()
    current = saved.get("current")
    convs = [c for c in saved.get("conversations") or [] if isinstance(c, dict)
             and isinstance(c.get("id"), str) and isinstance(c.get("title"), str)]
    return {"current": current if isinstance(current, str) else None,
            "conversations": convs[:MAX_SAVED]}


def conversation_choices(saved: Saved) -> list[tuple[str, str]]:
    """(label, session id) pairs for the conversations list, newest first."""
    return [(c["title"], c["id"]) for c in saved["conversations"]]


def turn_to_chat(turn: Turn, session_id: str, number: int) -> ChatTurn:
    """A stored turn as the web chat shows it."""
    answer = Answer(question=turn.user, standalone_question=turn.standalone_question,
                    answer=turn.answer, refused=turn.refused, citations=turn.citations,
                    session_id=session_id)
    return ChatTurn(user=turn.user, answer=answer, started=True,
                    message_id=message_id(session_id, number))


class ChatHandlers:
    """The event handlers of the chat page."""

    def __init__(self, answerer: Answerer, settings: Settings,
                 lookup: FileTextLookup | None = None) -> None:
        self.answerer = answerer
        self.settings = settings
        self.lookup = lookup or corpus_lookup(settings.corpus_dir)
        self.feedback = FeedbackStore.from_settings(settings)
        self.is_busy: Callable[[], bool] = lambda: False

    def render(self, chat: ChatSession) -> str:
        return render_transcript_html(chat.turns, self.lookup)

    # --- asking -------------------------------------------------------------------------------
    def admit(self, message: str, chat: ChatSession | None) -> tuple[ChatSession, str, Any, str]:
        """Fast, unqueued: validate, check the queue, show the question with a status line.

        A message that can't be sent leaves everything as it was (the text stays in the box)
        and shows why; ``gate`` then stops the chain before it reaches the queue.
        """
        import gradio as gr

        chat = chat or ChatSession()
        chat.rejected = True
        try:
            text = validate_message(message or "", self.settings)
        except InputError as err:
            return chat, gr.skip(), gr.skip(), render_notice_html(str(err), "error")
        if not self._free(chat):
            notice = render_notice_html("Please wait for the current answer to finish.", "busy")
            return chat, gr.skip(), gr.skip(), notice
        if self.is_busy():
            return chat, gr.skip(), gr.skip(), render_notice_html(BUSY_MESSAGE, "busy")
        chat.rejected = False
        chat.turns.append(ChatTurn(user=text))
        return chat, self.render(chat), "", ""

    @staticmethod
    def _free(chat: ChatSession) -> bool:
        """No answer is running; a turn never picked up (e.g. Gradio's own queue check turned
        it away) is dropped."""
        if chat.turns and chat.turns[-1].answer is None:
            if chat.turns[-1].started:
                return False
            chat.turns.pop()
        return True

    @staticmethod
    def gate(chat: ChatSession) -> None:
        """Stop the event chain (silently) when the previous step turned the message away."""
        import gradio as gr

        if chat.rejected:
            raise gr.Error("not sent", visible=False, print_exception=False)

    def respond(self, chat: ChatSession) -> Iterator[tuple[ChatSession, str, str, Any]]:
        """Queued: stream the reply to the last question into the transcript."""
        import gradio as gr

        if not chat.turns or chat.turns[-1].answer is not None or chat.turns[-1].started:
            yield chat, self.render(chat), "", gr.skip()
            return
        turn = chat.turns[-1]
        turn.started = True
        try:
            if chat.session_id is None:
                chat.session_id = self.answerer.new_session()
            for piece in self.answerer.stream(turn.user, chat.session_id):
                if isinstance(piece, Answer):
                    turn.answer = piece
                    turn.message_id = self._message_id(chat)
                else:
                    turn.partial += piece
                yield chat, self.render(chat), "", gr.skip()
        except AssistantError as err:
            yield self._undo(chat, str(err))
            return
        except Exception:
            log.exception("answering failed")
            yield self._undo(chat, FAILED_MESSAGE)
            return
        if turn.answer is None:
            yield self._undo(chat, FAILED_MESSAGE)

    def _message_id(self, chat: ChatSession) -> str:
        """The id of the answer just stored: its number among the session's stored turns."""
        assert chat.session_id is not None
        try:
            stored = len(self.answerer.history(chat.session_id))
        except AssistantError:
            stored = 0
        answered = sum(1 for t in chat.turns if t.answer is not None)
        return message_id(chat.session_id, stored or answered)

    def _undo(self, chat: ChatSession, message: str) -> tuple[ChatSession, str, str, str]:
        """Drop the unanswered turn, show why, and give the user their text back."""
        turn = chat.turns.pop()
        return chat, self.render(chat), render_notice_html(message, "error"), turn.user

    # --- per-message actions ------------------------------------------------------------------
    def action(self, data: dict[str, Any], chat: ChatSession) -> tuple[ChatSession, Any, str]:
        """A click in an answer's action row: copy, up/down (+ comment) or regenerate.

        Returns (chat, transcript, notice). Regenerate re-asks the latest question (the chain
        continues to ``respond``); everything else stops at ``gate``.
        """
        import gradio as gr

        chat.rejected = True
        kind = str(data.get("action", ""))
        target = next((t for t in chat.turns if t.message_id == data.get("message")), None)
        if target is None or target.answer is None or target.message_id is None:
            return chat, gr.skip(), render_notice_html("That answer is no longer shown.", "error")
        try:
            if kind in ("up", "down"):
                self.feedback.record(
                    session_id=chat.session_id, question=target.user,
                    answer=target.answer.answer, citations=target.answer.citations,
                    rating=kind, comment=str(data.get("comment") or ""),
                    message=target.message_id)
                return chat, gr.skip(), render_notice_html(THANKS_MESSAGE, "thanks")
            if kind == "copy":
                self.feedback.record_action(target.message_id, "copy")
                return chat, gr.skip(), render_notice_html(COPIED_MESSAGE, "thanks")
            if kind == "regenerate" and target is chat.turns[-1]:
                if not self._free(chat) or self.is_busy():
                    return chat, gr.skip(), render_notice_html(BUSY_MESSAGE, "busy")
                self.feedback.record_action(target.message_id, "regenerate")
                chat.turns[-1] = ChatTurn(user=target.user)
                chat.rejected = False
                return chat, self.render(chat), ""
        except AssistantError as err:
            return chat, gr.skip(), render_notice_html(str(err), "error")
        return chat, gr.skip(), render_notice_html("Unknown action.", "error")

    # --- conversations ------------------------------------------------------------------------
    def load(self, saved: Any, chat: ChatSession | None = None
             ) -> tuple[ChatSession, Any, Saved, Any]:
        """Page load: restore the current conversation from the session store (unless the tab
        already started one: a question sent before this event arrived wins)."""
        import gradio as gr

        saved = _clean_saved(saved)
        if chat is not None and chat.turns:
            return chat, gr.skip(), saved, self._choices(saved, chat)
        chat = ChatSession()
        if saved["current"]:
            chat = self._restore(saved["current"]) or ChatSession()
            if chat.session_id is None:
                saved = self._forget(saved, saved["current"])
        return chat, self.render(chat), saved, self._choices(saved, chat)

    def _restore(self, session_id: str) -> ChatSession | None:
        try:
            turns = self.answerer.history(session_id)
        except AssistantError:
            return None
        return ChatSession(session_id=session_id, turns=[
            turn_to_chat(t, session_id, n) for n, t in enumerate(turns, 1)])

    def remember(self, chat: ChatSession, saved: Any) -> tuple[Saved, Any]:
        """After an answer: make this conversation the browser's current one, listed first."""
        saved = _clean_saved(saved)
        if chat.session_id is None or not chat.turns:
            return saved, self._choices(saved, chat)
        others = [c for c in saved["conversations"] if c["id"] != chat.session_id]
        first = chat.turns[0].user
        title = first if len(first) <= TITLE_CHARS else first[:TITLE_CHARS - 1] + "…"
        saved = {"current": chat.session_id,
                 "conversations": [{"id": chat.session_id, "title": title}, *others]}
        return _clean_saved(saved), self._choices(saved, chat)

    def switch(self, session_id: Any, chat: ChatSession, saved: Any
               ) -> tuple[ChatSession, str, str, Saved, Any]:
        """Open an earlier conversation from the list."""
        saved = _clean_saved(saved)
        if not isinstance(session_id, str) or session_id == chat.session_id:
            return chat, self.render(chat), "", saved, self._choices(saved, chat)
        restored = self._restore(session_id)
        if restored is None:
            saved = self._forget(saved, session_id)
            notice = render_notice_html("That conversation is no longer stored.", "error")
            return chat, self.render(chat), notice, saved, self._choices(saved, chat)
        saved["current"] = session_id
        return restored, self.render(restored), "", saved, self._choices(saved, restored)

    def reset(self, saved: Any) -> tuple[ChatSession, str, str, Saved, Any]:
        """New conversation (the earlier ones stay in the list)."""
        saved = _clean_saved(saved)
        saved["current"] = None
        chat = ChatSession()
        return chat, self.render(chat), "", saved, self._choices(saved, chat)

    def delete(self, chat: ChatSession, saved: Any) -> tuple[ChatSession, str, str, Saved, Any]:
        """Remove the open conversation from this browser's list and start a new one."""
        saved = _clean_saved(saved)
        if chat.session_id:
            saved = self._forget(saved, chat.session_id)
        return self.reset(saved)

    @staticmethod
    def _forget(saved: Saved, session_id: str) -> Saved:
        convs = [c for c in saved["conversations"] if c["id"] != session_id]
        current = None if saved["current"] == session_id else saved["current"]
        return {"current": current, "conversations": convs}

    @staticmethod
    def _choices(saved: Saved, chat: ChatSession) -> Any:
        import gradio as gr

        return gr.update(choices=conversation_choices(saved), value=chat.session_id)
