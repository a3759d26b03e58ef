"""Structure-aware chunking into exact, contiguous spans of the source text.

Pipeline: drop non-evidence regions (``clean``), read the remaining lines as headings, bullets,
table rows and prose ("units"), then pack units of one section into chunks whose embedded text
fits ``settings.chunking.max_tokens`` model tokens.

Guarantees (tested on the corpus):

* ``chunk.text == doc.text[chunk.start:chunk.end]``; a chunk never touches a dropped region;
* a bullet, a table row (including its PDF-broken continuation lines) and a sentence are never
  cut unless one alone is over budget (then: sentences, then clauses, then words; each such
  split is reported);
* a table's header row(s) travel with its first rows and, in later chunks, in ``context``;
* ``n_tokens`` is the measured token count of ``embed_text`` and never exceeds ``max_tokens``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from assistant.core.errors import CorpusError
from assistant.core.models import Chunk, SourceDocument
from assistant.core.settings import CHUNKER_VERSION, Settings
from assistant.indexing.boilerplate import Excluded, find_excluded, load_policy
from assistant.text.normalize import EMOJI_RE, display_text, heading_text
from assistant.text.sentences import ends_sentence, split_sentences
from assistant.text.tables import is_table_rule

log = logging.getLogger(__name__)

CountTokens = Callable[[str], int]

_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+\S")
_BOLD_HEADING_RE = re.compile(r"^\*\*[^*]+\*\*:?$")
_BULLET_RE = re.compile(r"^\s*(?:[•\-*–]|✅)\s+\S")
_NUMBERED_HEADING_RE = re.compile(r"^#\d+:\s+\S")
_NOT_HEADING_EMOJI = frozenset("✅⭐❌")
_PLAIN_LEVEL, _QUOTED_EMOJI_LEVEL, _EMOJI_LEVEL, _NUMBERED_LEVEL, _BOLD_LEVEL = 1, 2, 3, 4, 4


@dataclass(frozen=True)
class Unit:
    """An indivisible piece of evidence (unless over budget) with its place in the document."""

    start: int
    end: int
    kind: str  # prose | bullet | row | head
    section: tuple[str, ...]
    table: int | None = None
    brk: bool = False  # no chunk may run from the previous unit into this one


@dataclass
class ChunkingResult:
    chunks: list[Chunk]
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- line reading


@dataclass(frozen=True)
class _Piece:
    """A line, or the part of a line between dropped regions."""

    start: int
    end: int
    text: str
    brk: bool  # something was dropped right before this piece


def _pieces(text: str, excluded: Sequence[Excluded]) -> list[_Piece]:
    out: list[_Piece] = []
    spans = list(excluded)
    pos, brk = 0, False
    for raw in text.splitlines(keepends=True):
        body_end = pos + len(raw.rstrip("\r\n"))
        cur = pos
        for ex in spans:
            if ex.end <= cur or ex.start >= body_end:
                continue
            if ex.start > cur:
                out.append(_Piece(cur, ex.start, text[cur : ex.start], brk))
            brk, cur = True, max(cur, ex.end)
        if cur < body_end or cur == pos:
            out.append(_Piece(cur, body_end, text[cur:body_end], brk))
            brk = brk and not text[cur:body_end].strip()
        pos += len(raw)
    return out


def _starts_lower(line: str) -> bool:
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


def _heading(s: str, is_first: bool, markdown: bool) -> tuple[int, str] | None:
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


# ---------------------------------------------------------------- units


class _Reader:
    """Turns pieces into units, tracking the section path and open tables."""

    def __init__(self, text: str, title: str) -> None:
        self.text = text
        self.title = title.casefold()
        self.markdown = bool(re.search(r"^#{1,6} \S", text, re.M))
        self.generic = _repeated_headings(text) if self.markdown else frozenset()
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

    def open(self, piece: _Piece, kind: str) -> None:
        self.close()
        lead = len(piece.text) - len(piece.text.lstrip())
        self.cur = [piece.start + lead, piece.start + len(piece.text.rstrip())]
        self.cur_kind = kind
        self.cur_brk = self.pending_brk or piece.brk
        self.pending_brk = False

    def extend(self, piece: _Piece) -> None:
        assert self.cur is not None
        self.cur[1] = piece.start + len(piece.text.rstrip())

    def end_table(self) -> None:
        if self.table is not None:
            self.close()
            self.table = None

    def feed(self, piece: _Piece, next_piece: _Piece | None) -> None:
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

    def _continuation(self, piece: _Piece) -> bool:
        if self.cur is None or self.cur_kind not in ("prose", "bullet") or piece.brk:
            return False
        current = self.text[self.cur[0] : self.cur[1]]
        return _starts_lower(piece.text) and not ends_sentence(current)

    def _line(self, piece: _Piece, s: str, next_piece: _Piece | None) -> None:
        if s.startswith("|") or "\t" in piece.text:
            self._start_table(piece, "pipe" if s.startswith("|") else "tab")
            return
        if _BULLET_RE.match(piece.text):
            self.open(piece, "bullet")
            self.seen_content = True
            return
        heading = None
        if next_piece is not None and not _starts_lower(next_piece.text):
            heading = _heading(s, not self.seen_content, self.markdown)
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

    def _start_table(self, piece: _Piece, kind: str) -> None:
        self.close()
        self.n_tables += 1
        self.table, self.table_kind, self.head_done = self.n_tables, kind, False
        self.open(piece, "head")
        self.head_done = _is_header_row(piece.text, kind) and kind == "tab"

    def _table_line(self, piece: _Piece, s: str) -> bool:
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


def _repeated_headings(text: str) -> frozenset[str]:
    """Markdown heading names used more than once ("Mechanisms", "Clinical Evidence"): these are
    subsections of the latest distinct heading, whatever their marked level."""
    names = [heading_text(m.group(0)).casefold()
             for m in re.finditer(r"^#{1,6} \S.*$", text, re.M)]
    return frozenset(n for n in names if names.count(n) > 1)


def _is_tab_separator(line: str) -> bool:
    return not line.strip() or is_table_rule(line)


def _is_header_row(line: str, kind: str) -> bool:
    if kind != "tab":
        return False
    return sum(1 for c in line.split("\t") if c.strip() not in ("", "--")) >= 2


def read_units(doc: SourceDocument, excluded: Sequence[Excluded]) -> list[Unit]:
    """The document's evidence units in order, with section paths."""
    pieces = _pieces(doc.text, excluded)
    reader = _Reader(doc.text, doc.title)
    for i, piece in enumerate(pieces):
        nxt = next((p for p in pieces[i + 1 :] if p.text.strip()), None)
        reader.feed(piece, nxt)
    reader.end_table()
    reader.close()
    return [u for u in reader.units if doc.text[u.start : u.end].strip()]


# ---------------------------------------------------------------- packing


class _Packer:
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


def _atoms(units: list[Unit]) -> list[list[Unit]]:
    """Units grouped so that a table head always travels with the first row after it."""
    atoms: list[list[Unit]] = []
    for unit in units:
        prev = atoms[-1] if atoms else None
        if prev and prev[-1].kind == "head" and unit.kind == "row" and unit.table == prev[-1].table:
            prev.append(unit)
        else:
            atoms.append([unit])
    return atoms


def _kind(units: Sequence[Unit]) -> str:
    kinds = {{"prose": "prose", "bullet": "bullets"}.get(u.kind, "table") for u in units}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def chunk_id(source: str, start: int, end: int, text: str) -> str:
    key = "\x1f".join((source, str(start), str(end), CHUNKER_VERSION, text))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def chunk_document_with_notes(
    doc: SourceDocument, settings: Settings, count_tokens: CountTokens
) -> ChunkingResult:
    """Chunks of one document plus notes on every over-budget split."""
    policy = load_policy(settings.chunking.boilerplate_file)
    units = read_units(doc, find_excluded(doc.text, policy))
    packer = _Packer(doc, units, settings.chunking.max_tokens, count_tokens)
    chunks = []
    for group in packer.pack(_atoms(units)):
        start, end = group[0].start, group[-1].end
        text = doc.text[start:end]
        embed, n_tokens = packer.embed(group, shed=not packer.fits(group))
        chunks.append(Chunk(
            id=chunk_id(doc.source, start, end, text), source=doc.source, title=doc.title,
            section=list(group[0].section), text=text, start=start, end=end, kind=_kind(group),
            context=packer.context(group), embed_text=embed, n_tokens=n_tokens,
            file_sha256=doc.sha256,
        ))
    return ChunkingResult(chunks, packer.notes)


def chunk_document(
    doc: SourceDocument, settings: Settings, count_tokens: Callable[[str], int]
) -> list[Chunk]:
    """Exact-offset chunks of one document (splits of over-budget units are logged)."""
    result = chunk_document_with_notes(doc, settings, count_tokens)
    for note in result.notes:
        log.warning("chunking: %s", note)
    return result.chunks
