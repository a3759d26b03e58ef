"""Quotable units of a retrieved chunk: its sentences, bullets and table rows, each with the exact
span it quotes and the reading text shown for it.

* A table row is shown as a readable sentence ("First cell — Header: value; Header: value.",
  a question/answer row as its answer); header rows and table rules are never units.
* A sentence that leans on the one before it ("These …", "If this happens …") is joined to
  that sentence, so one citation quotes both; when there is none, it is dropped. A linking word
  a sentence can stand without ("Therefore,", "For example,") is left out of the shown text.
* Headings, questions, lead-ins ending in ":" and bare fragments are not units. Shown text ends
  with a full stop; the quote stays the exact file text.
* Spans marked instruction-like at indexing are never units.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from assistant.answering.compose.policy import AnswerPolicy
from assistant.core.models import Chunk
from assistant.indexing.untrusted import overlaps
from assistant.text.normalize import display_text, tab_cells
from assistant.text.sentences import split_sentences
from assistant.text.tables import is_table_rule

MIN_UNIT_CHARS = 25
MIN_UNIT_WORDS = 5
#: A question/answer row shows its answer alone when the answer has at least this many words.
MIN_ANSWER_WORDS = 5
#: A list item shorter than this is shown after the line introducing its list.
SHORT_ITEM_WORDS = 12
MAX_ITEMS_BACK = 8
MAX_LEAD_IN_WORDS = 12
#: Bump when the text shown or scored for a unit changes (stored unit vectors go stale).
UNITS_VERSION = 3
_BULLET = re.compile(r"[ \t]*[-•*–][ \t]+")
_BOLD_CELL = re.compile(r"(<b>|<strong>|\*\*|__).+(</b>|</strong>|\*\*|__)", re.I | re.S)


@dataclass(frozen=True)
class Unit:
    """A quotable span (sentence, bullet or table row) of a retrieved chunk."""

    chunk: Chunk
    rank: int
    start: int
    end: int
    quote: str
    display: str
    #: Text that is scored and embedded for the unit when it is more than what is shown (a
    #: question/answer row shows its answer; its question says what it answers).
    match: str = ""

    @property
    def text(self) -> str:
        return self.match or self.display


def units_fingerprint(policy: AnswerPolicy) -> str:
    """What the units' texts depend on besides the chunks: this module's version and the answer
    policy's leaning starts and connectors."""
    raw = "\x1f".join([str(UNITS_VERSION), *policy.dangling_starts, policy.connectors])
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def chunk_units(chunk: Chunk, rank: int, policy: AnswerPolicy) -> list[Unit]:
    """The units of one chunk, in text order (leaning starts and connectors from ``policy``)."""
    dangling = policy.dangling_starts
    spans = [(s, e) for s, e in split_sentences(chunk.text, chunk.start)
             if not overlaps(chunk.flagged, s, e)]  # instruction-like text: never quoted
    units: list[Unit] = []
    previous: tuple[int, int] | None = None
    for start, end in spans:
        offset = start - chunk.start
        quote = chunk.text[offset:end - chunk.start]
        row = quote.count("|") >= 2 or "\t" in quote
        if row and (is_table_rule(quote) or _is_header(chunk.text, quote, end - chunk.start)
                    or _is_tab_header(chunk, offset, quote)):
            previous = None
            continue
        shown = (_row_text(chunk, offset, quote) if "|" in quote
                 else _tab_row_text(chunk, offset, quote) or display_text(quote))
        match = _row_question(quote) if "|" in quote else _tab_header(chunk, offset, quote)
        if shown is None:
            previous = None
            continue
        lead_in = None if row else _lead_in(chunk.text, offset)
        if lead_in is not None and len(shown.split()) < SHORT_ITEM_WORDS:
            begin, intro = lead_in  # "Ambien (zolpidem):" + "- Short half-life (2-3 hours)"
            units.append(Unit(chunk=chunk, rank=rank, start=chunk.start + begin, end=end,
                              quote=chunk.text[begin:end - chunk.start],
                              display=_finished(f"{intro} {shown[0].lower()}{shown[1:]}")))
            previous = None
            continue
        if policy.connectors and not row:
            shown = _without_connector(shown, policy.connectors)
        joined_now = False
        if not row and _leans(shown, dangling):
            joined = _join(chunk, previous, end) if previous else None
            if joined is None or _leans(joined[2], dangling):
                previous = None  # it leans on text that is not here: never shown
                continue
            start, quote, shown = joined
            if policy.connectors:  # "Therefore, X. This …": the pair shown without "Therefore,"
                shown = _without_connector(shown, policy.connectors)
            joined_now = True  # two sentences at most: a third leaning one is not shown
        if _usable(quote, shown, row):
            shown = _finished(_one_sentence(shown) if row else shown)
            units.append(Unit(chunk=chunk, rank=rank, start=start, end=end, quote=quote,
                              display=shown, match=f"{match} {shown}" if match else ""))
        previous = None if row or joined_now else (start, end)
    return units


def _lead_in(text: str, offset: int) -> tuple[int, str] | None:
    """For a list item, the line ending with ':' that introduces its list (its start and
    reading text), when only other items stand between them."""
    line_start = text.rfind("\n", 0, offset) + 1
    if not _BULLET.fullmatch(text[line_start:offset]):
        return None
    pos = line_start
    for _ in range(MAX_ITEMS_BACK):
        if pos == 0:
            return None
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev_start:pos - 1]
        if _BULLET.match(line) and line.strip():
            pos = prev_start
            continue
        shown = display_text(line)
        if shown.endswith(":") and 0 < len(shown.split()) <= MAX_LEAD_IN_WORDS:
            return prev_start + len(line) - len(line.lstrip()), shown
        return None
    return None


def _without_connector(shown: str, pattern: str) -> str:
    """'For example, one study found …' -> 'One study found …'."""
    rest = re.sub(pattern, "", shown, count=1, flags=re.I)
    return rest[:1].upper() + rest[1:] if rest != shown and rest else shown


def _leans(shown: str, dangling: list[str]) -> bool:
    return any(re.search(p, shown, re.I) for p in dangling)


def _join(chunk: Chunk, previous: tuple[int, int], end: int) -> tuple[int, str, str] | None:
    """The previous sentence and this one as one unit, when they are in the same paragraph."""
    start = previous[0]
    quote = chunk.text[start - chunk.start:end - chunk.start]
    if "\n\n" in quote or len(quote) > 600:
        return None
    shown = display_text(quote)
    if _leans_on_nothing(shown):
        return None
    return start, quote, shown


def _leans_on_nothing(shown: str) -> bool:
    return shown.endswith(":") or len(shown.split()) < MIN_UNIT_WORDS


def _usable(quote: str, shown: str, row: bool) -> bool:
    if len(shown) < MIN_UNIT_CHARS or len(shown.split()) < MIN_UNIT_WORDS:
        return False
    if shown.endswith(("?", ":")):
        return False
    return row or not _looks_like_heading(shown)


def _one_sentence(row: str) -> str:
    """A table row read as one sentence: sentences inside its cells become clauses."""
    return re.sub(r"[.;]\s*;\s*", "; ", re.sub(r"(?<=[a-z0-9)%])\.\s+(?=[A-Z])", "; ", row))


def _finished(shown: str) -> str:
    shown = shown.strip()
    if shown[-1] in ".!?" or (shown[-1] in "\"”)" and shown[-2:-1] in (".", "!", "?")):
        return shown
    return shown + "."


def _looks_like_heading(shown: str) -> bool:
    """A short line without final punctuation (a title, a heading)."""
    return shown[-1] not in ".!?:;)\"'”" and len(shown.split()) <= 14


def _is_header(text: str, quote: str, end: int) -> bool:
    """Is the row ending at ``end`` a header row (the next line is a table rule, or every cell
    is bold)?"""
    after = text[end:].split("\n", 2)
    line = after[1] if len(after) > 1 else ""
    if line.strip() and is_table_rule(line):
        return True
    cells = [c.strip() for c in re.split(r"[|\t]", quote) if c.strip()]
    return len(cells) >= 2 and all(_BOLD_CELL.fullmatch(c) for c in cells)


def _is_tab_header(chunk: Chunk, offset: int, quote: str) -> bool:
    """A one-line TAB row without digits that opens its table: no row of as many cells above
    it, none carried in the chunk's context, and the next row has as many cells."""
    if "\t" not in quote or "\n" in quote.strip() or any(ch.isdigit() for ch in quote):
        return False
    cells = quote.strip().split("\t")
    if _context_names(chunk) or _header_above(chunk.text[:offset], len(cells)) is not None:
        return False
    below = [ln for ln in chunk.text[offset + len(quote):].splitlines() if ln.strip()][:1]
    return bool(below) and len(below[0].strip().split("\t")) == len(cells)


def _row_text(chunk: Chunk, offset: int, quote: str) -> str | None:
    """A table row as reading text: 'First cell — Header: value; Header: value' with the header
    found above it in the chunk (or its context when the table was split across chunks)."""
    cells = _cells(quote)
    lines = (chunk.context + "\n" + chunk.text[:offset]).splitlines()
    header = next((lines[i - 1] for i in range(len(lines) - 1, 0, -1)
                   if is_table_rule(lines[i]) and "|" in lines[i - 1]), None)
    names = _cells(header) if header else _context_names(chunk)
    if len([c for c in cells if c]) < 2:
        return None
    if cells[0].endswith("?") and len(cells) == 2:  # a question/answer row
        answer = cells[1]
        return answer if len(answer.split()) >= MIN_ANSWER_WORDS else f"{cells[0]} {answer}"
    return _labelled(cells, names)


def _tab_row_text(chunk: Chunk, offset: int, quote: str) -> str | None:
    """A TAB-table row (continuation lines merged) with its header's names ('First cell —
    Header: value; …'), the header being the table's first row of as many cells (all bold, or
    without digits: a data row is not taken for it) or the one carried in the chunk's context;
    else None."""
    raw = tab_cells(quote) if "\t" in quote else None
    if raw is None:
        return None
    cells = [display_text(c).strip(" .") for c in raw]
    if len([c for c in cells if c]) < 2:
        return None
    header = _header_above(chunk.text[:offset], len(cells))
    names = ([display_text(p).strip(" .") for p in header]
             if header and (all(_BOLD_CELL.fullmatch(p.strip()) for p in header)
                            or not any(ch.isdigit() for ch in "".join(header)))
             else _context_names(chunk))
    return _labelled(cells, names) if len(names) == len(cells) else None


def _header_above(before: str, count: int) -> list[str] | None:
    """The topmost TAB row of ``count`` filled cells in the table block ending ``before``."""
    header = None
    for line in reversed(before.splitlines()):
        if not line.strip():
            continue
        if "\t" not in line:
            break
        parts = line.strip().split("\t")
        if len(parts) == count and all(p.strip() for p in parts):
            header = parts  # keep walking: the topmost such row is the header
    return header


def _context_names(chunk: Chunk) -> list[str]:
    """The header names a split table's later chunk carries in its context ("A; B; C")."""
    last = chunk.context.strip().splitlines()[-1] if chunk.context.strip() else ""
    return [n.strip(" .") for n in last.split("; ")] if "; " in last else []


def _labelled(cells: list[str], names: list[str]) -> str:
    """'First cell — Name: value; Name: value' (cells alone when the names do not fit)."""
    if len(names) != len(cells):
        return "; ".join(c for c in cells if c)
    rest = [f"{name.rstrip('?')}: {cell}" if name else cell
            for name, cell in zip(names[1:], cells[1:], strict=True) if cell]
    return f"{cells[0]} — " + "; ".join(rest) if cells[0] else "; ".join(rest)


def _tab_header(chunk: Chunk, offset: int, quote: str) -> str:
    """For a TAB-table row, its table's title and header rows (all cells bold), which are
    scored and embedded with the row but not shown."""
    if "\t" not in quote:
        return ""
    lines = (chunk.context + "\n" + chunk.text[:offset]).splitlines()
    heads: list[str] = []
    for line in reversed(lines):
        if not line.strip():
            continue
        if "\t" not in line:
            break
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if cells and all(_BOLD_CELL.fullmatch(c) for c in cells):
            heads.insert(0, "; ".join(display_text(c) for c in cells))
    return " ".join(heads) or chunk.context  # a split table's header rides in the context


def _row_question(quote: str) -> str:
    """The question cell of a question/answer row ('' for other rows)."""
    cells = _cells(quote)
    return cells[0] if len(cells) == 2 and cells[0].endswith("?") else ""


def _cells(line: str) -> list[str]:
    return [display_text(cell).strip(" .") for cell in line.strip().strip("|").split("|")]
