"""The Gradio web chat: ``build_ui(answerer, settings) -> gr.Blocks``.

The transcript is our own escaped HTML (see ``web_render``) shown in a ``gr.HTML``; replies
stream from ``answerer.stream``. The handlers are in ``web_handlers``; the page's CSS
(``static/web.css``, Gradio theme variables, light and dark) is passed at mount time
(``page_options``) and the transcript's behaviour is ``static/web.js``. gradio is imported inside
``build_ui`` so importing this module stays cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.protocols import Answerer
from assistant.core.settings import Settings
from assistant.serving.web_handlers import BUSY_MESSAGE, ChatHandlers, ChatSession, empty_saved

if TYPE_CHECKING:
    import gradio as gr

__all__ = ["BUSY_MESSAGE", "build_ui", "example_questions", "page_options", "queue_is_full"]

#: Example questions shown under the chat box: the corpus's own seed question, then questions the
#: documents themselves ask (FAQ lines), one per document.
MAX_EXAMPLES = 4
_QUESTION_LINE = re.compile(r"^[#*\s\d.]*(?P<q>[A-Z][^?\n|]{15,110}\?)\W*$", re.M)
#: localStorage key of the browser's conversation list.
STORAGE_KEY = "evidence-assistant-conversations"


def _static(name: str) -> str:
    return resources.files("assistant.serving").joinpath(f"static/{name}").read_text(
        encoding="utf-8")


def browser_secret(data_dir: Path, session_secret: str | None = None) -> str:
    """The key that encrypts the browser's conversation list: derived from the configured
    ``server.session_secret`` (the same on every worker), else kept in the data directory so
    the list survives a server restart."""
    if session_secret:
        return hmac.new(session_secret.encode(), b"assistant-browser-state",
                        hashlib.sha256).hexdigest()
    path = data_dir / "web-secret"
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def page_options() -> dict[str, Any]:
    """Keyword arguments for ``gradio.mount_gradio_app``: the page CSS, as a style element in the
    head (Gradio rewrites ``css`` under its own container and drops rules for its ancestors)."""
    return {"head": f"<style>{_static('web.css')}</style>"}


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


def queue_is_full(blocks: Any, max_size: int) -> bool:
    """Whether Gradio's queue would turn a new event away (its own check is len >= max_size)."""
    queue = getattr(blocks, "_queue", None)
    try:
        return queue is not None and len(queue) >= max_size
    except TypeError:
        return False


def build_ui(answerer: Answerer, settings: Settings) -> gr.Blocks:
    """The chat UI. Mount with ``gradio.mount_gradio_app(app, build_ui(...), path="/",
    **page_options())``."""
    import gradio as gr

    h = ChatHandlers(answerer, settings)
    with gr.Blocks(title="Evidence assistant", analytics_enabled=False) as demo:
        gr.Markdown(
            "## Evidence assistant\n"
            "Answers come only from the indexed documents. Click a marker like **[1]** to see "
            "the quoted passage. This is not medical advice."
        )
        chat = gr.State(ChatSession())
        saved = gr.BrowserState(empty_saved(), storage_key=STORAGE_KEY,
                                secret=browser_secret(settings.data_dir,
                                                      settings.server.session_secret))
        with gr.Row(equal_height=True):
            with gr.Column(scale=4), gr.Accordion("Earlier conversations", open=False,
                                                  elem_id="conversations"):
                pick = gr.Dropdown(choices=[], value=None, show_label=False,
                                   elem_id="conversation-list")
                delete = gr.Button("Delete this conversation", elem_id="delete-conversation",
                                   size="sm", variant="stop")
            new_chat = gr.Button("New conversation", elem_id="new-conversation", size="sm",
                                 scale=1, min_width=120)
        transcript = gr.HTML(h.render(ChatSession()), elem_id="transcript",
                             js_on_load=_static("web.js"), autoscroll=False, padding=True,
                             container=True)
        with gr.Column(elem_id="composer"):
            notice = gr.HTML("", elem_id="notice", js_on_load=None)
            with gr.Row():
                message = gr.Textbox(placeholder="Ask a question about the documents…",
                                     show_label=False, lines=1, max_lines=6, scale=8,
                                     elem_id="message")
                send = gr.Button("Send", variant="primary", scale=1, elem_id="send",
                                 min_width=70)
        gr.Examples(examples=[[q] for q in example_questions(settings)], inputs=[message],
                    label="Example questions (then ask a follow-up)")

        answer_kwargs: dict[str, Any] = {
            "concurrency_limit": settings.server.concurrency_limit, "concurrency_id": "answer",
            "show_progress": "hidden"}
        for trigger in (message.submit, send.click):
            trigger(h.admit, [message, chat], [chat, transcript, message, notice],
                    queue=False, show_progress="hidden").success(
                h.gate, [chat], None, queue=False, show_progress="hidden").success(
                h.respond, [chat], [chat, transcript, notice, message], **answer_kwargs).then(
                h.remember, [chat, saved], [saved, pick], queue=False)

        def on_action(c: ChatSession, evt: gr.EventData) -> tuple[ChatSession, Any, str]:
            return h.action(dict(getattr(evt, "_data", None) or {}), c)

        # gradio finds the EventData parameter by its annotation, which must be the class
        # itself here (annotations are strings in this module and gradio is imported locally).
        on_action.__annotations__["evt"] = gr.EventData

        # "multiple": quick clicks (copy, then a rating) are all handled, not dropped while the
        # previous one is still on its way.
        transcript.click(on_action, [chat], [chat, transcript, notice], queue=False,
                         show_progress="hidden", trigger_mode="multiple").success(
            h.gate, [chat], None, queue=False, show_progress="hidden").success(
            h.respond, [chat], [chat, transcript, notice, message], **answer_kwargs).then(
            h.remember, [chat, saved], [saved, pick], queue=False)
        demo.load(h.load, [saved, chat], [chat, transcript, saved, pick], queue=False)
        pick.input(h.switch, [pick, chat, saved], [chat, transcript, notice, saved, pick],
                   queue=False)
        new_chat.click(h.reset, [saved], [chat, transcript, notice, saved, pick], queue=False)
        delete.click(h.delete, [chat, saved], [chat, transcript, notice, saved, pick],
                     queue=False)
    demo.queue(max_size=settings.server.max_queue,
               default_concurrency_limit=settings.server.concurrency_limit)
    h.is_busy = lambda: queue_is_full(demo, settings.server.max_queue)
    blocks: gr.Blocks = demo
    return blocks
