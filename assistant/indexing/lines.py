"""Line-level reading for the chunker: the parts of lines that survive the dropped regions, and
which of them are headings (markdown, bold, numbered, emoji-led or plain title-like lines)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.indexing.boilerplate import Excluded
from assistant.text.normalize import EMOJI_RE, display_text, heading_text

_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+\S")
_BOLD_HEADING_RE = re.compile(r"^\*\*[^*]+\*\*:?$")
_NUMBERED_HEADING_RE = re.compile(r"^#\d+:\s+\S")
_NOT_HEADING_EMOJI = frozenset("✅⭐❌")
_PLAIN_LEVEL, _QUOTED_EMOJI_LEVEL, _EMOJI_LEVEL, _NUMBERED_LEVEL, _BOLD_LEVEL = 1, 2, 3, 4, 4


@dataclass(frozen=True)
class Piece:
    """A line, or the part of a line between dropped regions."""

    start: int
    end: int
    text: str
    brk: bool  # something was dropped right before this piece


def line_pieces(text: str, excluded: Sequence[Excluded]) -> list[Piece]:
    out: list[Piece] = []
    spans = list(excluded)
    pos, brk = 0, False
    for raw in text.splitlines(keepends=True):
        body_end = pos + len(raw.rstrip("\r\n"))
        cur = pos
        for ex in spans:
            if ex.end <= cur or ex.start >= body_end:
                continue
            if ex.start > cur:
                out.append(Piece(cur, ex.start, text[cur : ex.start], brk))
            brk, cur = True, max(cur, ex.end)
        if cur < body_end or cur == pos:
            out.append(Piece(cur, body_end, text[cur:body_end], brk))
            brk = brk and not text[cur:body_end].strip()
        pos += len(raw)
    return out


def starts_lower(line: str) -> bool:
    first = line.lstrip().lstrip("*_")
    return bool(first) and first[0].islower()


def _emoji_heading(s: str) -> bool:
    if len(s) > 150 or s[0] in _NOT_HEADING_EMOJI:
        return False
    return bool(EMOJI_RE.match(s) or EMOJI_RE.search(s[-2:]))


def _plain_heading(line: str) -> bool:
    s = display_text(line)
    if not s or len(s) > 100 or len(s.split()) > 16 or not (s[0].isupper() or s[0].isdigit()):
        return False
    if s[-1] in ".,;:!)\"”'’" or (": " in s and not s.endswith("?")):
        return False
    return not re.search(r"\d+\s*$", s)


def line_heading(s: str, is_first: bool, markdown: bool) -> tuple[int, str] | None:
    """(level, name) when the stripped line ``s`` is a heading; level 0 is the title line."""
    md = _MD_HEADING_RE.match(s)
    if md:
        return len(md.group(1)), heading_text(s)
    if _BOLD_HEADING_RE.match(s):
        return _BOLD_LEVEL, heading_text(s)
    if markdown:
        return None
    if is_first and len(s) <= 300:
        return 0, heading_text(s)
    if _NUMBERED_HEADING_RE.match(s):
        return _NUMBERED_LEVEL, heading_text(s)
    if _emoji_heading(s):
        level = _QUOTED_EMOJI_LEVEL if "“" in s or '"' in s else _EMOJI_LEVEL
        return level, heading_text(s)
    if _plain_heading(s):
        return _PLAIN_LEVEL, heading_text(s)
    return None


def repeated_headings(text: str) -> frozenset[str]:
    """Markdown heading names used more than once ("Mechanisms", "Clinical Evidence"): these are
    subsections of the latest distinct heading, whatever their marked level."""
    names = [heading_text(m.group(0)).casefold()
             for m in re.finditer(r"^#{1,6} \S.*$", text, re.M)]
    return frozenset(n for n in names if names.count(n) > 1)
