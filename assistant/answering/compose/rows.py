"""Table rows as reading text for the composer's units (``compose.units``): a pipe or TAB row
is shown as "First cell — Header: value; Header: value" with its table's header (found above
it, or carried in the chunk's context when the table was split across chunks), a
question/answer row as its answer; header rows are recognised so they are never units.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from assistant.answering.compose.policy import matches
from assistant.answering.compose.profile import names_thing
from assistant.core.models import Chunk
from assistant.text.normalize import display_text, tab_cells
from assistant.text.tables import is_table_rule
from assistant.text.words import stem, words

#: A question/answer row shows its answer alone when the answer has at least this many words.
MIN_ANSWER_WORDS = 5
#: A part of a shown row that opens a cell: "Name: value" (a later clause of a cell has none).
_LABEL = re.compile(r"^[^:;]{1,60}: ")
_BOLD_CELL = re.compile(r"(<b>|<strong>|\*\*|__).+(</b>|</strong>|\*\*|__)", re.I | re.S)


def is_row(quote: str) -> bool:
    """Is this quoted span a table row (pipe or TAB cells)? A quote of a row has its outer
    pipes trimmed, so a two-column row ("Question? | Answer.") keeps one, between spaces."""
    return quote.count("|") >= 2 or "\t" in quote or " | " in quote


def one_sentence(row: str) -> str:
    """A table row read as one sentence: sentences inside its cells become clauses."""
    return re.sub(r"[.;]\s*;\s*", "; ", re.sub(r"(?<=[a-z0-9)%])\.\s+(?=[A-Z])", "; ", row))


def is_header(text: str, quote: str, end: int) -> bool:
    """Is the row ending at ``end`` a header row (the next line is a table rule, or every cell
    is bold)?"""
    after = text[end:].split("\n", 2)
    line = after[1] if len(after) > 1 else ""
    if line.strip() and is_table_rule(line):
        return True
    cells = [c.strip() for c in re.split(r"[|\t]", quote) if c.strip()]
    return len(cells) >= 2 and all(_BOLD_CELL.fullmatch(c) for c in cells)


def is_tab_header(chunk: Chunk, offset: int, quote: str) -> bool:
    """A one-line TAB row without digits that opens its table: no row of as many cells above
    it, none carried in the chunk's context, and the next row has as many cells."""
    if "\t" not in quote or "\n" in quote.strip() or any(ch.isdigit() for ch in quote):
        return False
    cells = quote.strip().split("\t")
    if _context_names(chunk) or _header_above(chunk.text[:offset], len(cells)) is not None:
        return False
    below = [ln for ln in chunk.text[offset + len(quote):].splitlines() if ln.strip()][:1]
    return bool(below) and len(below[0].strip().split("\t")) == len(cells)


def row_text(chunk: Chunk, offset: int, quote: str) -> str | None:
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


def tab_row_text(chunk: Chunk, offset: int, quote: str) -> str | None:
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


def _rows_above(before: str) -> Iterator[str]:
    """The TAB rows of the table block that ends ``before``, nearest first (blank lines
    skipped; the block ends at a line without a TAB)."""
    for line in reversed(before.splitlines()):
        if not line.strip():
            continue
        if "\t" not in line:
            return
        yield line


def _header_above(before: str, count: int) -> list[str] | None:
    """The topmost TAB row of ``count`` filled cells in the table block ending ``before``."""
    header = None
    for line in _rows_above(before):
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


def focused_row(display: str, keep: Callable[[str], bool]) -> str | None:
    """A shown row ('First cell — Name: value; Name: value') with only its first cell and the
    cells ``keep`` accepts; None when it keeps all of them or none (show the row whole)."""
    head, sep, rest = display.partition(" — ")
    if not sep:
        return None
    cells = _shown_cells(rest)
    kept = [cell for cell in cells if keep(cell)]
    if not kept or len(kept) == len(cells):
        return None
    return f"{head} — " + "; ".join(kept) + "."


def readable(display: str, advice: list[str], examples: list[str],
             risk: list[str] | None = None) -> str | None:
    """A shown row ('First cell — Name: value; Name: value') read as sentences when a cell's
    name says what to do (``advice``): 'First cell (examples): what to do. Name: value; …', the
    cells named as examples in parentheses after the first cell, the others after it in their
    order; a cell named as the risk (``risk``) first of all: 'First cell — Risk Level: High.
    What to do. …'. None for a row without such a cell (a row of numbers keeps its names)."""
    head, sep, rest = display.partition(" — ")
    if not sep or not head:
        return None
    by_role: dict[str, list[tuple[str, str, str]]] = {}
    for name, colon, value in (cell.partition(": ") for cell in _shown_cells(rest)):
        role = next((kind for kind, patterns in (("advice", advice), ("risk", risk or []),
                                                 ("examples", examples))
                     if colon and matches(patterns, name)), "other")
        by_role.setdefault(role, []).append((name, colon, value))
    todo = [value for _, _, value in by_role.get("advice", [])]
    if not todo:
        return None
    named = [value for _, _, value in by_role.get("examples", [])]
    first = ["".join(cell) for cell in by_role.get("risk", [])]
    others = ["".join(cell) for cell in by_role.get("other", [])]
    subject = f"{head} ({'; '.join(named)})" if named else head
    text = (f"{subject} — {'; '.join(first)}. " if first else f"{subject}: ") \
        + "; ".join(todo) + "."
    return f"{text} {'; '.join(others)}." if others else text


def _shown_cells(rest: str) -> list[str]:
    """The cells of a shown row after its first cell ("Name: value" each; a later clause of
    a cell, which has no name, stays with it)."""
    cells: list[str] = []
    for piece in rest.rstrip(". ").split("; "):
        if cells and not _LABEL.match(piece):
            cells[-1] += "; " + piece
        else:
            cells.append(piece)
    return cells


def tab_header(chunk: Chunk, offset: int, quote: str) -> str:
    """For a TAB-table row, its table's title and header rows (all cells bold), which are
    scored and embedded with the row but not shown."""
    if "\t" not in quote:
        return ""
    heads: list[str] = []
    for line in _rows_above(chunk.context + "\n" + chunk.text[:offset]):
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if cells and all(_BOLD_CELL.fullmatch(c) for c in cells):
            heads.insert(0, "; ".join(display_text(c) for c in cells))
    return " ".join(heads) or chunk.context  # a split table's header rides in the context


def row_question(quote: str) -> str:
    """The question cell of a question/answer row ('' for other rows)."""
    cells = _cells(quote)
    return cells[0] if len(cells) == 2 and cells[0].endswith("?") else ""


def row_about_another(quote: str, asked: frozenset[str], core: frozenset[str],
                      medicines: frozenset[str] = frozenset()) -> bool:
    """Is this a table row about a named thing the question does not name? Its first cell says
    what the row is about ("Gabapentin", "Muscle relaxants (cyclobenzaprine)"): when it has a
    name (``profile.names_thing``) other than a core subject, and neither a name of it nor a
    medicine the row names elsewhere ("Tetracycline Antibiotics | Doxycycline, …";
    ``medicines``: the corpus's words for them) is among the ``asked`` stems, it is about
    another thing; an effect in its other cells ("Additive sedation—excessive drowsiness") is
    not what it is about. A question/answer row is about its question, not a thing."""
    if not is_row(quote) or row_question(quote):
        return False
    cells = tab_cells(quote) or quote.strip().strip("|").split("|")

    def names(text: str, only: frozenset[str] | None = None) -> set[str]:
        return {stem(w) for w in words(display_text(text)) if names_thing(w)
                and (only is None or w.lower() in only)} - core
    named = names(cells[0])
    return bool(named) and not (named | names(" ".join(cells[1:]), medicines)) & asked


def _cells(line: str) -> list[str]:
    return [display_text(cell).strip(" .") for cell in line.strip().strip("|").split("|")]
