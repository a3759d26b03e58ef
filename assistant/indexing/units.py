"""A document read as evidence units: headings set the section path, and bullets, table rows
(with their PDF-broken continuation lines), table heads and prose paragraphs become units that
the packer never cuts unless one alone is over the token budget."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.core.models import SourceDocument
from assistant.indexing.boilerplate import Excluded
from assistant.indexing.lines import (
    Piece,
    line_heading,
    line_pieces,
    repeated_headings,
    starts_lower,
)
from assistant.text.sentences import ends_sentence
from assistant.text.tables import is_table_rule

_BULLET_RE = re.compile(r"^\s*(?:[•\-*–]|✅)\s+\S")


@dataclass(frozen=True)
class Unit:
    """An indivisible piece of evidence (unless over budget) with its place in the document."""

    start: int
    end: int
    kind: str  # prose | bullet | row | head
    section: tuple[str, ...]
    table: int | None = None
    brk: bool = False  # no chunk may run from the previous unit into this one


class _Reader:
    """Turns pieces into units, tracking the section path and open tables."""

    def __init__(self, text: str, title: str) -> None:
        self.text = text
        self.title = title.casefold()
        self.markdown = bool(re.search(r"^#{1,6} \S", text, re.M))
        self.generic = repeated_headings(text) if self.markdown else frozenset()
        self.stack: list[tuple[int, str]] = []
        self.units: list[Unit] = []
        self.cur: list[int] | None = None  # [start, end] of the unit being built
        self.cur_kind = ""
        self.cur_brk = False
        self.table: int | None = None
        self.table_kind = ""  # "tab" | "pipe"
        self.head_done = False
        self.n_tables = 0
        self.pending_brk = False
        self.seen_content = False

    @property
    def section(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.stack if name and name.casefold() != self.title)

    def close(self) -> None:
        if self.cur is not None:
            start, end = self.cur
            table = self.table if self.cur_kind in ("row", "head") else None
            self.units.append(
                Unit(start, end, self.cur_kind, self.section, table, self.cur_brk)
            )
        self.cur = None

    def open(self, piece: Piece, kind: str) -> None:
        self.close()
        lead = len(piece.text) - len(piece.text.lstrip())
        self.cur = [piece.start + lead, piece.start + len(piece.text.rstrip())]
        self.cur_kind = kind
        self.cur_brk = self.pending_brk or piece.brk
        self.pending_brk = False

    def extend(self, piece: Piece) -> None:
        assert self.cur is not None
        self.cur[1] = piece.start + len(piece.text.rstrip())

    def end_table(self) -> None:
        if self.table is not None:
            self.close()
            self.table = None

    def feed(self, piece: Piece, next_piece: Piece | None) -> None:
        s = piece.text.strip()
        if piece.brk:
            self.end_table()
            self.close()
            self.pending_brk = True
        if not s:
            if self.table_kind == "pipe":
                self.end_table()
            return
        if self.table is not None and self._table_line(piece, s):
            return
        self.end_table()
        if self._continuation(piece):
            self.extend(piece)
            return
        self._line(piece, s, next_piece)

    def _continuation(self, piece: Piece) -> bool:
        if self.cur is None or self.cur_kind not in ("prose", "bullet") or piece.brk:
            return False
        current = self.text[self.cur[0] : self.cur[1]]
        return starts_lower(piece.text) and not ends_sentence(current)

    def _line(self, piece: Piece, s: str, next_piece: Piece | None) -> None:
        if s.startswith("|") or "\t" in piece.text:
            self._start_table(piece, "pipe" if s.startswith("|") else "tab")
            return
        if _BULLET_RE.match(piece.text):
            self.open(piece, "bullet")
            self.seen_content = True
            return
        heading = None
        if next_piece is not None and not starts_lower(next_piece.text):
            heading = line_heading(s, not self.seen_content, self.markdown)
        self.seen_content = True
        if heading is None:
            self.open(piece, "prose")
            return
        self.close()
        level, name = heading
        if name.casefold() in self.generic:
            parents = [lv for lv, nm in self.stack if nm.casefold() not in self.generic]
            level = parents[-1] + 1 if parents else level
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        if level > 0:
            self.stack.append((level, name))
        self.pending_brk = True

    def _start_table(self, piece: Piece, kind: str) -> None:
        self.close()
        self.n_tables += 1
        self.table, self.table_kind, self.head_done = self.n_tables, kind, False
        self.open(piece, "head")
        self.head_done = _is_header_row(piece.text, kind) and kind == "tab"

    def _table_line(self, piece: Piece, s: str) -> bool:
        """Handle a line while a table is open; False when the line ends the table."""
        if self.table_kind == "pipe":
            if not s.startswith("|"):
                return False
            if not self.head_done:
                self.extend(piece)
                self.head_done = is_table_rule(s)
                return True
            self.open(piece, "row")
            return True
        if "\t" not in piece.text:
            return False
        if self.head_done and _is_tab_separator(piece.text):
            return True
        if piece.text.startswith("\t") or not self.head_done:
            self.extend(piece)
            if not self.head_done:
                self.head_done = _is_header_row(piece.text, "tab")
            return True
        self.open(piece, "row")
        return True


def _is_tab_separator(line: str) -> bool:
    return not line.strip() or is_table_rule(line)


def _is_header_row(line: str, kind: str) -> bool:
    if kind != "tab":
        return False
    return sum(1 for c in line.split("\t") if c.strip() not in ("", "--")) >= 2


def read_units(doc: SourceDocument, excluded: Sequence[Excluded]) -> list[Unit]:
    """The document's evidence units in order, with section paths."""
    pieces = line_pieces(doc.text, excluded)
    reader = _Reader(doc.text, doc.title)
    for i, piece in enumerate(pieces):
        nxt = next((p for p in pieces[i + 1 :] if p.text.strip()), None)
        reader.feed(piece, nxt)
    reader.end_table()
    reader.close()
    return [u for u in reader.units if doc.text[u.start : u.end].strip()]
