"""Reply text (plain text with ``[n]`` markers, ``**bold**`` and bullet lines) as HTML.

Used by the web chat and the eval report, so an answer looks the same in both. All text is
escaped first; only then are our own tags added.
"""

from __future__ import annotations

import re
from html import escape

MARKER = re.compile(r"\[(\d+)\]")
BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
BOLD = re.compile(r"\*\*(\S(?:.*?\S)?)\*\*")


def anchor_id(prefix: str, cid: str) -> str:
    """The element id of citation ``cid`` in a reply rendered with ``prefix``."""
    return f"{prefix}c{cid}"


def render_inline(text: str, citation_ids: set[str], prefix: str) -> str:
    """Escape ``text`` and turn known ``[n]`` markers into citation links."""
    out: list[str] = []
    pos = 0
    for match in MARKER.finditer(text):
        out.append(escape(text[pos:match.start()]))
        cid = match.group(1)
        if cid in citation_ids:
            target = anchor_id(prefix, cid)
            out.append(
                f'<a class="cite" href="#{target}" data-cite="{target}" '
                f'title="Show source {cid}">[{cid}]</a>'
            )
        else:
            out.append(escape(match.group(0)))
        pos = match.end()
    out.append(escape(text[pos:]))
    # Markdown bold, applied after escaping (the captured text is already escaped).
    return BOLD.sub(r"<strong>\1</strong>", "".join(out))


def render_text_block(text: str, citation_ids: set[str], prefix: str) -> str:
    """Paragraphs and bullet lists from plain text with markers."""
    parts: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if items:
            parts.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if not line.strip():
            flush()
            continue
        if BULLET.match(line):
            items.append(render_inline(BULLET.sub("", line, count=1), citation_ids, prefix))
        else:
            flush()
            parts.append(f"<p>{render_inline(line.strip(), citation_ids, prefix)}</p>")
    flush()
    return "".join(parts)
