"""Packing evidence units into chunks that fit the embedding budget.

Units of one section are packed greedily until the embedded text (title, section path, table
context and body) would exceed ``max_tokens``; a table head travels with its first row. A unit
over budget alone is split into sentences (cells for table rows), then clauses, then words, and
every such split is noted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from assistant.core.errors import CorpusError
from assistant.core.models import SourceDocument
from assistant.indexing.units import Unit
from assistant.text.normalize import display_text
from assistant.text.sentences import split_sentences

CountTokens = Callable[[str], int]


class Packer:
    def __init__(
        self, doc: SourceDocument, units: list[Unit], max_tokens: int, count: CountTokens
    ) -> None:
        self.doc = doc
        self.max_tokens = max_tokens
        self.count = count
        self.heads = {u.table: u for u in units if u.kind == "head"}
        self.notes: list[str] = []
        self._cache: dict[tuple[int, int, bool], tuple[str, int]] = {}

    def context(self, units: Sequence[Unit]) -> str:
        for u in units:
            if u.kind == "row" and u.table is not None:
                head = self.heads.get(u.table)
                if head is not None and head not in units:
                    return display_text(self.doc.text[head.start : head.end])
        return ""

    def embed(self, units: Sequence[Unit], shed: bool = True) -> tuple[str, int]:
        """Embedded text and its token count: title, section path, context and body. With
        ``shed``, a unit that cannot fit even alone (very tight budgets only) sheds the extras
        (context, outer headings, title) rather than ever exceeding the budget."""
        key = (units[0].start, units[-1].end, shed)
        if key not in self._cache:
            self._cache[key] = self._embed(units, shed)
        return self._cache[key]

    def _embed(self, units: Sequence[Unit], shed: bool) -> tuple[str, int]:
        body = display_text(self.doc.text[units[0].start : units[-1].end])
        section, ctx = units[0].section, self.context(units)
        variants = [[self.doc.title, " > ".join(section), ctx, body]]
        if shed:
            variants += [
                [self.doc.title, " > ".join(section), body],
                [self.doc.title, section[-1] if section else "", body],
                [body],
            ]
        best = ("", 0)
        for parts in variants:
            text = "\n".join(p for p in parts if p)
            best = (text, self.count(text))
            if best[1] <= self.max_tokens:
                break
        return best

    def fits(self, units: Sequence[Unit], shed: bool = False) -> bool:
        return self.embed(units, shed)[1] <= self.max_tokens

    def pack(self, atoms: list[list[Unit]]) -> list[list[Unit]]:
        groups: list[list[Unit]] = []
        cur: list[Unit] = []
        for atom in atoms:
            if cur and (atom[0].brk or atom[0].section != cur[0].section
                        or not self.fits(cur + atom)):
                groups.append(cur)
                cur = []
            if self.fits(atom):
                cur = cur + atom
                continue
            for piece in self.split(atom):
                if cur and not self.fits([*cur, piece]):
                    groups.append(cur)
                    cur = []
                cur.append(piece)
        if cur:
            groups.append(cur)
        return groups

    def split(self, atom: list[Unit]) -> list[Unit]:
        """Pieces of an over-budget atom that each fit: units, sentences, clauses, words."""
        if len(atom) > 1:
            self.note(atom[0], "table header and first row over budget together; split")
            return [p for u in atom for p in self.split([u])]
        unit = atom[0]
        text = self.doc.text
        if unit.kind in ("row", "head"):
            spans = _cell_spans(text, unit.start, unit.end)
        else:
            spans = split_sentences(text[unit.start : unit.end], unit.start)
        if len(spans) > 1 and unit.kind != "prose":
            self.note(unit, f"{unit.kind} over budget; split into {len(spans)} sentences/cells")
        pieces = []
        for s, e in spans or [(unit.start, unit.end)]:
            pieces.extend(self.split_small(replace(unit, start=s, end=e, brk=False)))
        return pieces

    def split_small(self, unit: Unit, seps: tuple[str, ...] = ("; ", ", ", " ")) -> list[Unit]:
        """Clause, then word splits of an over-budget sentence; before cutting into words, the
        embedded extras (context, outer headings, title) are shed instead."""
        if self.fits([unit]):
            return [unit]
        if (not seps or seps[0] == " ") and self.fits([unit], shed=True):
            self.note(unit, "embedded text sheds context/headings to fit the budget")
            return [unit]
        if not seps:
            raise CorpusError(f"cannot fit the text at {unit.start} of {self.doc.source} into "
                              f"{self.max_tokens} tokens")
        self.note(unit, f"over budget; split at {seps[0]!r}")
        out = []
        for s, e in _split_at(self.doc.text, unit.start, unit.end, seps[0]):
            out.extend(self.split_small(replace(unit, start=s, end=e), seps[1:]))
        return out

    def note(self, unit: Unit, message: str) -> None:
        self.notes.append(f"{self.doc.source}@{unit.start}: {message}")


def _cell_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    for m in re.finditer(r"[^\t|\n]+", text[start:end]):
        s, e = start + m.start(), start + m.end()
        seg = text[s:e]
        s += len(seg) - len(seg.lstrip())
        e -= len(seg) - len(seg.rstrip())
        if e > s and seg.strip() != "--":
            out.append((s, e))
    return out


def _split_at(text: str, start: int, end: int, sep: str) -> list[tuple[int, int]]:
    out, cur = [], start
    while True:
        i = text.find(sep, cur, end)
        if i < 0:
            break
        out.append((cur, i + len(sep.rstrip())))
        cur = i + len(sep)
    out.append((cur, end))
    return [(s, e) for s, e in out if e > s]


def atoms(units: list[Unit]) -> list[list[Unit]]:
    """Units grouped so that a table head always travels with the first row after it."""
    atoms: list[list[Unit]] = []
    for unit in units:
        prev = atoms[-1] if atoms else None
        if prev and prev[-1].kind == "head" and unit.kind == "row" and unit.table == prev[-1].table:
            prev.append(unit)
        else:
            atoms.append([unit])
    return atoms
