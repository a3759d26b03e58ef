"""Quotable units of a retrieved chunk: its sentences, bullets and table rows, each with the exact
span it quotes and the reading text shown for it.

* A table row is shown as a readable sentence ("First cell — Header: value; Header: value.",
  a question/answer row as its answer); header rows and table rules are never units.
* A sentence that leans on the one before it ("These …", "If this happens …") is joined to
  that sentence, so one citation quotes both; when there is none, it is dropped. A linking word
  a sentence can stand without ("Therefore,", "For example,") is left out of the shown text.
* Headings, questions, lead-ins ending in ":" and bare fragments are not units. Shown text ends
  with a full stop; the quote stays the exact file text.
* A short list item is shown after the line introducing its list ("Symptoms: confusion."); a
  short list is also one unit, every item after its lead-in (``compose.layout``).
* The sentence opening the answer to a question heading (an FAQ entry) carries that question,
  which the scorer embeds on its own (``Unit.asked``).
* Spans marked instruction-like at indexing are never units.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from assistant.answering.compose.layout import (
    QUALIFIER_WORDS,
    SHORT_ITEM_WORDS,
    asked_by,
    is_item,
    lead_in,
    looks_like_heading,
    lower_first,
    with_subject,
)
from assistant.answering.compose.policy import AnswerPolicy
from assistant.answering.compose.rows import (
    is_header,
    is_row,
    is_tab_header,
    one_sentence,
    row_question,
    row_text,
    tab_header,
    tab_row_text,
)
from assistant.core.models import Chunk
from assistant.indexing.untrusted import overlaps
from assistant.text.normalize import display_text
from assistant.text.sentences import split_sentences
from assistant.text.tables import is_table_rule

MIN_UNIT_CHARS = 25
MIN_UNIT_WORDS = 5
#: A list of at most this many short items, this many words in all with its lead-in, is also
#: one unit.
MAX_LIST_ITEMS = 6
MAX_LIST_WORDS = 45
#: Bump when the text shown or scored for a unit changes (stored unit vectors go stale).
UNITS_VERSION = 23
#: What separates words: "strategically—magnesium earlier" is three words.
_WORDS_APART = re.compile(r"[\s—–]+")
#: A line opening with a short label ("- **Toxicity (Hypermagnesemia):** …", "Fibromyalgia: …"):
#: the label says what every later sentence of that line is about.
_LABEL = re.compile(r"[ \t]*(?:[-•*–][ \t]+)?(?:\*\*)?([A-Z][^:\n*]{1,60}?):(?:\*\*)?[ \t]+(?=\S)")
MAX_LABEL_WORDS = 8


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
    #: The question its heading asks, when the unit opens the answer to it ("I get vivid
    #: dreams on magnesium—is that normal or should I stop?"): a reader asking that question
    #: is answered by it. Embedded on its own (``scoring``: ``weights.asked``), never read for
    #: what the unit says.
    asked: str = ""
    #: How many list items it shows, when it is a whole short list (0 otherwise).
    items: int = 0

    @property
    def text(self) -> str:
        return self.match or self.display


def overlapping(a: Unit, b: Unit) -> bool:
    """Do the two units quote overlapping spans of one file?"""
    return a.chunk.source == b.chunk.source and a.start < b.end and b.start < a.end


def embedded_text(unit: Unit, asked: bool = False) -> str:
    """What a unit's vector is made of: its text, or (``asked``) its heading's question."""
    return unit.asked if asked else unit.text


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
    items: list[tuple[Unit, str, str]] = []  # list items shown after their lead-in
    previous: tuple[int, int] | None = None
    for start, end in spans:
        offset = start - chunk.start
        quote = chunk.text[offset:end - chunk.start]
        row = is_row(quote)
        if row and (is_table_rule(quote) or is_header(chunk.text, quote, end - chunk.start)
                    or is_tab_header(chunk, offset, quote)):
            previous = None
            continue
        shown = (row_text(chunk, offset, quote) if "|" in quote
                 else tab_row_text(chunk, offset, quote) or display_text(quote))
        match = row_question(quote) if "|" in quote else tab_header(chunk, offset, quote)
        if shown is None:
            previous = None
            continue
        intro_at = None if row else lead_in(chunk.text, offset)
        if intro_at is not None and (len(shown.split()) < SHORT_ITEM_WORDS
                                     or len(intro_at[1].split()) <= QUALIFIER_WORDS):
            begin, intro = intro_at  # "Ambien (zolpidem):" + "- Short half-life (2-3 hours)"
            # a labelled lead-in ("The Consideration: Citrate's laxative effect means …:")
            # names its entry when its label names nothing, whatever the rest of it names
            intro = _labelled(chunk, intro) if _LABEL.match(intro) else with_subject(chunk, intro)
            units.append(Unit(chunk=chunk, rank=rank, start=chunk.start + begin, end=end,
                              quote=chunk.text[begin:end - chunk.start],
                              display=_finished(f"{intro} {lower_first(shown)}")))
            items.append((units[-1], intro, shown))
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
        if _usable(quote, shown, row or is_item(chunk.text, offset)):
            shown = _finished(one_sentence(shown) if row else _labelled(chunk, shown))
            if not row and not match:
                match = _line_label(chunk, start - chunk.start)
                entry = with_subject(chunk, match) if match else ""
                if entry != match:  # a numbered entry's advice ("Start with half-dose …") is
                    shown, match = _finished(f"{entry} {lower_first(shown)}"), ""  # shown so
            units.append(Unit(chunk=chunk, rank=rank, start=start, end=end, quote=quote,
                              display=shown, match=f"{match} {shown}" if match else "",
                              asked="" if row else asked_by(chunk, start - chunk.start)))
        previous = None if row or joined_now else (start, end)
    return _with_whole_lists(units, items)


def _with_whole_lists(units: list[Unit], items: list[tuple[Unit, str, str]]) -> list[Unit]:
    """Each short list also as one unit, after its last item: its lead-in and every item
    ("Symptoms: muscle weakness; irregular heartbeat; difficulty breathing; confusion."),
    quoting the lead-in through the last item. An item's own unit quotes from the lead-in too,
    so an answer could otherwise show one item of a list, never the list."""
    lists: dict[int, list[tuple[Unit, str, str]]] = {}
    for item in items:
        lists.setdefault(item[0].start, []).append(item)
    out = []
    for unit in units:
        out.append(unit)
        group = lists.get(unit.start, [])
        if not group or unit is not group[-1][0] or not 2 <= len(group) <= MAX_LIST_ITEMS:
            continue
        intro, shown = group[0][1], [lower_first(s.rstrip(" .;,")) for *_, s in group]
        lines = [line for line in unit.quote.splitlines()[1:] if line.strip()]
        if len(lines) == len(group) and all(len(s.split()) < SHORT_ITEM_WORDS for s in shown) \
                and len(intro.split()) + sum(len(s.split()) for s in shown) <= MAX_LIST_WORDS:
            out.append(replace(unit, display=_finished(f"{intro} {'; '.join(shown)}"),
                               items=len(group)))
    return out


def _line_label(chunk: Chunk, offset: int) -> str:
    """The label of the line a sentence is in, when the sentence is not the line's first (the
    first shows the label itself): "Toxicity (Hypermagnesemia):" for "Symptoms of … include …"."""
    text = chunk.text
    line_start = text.rfind("\n", 0, offset) + 1
    label = _LABEL.match(text, line_start, offset)
    if label is None or not text[label.end():offset].strip():
        return ""
    name = display_text(label.group(1))
    return f"{name}:" if len(name.split()) <= MAX_LABEL_WORDS else ""


def _labelled(chunk: Chunk, shown: str) -> str:
    """A line shown with its own label that names nothing ("The Caution: 400mg can cause …")
    after the numbered entry it is under: "KAL Magnesium Glycinate 400 — The Caution: …"."""
    label = _LABEL.match(shown)
    if label is None or len(label.group(1).split()) > MAX_LABEL_WORDS:
        return shown
    intro = f"{label.group(1)}:"
    named = with_subject(chunk, intro)
    return shown if named == intro else f"{named} {shown[label.end():]}"


def _without_connector(shown: str, pattern: str) -> str:
    """'For example, one study found …' -> 'One study found …'."""
    rest = re.sub(pattern, "", shown, count=1, flags=re.I)
    return rest[:1].upper() + rest[1:] if rest != shown and rest else shown


#: The main clause after a short opening phrase that starts with a plural demonstrative ("In
#: the case of magnesium glycinate, these effects are further amplified …") leans too.
_CLAUSE_LEANS = re.compile(r"^(?:[^\s,.;:]+\s+){2,9}[^\s,.;:]+,\s+(these|those)\b", re.I)


def _leans(shown: str, dangling: list[str]) -> bool:
    return bool(_CLAUSE_LEANS.search(shown)) or any(re.search(p, shown, re.I) for p in dangling)


def _join(chunk: Chunk, previous: tuple[int, int], end: int) -> tuple[int, str, str] | None:
    """The previous sentence and this one as one unit, when they are in the same paragraph."""
    start = previous[0]
    quote = chunk.text[start - chunk.start:end - chunk.start]
    if "\n\n" in quote or len(quote) > 600:
        return None
    if "\n" in quote and is_item(chunk.text, start - chunk.start):
        return None  # the line after a list leans on the whole list, not on its last item
    shown = display_text(quote)
    if _leans_on_nothing(shown):
        return None
    return start, quote, shown


def _leans_on_nothing(shown: str) -> bool:
    return shown.endswith(":") or len(shown.split()) < MIN_UNIT_WORDS


def _usable(quote: str, shown: str, row: bool) -> bool:
    if len(shown) < MIN_UNIT_CHARS or len(_WORDS_APART.split(shown.strip())) < MIN_UNIT_WORDS:
        return False
    if shown.endswith(("?", ":")):
        return False
    return row or not looks_like_heading(shown)


def _finished(shown: str) -> str:
    shown = shown.strip()
    if shown[-1] in ".!?" or (shown[-1] in "\"”)" and shown[-2:-1] in (".", "!", "?")):
        return shown
    return shown + "."


