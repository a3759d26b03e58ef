"""Where a sentence sits in its document: the list item it is and the line introducing its
list (its lead-in), and the question heading whose answer it opens. Text-level helpers of
``compose.units``."""

from __future__ import annotations

import re
import unicodedata

from assistant.answering.drug_names import MAX_NAME_ZIPF
from assistant.core.models import Chunk
from assistant.text.normalize import display_text
from assistant.text.words import words, zipf

#: A list item shorter than this is shown after the line introducing its list.
SHORT_ITEM_WORDS = 12
MAX_ITEMS_BACK = 8
MAX_LEAD_IN_WORDS = 12
#: A lead-in this short says whom or when its list is about ("Elderly patients (>65 years):",
#: "Before initiating this combination:"): every item is shown after it, long ones too.
QUALIFIER_WORDS = 5
#: A word rarer than this (Zipf) names a thing ("Thorne", "bisglycinate"); a lead-in without one
#: ("Why It's Premium:", "Best For:") says nothing of what its list is about.
NAMING_ZIPF = 4.0
#: A heading that is a numbered entry of a list ("#3: Thorne …", "2. KAL …").
_NUMBERED = re.compile(r"\s*#?\d+\s*[:.)]\s")
_FIRST_TOKEN = re.compile(r"[ \t]*\S+[ \t]+")
#: A heading's rank number and symbols ("#3: …", "… 💊"), left out when it names a list's subject.
_HEADING_EXTRAS = re.compile(r"^\s*#?\d+\s*[:.)]\s*|[^\w\s()’'.,&+-]+")


def asked_by(chunk: Chunk, offset: int) -> str:
    """The question a sentence answers: the heading it opens, when that heading asks one in
    the words of a reader (an FAQ entry, not a section title in title case)."""
    if not chunk.section or chunk.text[:offset].strip():
        return ""
    heading = display_text(chunk.section[-1]).strip(" “”\"'")
    if not heading.endswith("?") or _title_case(heading):
        return ""
    return heading


def _title_case(text: str) -> bool:
    """Most of its words after the first capitalised ("Who Should Avoid Magnesium?")."""
    rest = [w for w in text.split()[1:] if w[:1].isalpha()]
    return bool(rest) and sum(w[:1].isupper() for w in rest) > len(rest) / 2


def lead_in(text: str, offset: int) -> tuple[int, str] | None:
    """For a list item, the line ending with ':' that introduces its list (its start and
    reading text), when only other items stand between them."""
    if not is_item(text, offset):
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
        if looks_like_heading(shown):  # "Phase 3 (Weeks 5-8): Initial Medication Reduction"
            return prev_start + len(line) - len(line.lstrip()), f"{shown}:"
        return None
    return None


def lower_first(shown: str) -> str:
    """The item's first letter in lower case after its lead-in, unless it starts an acronym
    ("NSF Certified", "GABA interference")."""
    return shown if shown[1:2].isupper() else f"{shown[:1].lower()}{shown[1:]}"


def with_subject(chunk: Chunk, intro: str) -> str:
    """A lead-in that names nothing ("Why It's Premium:", "Best For:") after the heading
    it sits under, when that heading is a numbered entry of a list ("#3: Thorne Research
    Magnesium Bisglycinate – The …") that names something: "Thorne Research Magnesium
    Bisglycinate — why it's premium:", so the shown item says what it is about. A lead-in
    names something only with a word as rare as a medicine's name ("Ambien (zolpidem):";
    ``drug_names.MAX_NAME_ZIPF``): "The Caution:" and "Downside:" name nothing."""
    if not chunk.section or _names_something(intro, MAX_NAME_ZIPF) \
            or not _NUMBERED.match(chunk.section[-1]):
        return intro
    heading = display_text(_HEADING_EXTRAS.sub("", chunk.section[-1].split(" – ")[0]
                                               .split(" — ")[0])).strip(" :")
    if not _names_something(heading) or heading.lower() in intro.lower():
        return intro
    return f"{heading} — {intro}"


def _names_something(text: str, rarer_than: float = NAMING_ZIPF) -> bool:
    return any(zipf(w) < rarer_than for w in words(text) if w.isalpha())


def is_item(text: str, offset: int) -> bool:
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


def looks_like_heading(shown: str) -> bool:
    """A short line without final punctuation (a title, a heading), unless it is a label and
    a sentence-case statement ("Safe upper limit during pregnancy: 350-360mg elemental
    magnesium from supplements", not "Phase 3 (Weeks 5-8): Initial Medication Reduction")."""
    if shown[-1] in ".!?:;)\"'”" or len(shown.split()) > 14:
        return False
    _label, sep, rest = shown.partition(": ")
    after = rest.split()
    return not (sep and len(after) >= 3 and any(w[:1].islower() for w in after[1:]))
