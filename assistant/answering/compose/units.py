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
import unicodedata
from dataclasses import dataclass

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
from assistant.text.words import words, zipf

MIN_UNIT_CHARS = 25
MIN_UNIT_WORDS = 5
#: A list item shorter than this is shown after the line introducing its list.
SHORT_ITEM_WORDS = 12
MAX_ITEMS_BACK = 8
MAX_LEAD_IN_WORDS = 12
#: A lead-in this short says whom or when its list is about ("Elderly patients (>65 years):",
#: "Before initiating this combination:"): every item is shown after it, long ones too.
QUALIFIER_WORDS = 5
#: Bump when the text shown or scored for a unit changes (stored unit vectors go stale).
UNITS_VERSION = 16
#: A word rarer than this (Zipf) names a thing ("Thorne", "bisglycinate"); a lead-in without one
#: ("Why It's Premium:", "Best For:") says nothing of what its list is about.
NAMING_ZIPF = 4.0
#: A heading that is a numbered entry of a list ("#3: Thorne …", "2. KAL …").
_NUMBERED = re.compile(r"\s*#?\d+\s*[:.)]\s")
#: A heading's rank number and symbols ("#3: …", "… 💊"), left out when it names a list's subject.
_HEADING_EXTRAS = re.compile(r"^\s*#?\d+\s*[:.)]\s*|[^\w\s()’'.,&+-]+")
#: What separates words: "strategically—magnesium earlier" is three words.
_WORDS_APART = re.compile(r"[\s—–]+")
_FIRST_TOKEN = re.compile(r"[ \t]*\S+[ \t]+")
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
        lead_in = None if row else _lead_in(chunk.text, offset)
        if lead_in is not None and (len(shown.split()) < SHORT_ITEM_WORDS
                                    or len(lead_in[1].split()) <= QUALIFIER_WORDS):
            begin, intro = lead_in  # "Ambien (zolpidem):" + "- Short half-life (2-3 hours)"
            units.append(Unit(chunk=chunk, rank=rank, start=chunk.start + begin, end=end,
                              quote=chunk.text[begin:end - chunk.start],
                              display=_finished(f"{_with_subject(chunk, intro)} "
                                                f"{_lower_first(shown)}")))
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
        if _usable(quote, shown, row or _is_item(chunk.text, offset)):
            shown = _finished(one_sentence(shown) if row else shown)
            if not row and not match:
                match = _line_label(chunk.text, start - chunk.start)
            units.append(Unit(chunk=chunk, rank=rank, start=start, end=end, quote=quote,
                              display=shown, match=f"{match} {shown}" if match else ""))
        previous = None if row or joined_now else (start, end)
    return units


def _line_label(text: str, offset: int) -> str:
    """The label of the line a sentence is in, when the sentence is not the line's first (the
    first shows the label itself): "Toxicity (Hypermagnesemia):" for "Symptoms of … include …"."""
    line_start = text.rfind("\n", 0, offset) + 1
    label = _LABEL.match(text, line_start, offset)
    if label is None or not text[label.end():offset].strip():
        return ""
    name = display_text(label.group(1))
    return f"{name}:" if len(name.split()) <= MAX_LABEL_WORDS else ""


def _lead_in(text: str, offset: int) -> tuple[int, str] | None:
    """For a list item, the line ending with ':' that introduces its list (its start and
    reading text), when only other items stand between them."""
    if not _is_item(text, offset):
        return None
    pos = text.rfind("\n", 0, offset) + 1
    for _ in range(MAX_ITEMS_BACK):
        if pos == 0:
            return None
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev_start:pos - 1]
        if not line.strip() or _opens_item(line):  # another item, or a blank line
            pos = prev_start
            continue
        shown = display_text(line)
        if not 0 < len(shown.split()) <= MAX_LEAD_IN_WORDS:
            return None
        if shown.endswith(":"):
            return prev_start + len(line) - len(line.lstrip()), shown
        if _looks_like_heading(shown):  # "Phase 3 (Weeks 5-8): Initial Medication Reduction"
            return prev_start + len(line) - len(line.lstrip()), f"{shown}:"
        return None
    return None


def _lower_first(shown: str) -> str:
    """The item's first letter in lower case after its lead-in, unless it starts an acronym
    ("NSF Certified", "GABA interference")."""
    return shown if shown[1:2].isupper() else f"{shown[:1].lower()}{shown[1:]}"


def _with_subject(chunk: Chunk, intro: str) -> str:
    """A lead-in that names nothing ("Why It's Premium:", "Best For:") after the heading
    it sits under, when that heading is a numbered entry of a list ("#3: Thorne Research
    Magnesium Bisglycinate – The …") that names something: "Thorne Research Magnesium
    Bisglycinate — why it's premium:", so the shown item says what it is about."""
    if not chunk.section or _names_something(intro) \
            or not _NUMBERED.match(chunk.section[-1]):
        return intro
    heading = display_text(_HEADING_EXTRAS.sub("", chunk.section[-1].split(" – ")[0]
                                               .split(" — ")[0])).strip(" :")
    if not _names_something(heading) or heading.lower() in intro.lower():
        return intro
    return f"{heading} — {intro}"


def _names_something(text: str) -> bool:
    return any(zipf(w) < NAMING_ZIPF for w in words(text) if w.isalpha())


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
    if "\n" in quote and _is_item(chunk.text, start - chunk.start):
        return None  # the line after a list leans on the whole list, not on its last item
    shown = display_text(quote)
    if _leans_on_nothing(shown):
        return None
    return start, quote, shown


def _leans_on_nothing(shown: str) -> bool:
    return shown.endswith(":") or len(shown.split()) < MIN_UNIT_WORDS


def _is_item(text: str, offset: int) -> bool:
    """Does the span at ``offset`` open a list item ("  • Screen for …")? An item is never a
    heading, even when it is short and its source left off the final period."""
    line_start = text.rfind("\n", 0, offset) + 1
    return _is_bullet(text[line_start:offset])


def _opens_item(line: str) -> bool:
    m = _FIRST_TOKEN.match(line)
    return m is not None and _is_bullet(m.group(0))


def _is_bullet(prefix: str) -> bool:
    """A list item's opening: a dash, bullet or symbol ("✅", "→") and a space."""
    mark = prefix.strip().replace("\ufe0f", "")
    return len(mark) == 1 and prefix.endswith((" ", "\t")) and (
        mark in "-•*–" or unicodedata.category(mark).startswith("S"))


def _usable(quote: str, shown: str, row: bool) -> bool:
    if len(shown) < MIN_UNIT_CHARS or len(_WORDS_APART.split(shown.strip())) < MIN_UNIT_WORDS:
        return False
    if shown.endswith(("?", ":")):
        return False
    return row or not _looks_like_heading(shown)


def _finished(shown: str) -> str:
    shown = shown.strip()
    if shown[-1] in ".!?" or (shown[-1] in "\"”)" and shown[-2:-1] in (".", "!", "?")):
        return shown
    return shown + "."


def _looks_like_heading(shown: str) -> bool:
    """A short line without final punctuation (a title, a heading), unless it is a label and
    a sentence-case statement ("Safe upper limit during pregnancy: 350-360mg elemental
    magnesium from supplements", not "Phase 3 (Weeks 5-8): Initial Medication Reduction")."""
    if shown[-1] in ".!?:;)\"'”" or len(shown.split()) > 14:
        return False
    _label, sep, rest = shown.partition(": ")
    after = rest.split()
    return not (sep and len(after) >= 3 and any(w[:1].islower() for w in after[1:]))
