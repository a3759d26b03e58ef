"""HTML for the web chat, built from escaped text only.

Every piece of text that comes from a document or a user goes through ``html.escape`` first;
only then are our own tags added. Nothing here imports gradio, so it is cheap to test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from assistant.core.models import Answer, Citation
from assistant.text.markup import anchor_id, render_text_block

FileTextLookup = Callable[[str], str | None]

SAFETY_HEADING = re.compile(r"^\s*\**\s*safety notes?\s*\**\s*:?\s*\**\s*$", re.IGNORECASE)
CONTEXT_CHARS = 240
STATUS_SEARCHING = "Searching the documents…"


@dataclass
class ChatTurn:
    """One exchange as the web chat shows it: the user's text and the reply so far."""

    user: str
    answer: Answer | None = None
    partial: str = ""
    status: str = STATUS_SEARCHING
    started: bool = False
    message_id: str | None = None


def corpus_lookup(corpus_dir: Path) -> FileTextLookup:
    """A cached reader of corpus files by file name (UTF-8, no newline translation)."""
    root = corpus_dir.resolve()

    @lru_cache(maxsize=64)
    def lookup(source: str) -> str | None:
        path = (root / source).resolve()
        if path.parent != root or not path.is_file():
            return None
        try:
            return path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    return lookup


def split_safety(answer: Answer) -> tuple[str, str]:
    """(body, safety notes) of a reply; the heading line of the notes is dropped."""
    full = answer.answer
    body = answer.body.strip()
    if body and full.startswith(answer.body):
        rest = full[len(answer.body):]
    elif body and body in full:
        idx = full.index(body)
        rest = full[:idx] + full[idx + len(body):]
    else:
        match = re.search(r"^\s*\**\s*safety notes?", full, re.IGNORECASE | re.MULTILINE)
        if not match:
            return full.strip(), ""
        body, rest = full[:match.start()].strip(), full[match.start():]
    lines = [ln for ln in rest.strip().splitlines() if not SAFETY_HEADING.match(ln)]
    return body, "\n".join(lines).strip()


def _trim_left(text: str) -> str:
    if len(text) < CONTEXT_CHARS:
        return text
    cut = text[-CONTEXT_CHARS:]
    space = cut.find(" ")
    return "…" + (cut[space + 1:] if 0 <= space < 40 else cut)


def _trim_right(text: str) -> str:
    if len(text) < CONTEXT_CHARS:
        return text
    cut = text[:CONTEXT_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > CONTEXT_CHARS - 40 else cut) + "…"


def render_passage(citation: Citation, file_text: str | None) -> str:
    """The quote highlighted in its surrounding file text (or alone if the file is unavailable)."""
    quote = escape(citation.quote)
    if file_text is None or file_text[citation.start:citation.end] != citation.quote:
        return f'<div class="passage"><mark>{quote}</mark></div>'
    before = _trim_left(file_text[:citation.start])
    after = _trim_right(file_text[citation.end:])
    return (
        f'<div class="passage"><span class="ctx">{escape(before)}</span>'
        f"<mark>{quote}</mark><span class=\"ctx\">{escape(after)}</span></div>"
    )


def group_by_document(citations: Sequence[Citation]) -> list[list[Citation]]:
    """Citations grouped by source file, documents in order of their first citation."""
    groups: dict[str, list[Citation]] = {}
    for c in citations:
        groups.setdefault(c.source, []).append(c)
    return list(groups.values())


def render_sources_html(
    citations: Sequence[Citation], file_text_lookup: FileTextLookup, prefix: str = ""
) -> str:
    """The sources panel: one collapsible entry per document under its readable title, each
    with its quoted passages; file names, sections and offsets are behind a toggle."""
    if not citations:
        return ""
    docs = []
    for group in group_by_document(citations):
        entries = []
        for c in group:
            section = f" · § {escape(c.section)}" if c.section else ""
            entries.append(
                f'<details class="source" id="{anchor_id(prefix, escape(c.id))}">'
                f'<summary><span class="src-num">[{escape(c.id)}]</span>'
                f'<span class="src-quote">“{escape(c.quote)}”</span></summary>'
                f'<div class="src-meta">{escape(c.source)}{section} · characters '
                f"{c.start}–{c.end}</div>"
                f"{render_passage(c, file_text_lookup(c.source))}</details>"
            )
        count = len(group)
        noun = "passage" if count == 1 else "passages"
        docs.append(
            f'<details class="doc"><summary><span class="src-title">{escape(group[0].title)}'
            f'</span> <span class="doc-count">({count} {noun})</span></summary>'
            + "".join(entries) + "</details>"
        )
    return (
        '<div class="sources"><div class="sources-title"><span>Sources</span>'
        '<label><input type="checkbox" class="meta-toggle"> file names and offsets</label>'
        "</div>" + "".join(docs) + "</div>"
    )


def render_answer_html(answer: Answer, file_text_lookup: FileTextLookup, prefix: str = "") -> str:
    """One reply: body (or a grey refusal box), the amber safety notes, and its sources."""
    ids = {c.id for c in answer.citations}
    body, safety = split_safety(answer)
    body_html = render_text_block(body, ids, prefix)
    if answer.refused:
        main = (
            '<div class="refusal"><div class="refusal-title">Not covered by the documents</div>'
            f"{body_html}</div>"
        )
    else:
        main = f'<div class="answer-body">{body_html}</div>'
    safety_html = ""
    if safety:
        safety_html = (
            '<div class="safety"><div class="safety-title">⚠ Safety notes</div>'
            f"{render_text_block(safety, ids, prefix)}</div>"
        )
    sources = render_sources_html(answer.citations, file_text_lookup, prefix)
    kind = "refused" if answer.refused else "answered"
    return f'<div class="reply {kind}">{main}{safety_html}{sources}</div>'


def render_actions_html(message_id: str, last: bool) -> str:
    """Copy, regenerate (latest answer only), thumbs up/down and an optional comment."""
    regenerate = ('<button type="button" data-action="regenerate" title="Answer this question '
                  'again">↻ Regenerate</button>') if last else ""
    return (
        f'<div class="actions" data-message="{escape(message_id)}">'
        '<button type="button" data-action="copy" title="Copy the answer">Copy</button>'
        f"{regenerate}"
        '<button type="button" data-action="up" aria-pressed="false" title="Helpful">'
        "▲ Helpful</button>"
        '<button type="button" data-action="down" aria-pressed="false" title="Not helpful">'
        "▼ Not helpful</button>"
        '<div class="comment-box"><input type="text" maxlength="2000" '
        'placeholder="Optional comment" aria-label="Comment on this answer">'
        '<button type="button" data-action="comment">Send comment</button></div></div>'
    )


def render_turn_html(turn: ChatTurn, index: int, file_text_lookup: FileTextLookup,
                     last: bool = False) -> str:
    """A user bubble and the reply (final, partial while streaming, or a status line)."""
    user = f'<div class="msg user"><div class="bubble">{escape(turn.user)}</div></div>'
    if turn.answer is not None:
        reply = render_answer_html(turn.answer, file_text_lookup, prefix=f"t{index}-")
        if turn.message_id:
            reply += render_actions_html(turn.message_id, last)
    elif turn.partial:
        reply = f'<div class="reply streaming">{render_text_block(turn.partial, set(), "")}</div>'
    else:
        status = escape(turn.status)
        reply = f'<div class="reply status"><span class="spinner"></span>{status}</div>'
    return f'{user}<div class="msg bot"><div class="bubble">{reply}</div></div>'


def render_transcript_html(turns: Sequence[ChatTurn], file_text_lookup: FileTextLookup) -> str:
    """The whole conversation, or a short welcome when it is empty."""
    if not turns:
        return (
            '<div class="transcript empty"><p class="welcome">Ask a question about the '
            "indexed documents. Answers come only from them, with sources."
            "</p></div>"
        )
    body = "".join(render_turn_html(t, i, file_text_lookup, last=i == len(turns))
                   for i, t in enumerate(turns, 1))
    return f'<div class="transcript">{body}</div>'


def render_notice_html(message: str, kind: str = "error") -> str:
    """A short escaped notice (errors, busy, feedback thanks)."""
    return f'<div class="notice {escape(kind)}">{escape(message)}</div>'
