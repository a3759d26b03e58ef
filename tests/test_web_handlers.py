"""The web chat's event handlers and Blocks wiring, called directly (no browser).

The answerer here is a scripted fake: these tests are about the UI logic (streaming into the
transcript, bad input, busy queue, feedback), not about answering.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from assistant.core.models import Answer, Citation, Turn
from assistant.core.settings import Settings
from assistant.serving.web import build_ui, example_questions
from assistant.serving.web_handlers import BUSY_MESSAGE, ChatHandlers, ChatSession

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


class ScriptedAnswerer:
    def __init__(self, fail: Exception | None = None) -> None:
        self.fail = fail
        self.sessions: list[str] = []
        self.calls: list[tuple[str, str | None]] = []

    def new_session(self) -> str:
        self.sessions.append(uuid.uuid4().hex)
        return self.sessions[-1]

    def history(self, session_id: str) -> list[Turn]:
        return []

    def ask(self, message: str, session_id: str | None = None) -> Answer:
        return next(x for x in self.stream(message, session_id) if isinstance(x, Answer))

    def stream(self, message: str, session_id: str | None = None) -> Iterator[str | Answer]:
        self.calls.append((message, session_id))
        yield "Partial "
        if self.fail:
            raise self.fail
        cit = Citation(id="1", source="x.txt", title="X", quote="a quote", start=0, end=7)
        yield Answer(question=message, standalone_question=message, body="Done [1].",
                     answer="Done [1].\n\nSafety notes:\n- Taper [1].", refused=False,
                     citations=[cit], caveats=["taper"], session_id=session_id)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(corpus_dir=CORPUS, data_dir=tmp_path / "data", index_dir=tmp_path / "i",
                    answer={"max_message_chars": 50})


def _ask(h: ChatHandlers, chat: ChatSession, text: str) -> list[str]:
    chat, html, box, notice = h.admit(text, chat)
    assert box == "" and notice == "" and "Searching the documents" in html
    h.gate(chat)
    return [out[1] for out in h.respond(chat)]


def test_reply_streams_then_renders_and_keeps_one_session(settings: Settings) -> None:
    answerer = ScriptedAnswerer()
    h = ChatHandlers(answerer, settings)
    chat = ChatSession()
    frames = _ask(h, chat, "first?")
    assert "Partial" in frames[0] and 'class="reply streaming"' in frames[0]
    assert 'class="safety"' in frames[-1] and 'href="#t1-c1"' in frames[-1]
    _ask(h, chat, "second?")
    assert len(answerer.sessions) == 1
    assert [c[1] for c in answerer.calls] == [answerer.sessions[0]] * 2
    assert 'href="#t2-c1"' in h.render(chat)
    other = ChatSession()  # another browser session: its own conversation and id
    _ask(h, other, "third?")
    assert len(other.turns) == 1 and other.session_id != chat.session_id
    assert len(chat.turns) == 2


@pytest.mark.parametrize("text", ["", "   ", "x" * 51])
def test_bad_input_changes_nothing_and_says_why(settings: Settings, text: str) -> None:
    import gradio as gr

    h = ChatHandlers(ScriptedAnswerer(), settings)
    chat = ChatSession()
    chat, html, box, notice = h.admit(text, chat)
    assert chat.turns == [] and chat.rejected
    assert isinstance(html, type(gr.skip())) and isinstance(box, type(gr.skip()))
    assert 'class="notice error"' in notice
    with pytest.raises(gr.Error):
        h.gate(chat)


def test_busy_queue_turns_the_message_away(settings: Settings) -> None:
    import gradio as gr

    h = ChatHandlers(ScriptedAnswerer(), settings)
    h.is_busy = lambda: True
    chat, _, _, notice = h.admit("hello?", ChatSession())
    assert BUSY_MESSAGE in notice and chat.turns == []
    with pytest.raises(gr.Error):
        h.gate(chat)


@pytest.mark.parametrize("fail", [AssistantError("index is being rebuilt"), RuntimeError("boom")])
def test_failure_drops_the_turn_and_gives_the_text_back(
    settings: Settings, fail: Exception
) -> None:
    h = ChatHandlers(ScriptedAnswerer(fail=fail), settings)
    chat = ChatSession()
    h.admit("what now?", chat)
    *_, (chat, _html, notice, box) = list(h.respond(chat))
    assert chat.turns == [] and box == "what now?"
    expected = "index is being rebuilt" if isinstance(fail, AssistantError) else "went wrong"
    assert expected in notice and "boom" not in notice


def test_feedback_is_stored_per_message_with_a_thank_you(settings: Settings) -> None:
    h = ChatHandlers(ScriptedAnswerer(), settings)
    chat = ChatSession()
    _, _, notice = h.action({"action": "up", "message": "nope:1"}, chat)
    assert "no longer shown" in notice and h.feedback.rows() == []
    _ask(h, chat, "first?")
    _ask(h, chat, "second?")
    first, second = (t.message_id for t in chat.turns)
    assert first == f"{chat.session_id}:1" and second == f"{chat.session_id}:2"
    assert 'data-action="regenerate"' in h.render(chat).split(first)[-1]
    assert h.render(chat).count('data-action="regenerate"') == 1  # the latest answer only
    _, _, notice = h.action({"action": "up", "message": first}, chat)
    assert "Thanks" in notice and chat.rejected
    _, _, notice = h.action({"action": "down", "message": first, "comment": "too short"}, chat)
    rows = h.feedback.rows()
    assert len(rows) == 1  # the comment replaced the first rating of the same message
    row = rows[0]
    assert (row["rating"], row["comment"], row["question"], row["message_id"]) == (
        "down", "too short", "first?", first)
    assert row["session_id"] == chat.session_id and row["citations"][0]["quote"] == "a quote"
    h.action({"action": "copy", "message": second}, chat)
    assert [(a["message_id"], a["action"]) for a in h.feedback.actions()] == [(second, "copy")]


def test_regenerate_re_asks_the_latest_question(settings: Settings) -> None:
    answerer = ScriptedAnswerer()
    h = ChatHandlers(answerer, settings)
    chat = ChatSession()
    _ask(h, chat, "first?")
    _ask(h, chat, "second?")
    _, _, notice = h.action({"action": "regenerate", "message": chat.turns[0].message_id}, chat)
    assert chat.rejected and "Unknown action" in notice  # only the latest answer
    chat, html, notice = h.action({"action": "regenerate",
                                   "message": chat.turns[1].message_id}, chat)
    assert not chat.rejected and notice == "" and "Searching the documents" in html
    list(h.respond(chat))
    assert [t.user for t in chat.turns] == ["first?", "second?"]
    assert answerer.calls[-1] == ("second?", chat.session_id)
    assert chat.turns[1].answer is not None


class StoredAnswerer(ScriptedAnswerer):
    """Keeps the turns it answered, like the real session store."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: dict[str, list[Turn]] = {}

    def new_session(self) -> str:
        sid = super().new_session()
        self.stored[sid] = []
        return sid

    def history(self, session_id: str) -> list[Turn]:
        from assistant.core.errors import SessionNotFound

        if session_id not in self.stored:
            raise SessionNotFound("unknown")
        return list(self.stored[session_id])

    def stream(self, message: str, session_id: str | None = None) -> Iterator[str | Answer]:
        for piece in super().stream(message, session_id):
            if isinstance(piece, Answer) and session_id:
                self.stored[session_id].append(Turn(
                    user=message, standalone_question=message, answer=piece.answer,
                    refused=False, citations=piece.citations))
            yield piece


def test_reload_restores_the_conversation_and_the_list_switches(settings: Settings) -> None:
    answerer = StoredAnswerer()
    h = ChatHandlers(answerer, settings)
    chat = ChatSession()
    _ask(h, chat, "first?")
    saved, _ = h.remember(chat, None)
    _ask(h, chat, "follow-up?")
    saved, _ = h.remember(chat, saved)
    assert saved["current"] == chat.session_id and len(saved["conversations"]) == 1

    restored, html, saved, choices = h.load(saved)  # a reload of the page
    assert [t.user for t in restored.turns] == ["first?", "follow-up?"]
    assert restored.session_id == chat.session_id and 'class="safety"' in html
    assert [t.message_id for t in restored.turns] == [t.message_id for t in chat.turns]
    assert choices["choices"] == [("first?", chat.session_id)]

    fresh, _, _, saved, _ = h.reset(saved)
    _ask(h, fresh, "another topic?")
    saved, choices = h.remember(fresh, saved)
    assert [c[0] for c in choices["choices"]] == ["another topic?", "first?"]
    back, html, _, saved, _ = h.switch(chat.session_id, fresh, saved)
    assert [t.user for t in back.turns] == ["first?", "follow-up?"]
    assert saved["current"] == chat.session_id

    _, html, _, saved, choices = h.delete(back, saved)
    assert saved["current"] is None and 'class="welcome"' in html
    assert [c[0] for c in choices["choices"]] == ["another topic?"]
    # a tampered or stale browser value is dropped, not trusted
    assert h.load({"current": "gone", "conversations": [{"id": 3}]})[2] == {
        "current": None, "conversations": []}


def test_blocks_have_explicit_queue_limits(settings: Settings) -> None:
    settings = settings.model_copy(update={"server": settings.server.model_copy(
        update={"concurrency_limit": 2, "max_queue": 5})})
    demo = build_ui(ScriptedAnswerer(), settings)
    assert demo._queue.max_size == 5
    limits = {fn.concurrency_limit for fn in demo.fns.values() if fn.queue}
    assert limits == {2}
    assert example_questions(settings)[0].startswith("Is it safe for an adult patient")
    examples = example_questions(settings)
    corpus = "\n".join(p.read_text(encoding="utf-8") for p in settings.corpus_dir.glob("*.txt"))
    assert 2 <= len(examples) <= 4 and len(set(examples)) == len(examples)
    assert all(q.endswith("?") and q in corpus for q in examples)


def test_a_turn_never_picked_up_is_replaced_but_a_running_one_is_not(settings: Settings) -> None:
    h = ChatHandlers(ScriptedAnswerer(), settings)
    chat = ChatSession()
    h.admit("lost in a full queue?", chat)  # respond never ran (Gradio turned the event away)
    chat, _, _, notice = h.admit("retry?", chat)
    assert [t.user for t in chat.turns] == ["retry?"] and notice == ""
    stream = h.respond(chat)
    next(stream)  # now streaming
    chat, _, _, notice = h.admit("too soon?", chat)
    assert chat.rejected and "wait for the current answer" in notice
    assert [t.user for t in chat.turns] == ["retry?"]
    list(stream)
    assert chat.turns[0].answer is not None
