"""Doses the user gives against those the lead names: a sentence about "120mg … with 0.5mg" does
not answer "200 mg with 1 mg" as it stands, so the answer says which doses its evidence is about
(policy ``dose_note``). Units are compared in milligrams (500 mcg = 0.5 mg); a range in the lead
("200-400mg") covers the doses inside it, a bound (">400mg", "up to 350 mg") those past it."""

from __future__ import annotations

import re
from collections.abc import Callable

#: A number as written, thousands separators included ("3,000" is three thousand, not "000"),
#: and a dose is one in a mass unit, not a concentration ("2.0 mg/dL" is a lab value).
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DOSE = re.compile(rf"(?<![\d.,])({_NUMBER})(?:\s*(?:-|–|to)\s*({_NUMBER}))?\s*"
                   r"(mg|mcg|µg|micrograms?|milligrams?|g|grams?)\b(?!\s*/\s*(dl|l|ml)\b)", re.I)
_IN_MG = {"mg": 1.0, "milligram": 1.0, "mcg": 0.001, "µg": 0.001, "microgram": 0.001,
          "g": 1000.0, "gram": 1000.0}


Dose = tuple[float, float, str]


def doses(text: str) -> list[Dose]:
    """(low, high, as written) of each dose in the text, in milligrams."""
    return [dose for _, dose in _found(text)]


#: A bound written before a dose: it covers every dose above (">400mg", "over 400 mg") or
#: below ("<350mg", "up to 350 mg") it.
_ABOVE = re.compile(r"(>|≥|\bover|\babove|\bmore than|\bgreater than|\bexceed\w*)\s*$", re.I)
_BELOW = re.compile(r"(<|≤|\bunder|\bbelow|\bless than|\bup to)\s*$", re.I)


def _found(text: str) -> list[tuple[re.Match[str], Dose]]:
    out = []
    for m in _DOSE.finditer(text):
        scale = _IN_MG[m.group(3).lower().rstrip("s")]
        low = float(m.group(1).replace(",", "")) * scale
        high = float(m.group(2).replace(",", "")) * scale if m.group(2) else low
        before = text[max(0, m.start() - 15):m.start()]
        if not m.group(2) and _ABOVE.search(before):
            high = float("inf")
        elif not m.group(2) and _BELOW.search(before):
            low = 0.0
        out.append((m, (low, high, m.group(0).strip())))
    return out


#: The substance a word names (a canonical stem), or None: how a dose is tied to what it is of.
Subject = Callable[[str], "str | None"]
#: A dose is of the nearest substance named this many words before or after it.
REACH = 3
_WORD = re.compile(r"[A-Za-z][\w-]*")


def _of(text: str, start: int, end: int, subject: Subject | None) -> str | None:
    """The substance named nearest the dose at ``text[start:end]`` ("120mg of magnesium",
    "ambien 10mg", "reduce magnesium to 200mg"), within ``REACH`` words; None if none is."""
    if subject is None:
        return None
    before = [w.group(0) for w in _WORD.finditer(text[:start])][-REACH:]
    after = [w.group(0) for w in _WORD.finditer(text[end:])][:REACH]
    near = [w for _, w in sorted([*enumerate(after), *enumerate(reversed(before))],
                                 key=lambda t: t[0])]
    found = [s for s in map(subject, near) if s is not None]
    return found[0] if found else None


#: A dose taken several at a time ("2 caps at 300mg each", "300mg twice a day", "3x a day").
_SEVERAL = re.compile(r"\b(each|apiece|twice|thrice)\b|\b\d+\s*(x|times)\b|\bx\s*\d+\b"
                      r"|\b(two|three|four|[2-9])\s+(caps?|capsules|tablets?|tabs|pills|gummies|"
                      r"scoops|servings|softgels)\b", re.I)


def dose_note(asked: str, lead: str, template: str, subject: Subject | None = None
              ) -> str | None:
    """``template`` filled with the lead's doses and the user's, when the user gave doses and
    the lead names doses, none of which is one the user gave; else None. With ``subject``, a
    dose is compared only with doses of the same substance ("ambien 10mg" is not "reduce
    magnesium to 200mg"); a dose whose substance is not named is compared with every one."""
    if _SEVERAL.search(asked):
        return None  # "2 caps at 300mg each": the amount they take is not the dose they wrote
    mine = [(d, _of(asked, m.start(), m.end(), subject)) for m, d in _found(asked)]
    named = [(d, _of(lead, m.start(), m.end(), subject)) for m, d in _found(lead)]
    pairs = [(a, b) for a, of_a in mine for b, of_b in named
             if of_a is None or of_b is None or of_a == of_b]
    if not template or not pairs:
        return None
    if any(b[0] <= a[0] <= b[1] for a, b in pairs):
        return None
    return template.format(evidence=" and ".join(dict.fromkeys(b[2] for _, b in pairs)),
                           yours=" and ".join(dict.fromkeys(a[2] for a, _ in pairs)))


#: A dose said per day: "daily"/"a day" just after it ("100-400mg elemental daily", "480
#: mg/day"), or "daily dose" just before it ("total daily dose 500-1200 mg").
_PER_DAY_AFTER = re.compile(r"^(\s*/\s*d(ay)?\b|[^.;,()|]{0,25}?\b(daily|a day|per day|each day|"
                            r"every day|/day)\b)", re.I)
_PER_DAY_BEFORE = re.compile(r"\bdaily\s+(dose|intake|amount)\s*(of\s+)?$", re.I)


def daily_doses(text: str, subject: Subject | None = None) -> list[tuple[Dose, str | None]]:
    """Each dose the text says is taken per day (not per kilogram), with the substance it is
    of (``_of``; None when none is named near it)."""
    out = []
    for m, dose in _found(text):
        after, before = text[m.end():m.end() + 40], text[max(0, m.start() - 30):m.start()]
        if re.match(r"\s*/\s*kg\b", after, re.I):
            continue
        if _PER_DAY_AFTER.search(after) or _PER_DAY_BEFORE.search(before):
            out.append((dose, _of(text, m.start(), m.end(), subject)))
    return out


#: A dose said of the past or replaced ("used to take 400mg", "instead of 300mg") is not taken now.
_NOT_NOW = re.compile(r"\b(used to|previously|before|was on|was taking|instead of|from)\b"
                      r"[^.;,]{0,20}$", re.I)


def taken_doses(text: str, subject: Subject | None = None) -> list[tuple[Dose, str | None]]:
    """The doses the text says are taken now, with their substances (``_of``); when one is
    taken several at a time ("2 caps at 300mg each": the amount is not the dose written), only
    a dose written as their total ("4 capsules = 480 mg", "600mg in total")."""
    several = bool(_SEVERAL.search(text))
    return [(dose, _of(text, m.start(), m.end(), subject)) for m, dose in _found(text)
            if not _NOT_NOW.search(text[max(0, m.start() - 40):m.start()])
            and (not several or _TOTAL_BEFORE.search(text[max(0, m.start() - 25):m.start()])
                 or _TOTAL_AFTER.match(text[m.end():m.end() + 25]))]


#: A dose written as the total of several ("2 caps = 400mg", "a total of 600 mg", "600mg
#: altogether").
_TOTAL_BEFORE = re.compile(r"(=|\b(total(ling|ing)?|totals|in all|altogether|comes? to|adds? up "
                           r"to)(\s+of)?)\s*$", re.I)
_TOTAL_AFTER = re.compile(r"\s*(\w+\s+)?(in total|total|altogether|combined|in all)\b", re.I)
