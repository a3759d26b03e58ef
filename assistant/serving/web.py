"""The Gradio web chat: ``build_ui(answerer, settings) -> gr.Blocks``.

The transcript is our own escaped HTML (see ``web_render``) shown in a ``gr.HTML``; replies
stream from ``answerer.stream``. Each browser session keeps its own conversation in a
``gr.State``. gradio is imported inside ``build_ui`` so importing this module stays cheap.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answering.validation import validate_message
from assistant.core.errors import AssistantError, InputError
from assistant.core.models import Answer
from assistant.core.protocols import Answerer
from assistant.core.settings import Settings
from assistant.serving.feedback import FeedbackStore
from assistant.serving.web_render import (
    ChatTurn,
    FileTextLookup,
    corpus_lookup,
    render_notice_html,
    render_transcript_html,
)

if TYPE_CHECKING:
    import gradio as gr

log = logging.getLogger(__name__)

BUSY_MESSAGE = "The assistant is busy, please try again in a moment."
FAILED_MESSAGE = "Something went wrong while answering. Please try again."
THANKS_MESSAGE = "Thanks, your feedback was saved."
#: Example questions shown under the chat box: the corpus's own seed question, then questions the
#: documents themselves ask (FAQ lines), one per document.
MAX_EXAMPLES = 4
_QUESTION_LINE = re.compile(r"^[#*\s\d.]*(?P<q>[A-Z][^?\n|]{15,110}\?)\W*$", re.M)

# Citation clicks: open the cited source entry and bring it into view (event delegation on
# the transcript root, which survives re-renders).
CITE_JS = """
element.addEventListener('click', function (event) {
  const link = event.target.closest('a.cite');
  if (!link) return;
  event.preventDefault();
  const target = element.querySelector('#' + CSS.escape(link.dataset.cite));
  if (!target) return;
  target.open = true;
  target.classList.add('flash');
  target.scrollIntoView({block: 'nearest', behavior: 'smooth'});
  setTimeout(function () { target.classList.remove('flash'); }, 1600);
});
"""


@dataclass
class ChatSession:
    """One browser session's conversation (kept in a gr.State)."""

    session_id: str | None = None
    turns: list[ChatTurn] = field(default_factory=list)
    rejected: bool = False

    def last_answer(self) -> tuple[ChatTurn, Answer] | None:
        for turn in reversed(self.turns):
            if turn.answer is not None:
                return turn, turn.answer
        return None


def seed_question(corpus_dir: Path) -> str | None:
    """The first line of the first corpus file (the question the corpus was gathered for)."""
    files = sorted(p for p in corpus_dir.glob("*.txt") if p.is_file())
    if not files:
        return None
    first = files[0].read_text(encoding="utf-8").strip().splitlines()
    return first[0].strip() if first else None


def example_questions(settings: Settings) -> list[str]:
    """The seed question, then the first question line of each other document (derived from the
    corpus, so a new corpus brings its own examples)."""
    seed = seed_question(settings.corpus_dir)
    examples = [seed] if seed else []
    for path in sorted(p for p in settings.corpus_dir.glob("*.txt") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        found = next((q for m in _QUESTION_LINE.finditer(text)
                      if len((q := m.group("q").strip()).split()) >= 5 and q not in examples),
                     None)
        if found and len(examples) < MAX_EXAMPLES:
            examples.append(found)
    return examples


def _css() -> str:
    css = resources.files("assistant.serving").joinpath("static/web.css")
    return css.read_text(encoding="utf-8")


def queue_is_full(blocks: Any, max_size: int) -> bool:
    """Whether Gradio's queue would turn a new event away (its own check is len >= max_size)."""
    queue = getattr(blocks, "_queue", None)
    try:
        return queue is not None and len(queue) >= max_size
    except TypeError:
        return False


class ChatHandlers:
    """The event handlers, separate from layout so they can be called directly."""

    def __init__(self, answerer: Answerer, settings: Settings,
                 lookup: FileTextLookup | None = None) -> None:
        self.answerer = answerer
        self.settings = settings
        self.lookup = lookup or corpus_lookup(settings.corpus_dir)
        self.feedback = FeedbackStore.in_dir(settings.data_dir)
        self.is_busy: Callable[[], bool] = lambda: False

    def render(self, chat: ChatSession) -> str:
        return render_transcript_html(chat.turns, self.lookup)

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
        if chat.turns and chat.turns[-1].answer is None:
            if chat.turns[-1].started:
                notice = render_notice_html("Please wait for the current answer to finish.",
                                            "busy")
                return chat, gr.skip(), gr.skip(), notice
            # Never picked up (e.g. Gradio's own queue check turned it away): replace it.
            chat.turns.pop()
        if self.is_busy():
            return chat, gr.skip(), gr.skip(), render_notice_html(BUSY_MESSAGE, "busy")
        chat.rejected = False
        chat.turns.append(ChatTurn(user=text))
        return chat, self.render(chat), "", ""

    @staticmethod
    def gate(chat: ChatSession) -> None:
        """Stop the event chain (silently) when ``admit`` turned the message away."""
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

    def _undo(self, chat: ChatSession, message: str) -> tuple[ChatSession, str, str, str]:
        """Drop the unanswered turn, show why, and give the user their text back."""
        turn = chat.turns.pop()
        return chat, self.render(chat), render_notice_html(message, "error"), turn.user

    def rate(self, rating: str, comment: str, chat: ChatSession | None) -> tuple[str, str]:
        """Store thumbs up/down for the latest answer; returns (notice, cleared comment)."""
        last = chat.last_answer() if chat else None
        if chat is None or last is None:
            notice = render_notice_html("Ask a question first, then rate the answer.", "error")
            return notice, comment
        turn, answer = last
        try:
            self.feedback.record(session_id=chat.session_id, question=turn.user,
                                 answer=answer.answer, citations=answer.citations,
                                 rating=rating, comment=comment)
        except AssistantError as err:
            return render_notice_html(str(err), "error"), comment
        return render_notice_html(THANKS_MESSAGE, "thanks"), ""

    def reset(self) -> tuple[ChatSession, str, str, str]:
        chat = ChatSession()
        return chat, self.render(chat), "", ""


def build_ui(answerer: Answerer, settings: Settings) -> gr.Blocks:
    """The chat UI. Mount with ``gradio.mount_gradio_app(app, build_ui(...), path="/")``."""
    import gradio as gr

    handlers = ChatHandlers(answerer, settings)
    css = _css()
    with gr.Blocks(title="Evidence assistant", analytics_enabled=False) as demo:
        gr.Markdown(
            "## Evidence assistant\n"
            "Answers come only from the indexed documents. Click a marker like **[1]** to see "
            "the quoted passage. This is not medical advice."
        )
        chat = gr.State(ChatSession())
        transcript = gr.HTML(handlers.render(ChatSession()), elem_id="transcript",
                             css_template=css, js_on_load=CITE_JS, autoscroll=True,
                             padding=True, container=True)
        notice = gr.HTML("", elem_id="notice", css_template=css, js_on_load=None)
        with gr.Row():
            message = gr.Textbox(placeholder="Ask a question about the documents…",
                                 show_label=False, lines=1, max_lines=6, scale=8,
                                 elem_id="message")
            send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
        gr.Examples(examples=[[q] for q in example_questions(settings)], inputs=[message],
                    label="Example questions (then ask a follow-up)")
        with gr.Row():
            new_chat = gr.Button("New conversation", elem_id="new-conversation", size="sm")
            up = gr.Button("▲ Helpful", elem_id="thumbs-up", size="sm")
            down = gr.Button("▼ Not helpful", elem_id="thumbs-down", size="sm")
        comment = gr.Textbox(placeholder="Optional comment on the last answer", show_label=False,
                             lines=1, elem_id="feedback-comment")
        thanks = gr.HTML("", elem_id="feedback-status", css_template=css, js_on_load=None)

        for trigger in (message.submit, send.click):
            trigger(handlers.admit, [message, chat], [chat, transcript, message, notice],
                    queue=False, show_progress="hidden").success(
                handlers.gate, [chat], None, queue=False, show_progress="hidden").success(
                handlers.respond, [chat], [chat, transcript, notice, message],
                concurrency_limit=settings.server.concurrency_limit, concurrency_id="answer",
                show_progress="hidden")
        new_chat.click(handlers.reset, None, [chat, transcript, notice, thanks], queue=False)
        up.click(lambda c, s: handlers.rate("up", c, s), [comment, chat], [thanks, comment],
                 queue=False)
        down.click(lambda c, s: handlers.rate("down", c, s), [comment, chat], [thanks, comment],
                   queue=False)
    demo.queue(max_size=settings.server.max_queue,
               default_concurrency_limit=settings.server.concurrency_limit)
    handlers.is_busy = lambda: queue_is_full(demo, settings.server.max_queue)
    blocks: gr.Blocks = demo
    return blocks
