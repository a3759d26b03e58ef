"""Numbers and the people they are for: a question's quantities with their units ("120 mg",
"112 lbs"), whether a unit names one of them (or a range or bound holding it), the user's body
measures (age, weight) and groups (the sexes of the RDA table), and whether a table row's
bracket or group is the user's or someone else's."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import Profile
from assistant.answering.compose.rows import is_row

_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)?")
#: A number and the unit written after it, if any ("110 lbs", "0.5mg", "30 mL/min").
_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)\s*([A-Za-z]+)?")
#: Units by their spellings: two numbers with different units are different quantities
#: ("110 lbs" is not "110 mg"); a number without one of these units has none.
_UNITS = {u: name for name, spellings in {
    "mg": "mg milligram milligrams", "mcg": "mcg µg microgram micrograms ug",
    "g": "g gram grams", "kg": "kg kilo kilos kilogram kilograms",
    "lb": "lb lbs pound pounds", "ml": "ml milliliter milliliters", "iu": "iu",
    "yr": "yr yrs year years yo", "mo": "mo month months", "wk": "wk wks week weeks",
    "day": "day days", "hr": "h hr hrs hour hours", "min": "min mins minute minutes",
    }.items() for u in spellings.split()}
Quantity = tuple[float, str]
#: A bound in the same written unit holds a value near it ("<130 lbs" holds 112 lbs, ">65
#: years" 74 years); a value further than this factor from it is another quantity ("gained
#: 15 lbs" is no body weight "<130 lbs").
_BOUND = re.compile(r"(<|>|≤|≥|under|over|below|above)\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)?", re.I)
BOUND_REACH = 2.0
#: The operators of a bound that lies above the values it speaks of ("<30", "under 130").
UPPER_BOUNDS = ("<", "≤", "below", "under", "less than")
#: What the user says of a body: an age ("16 years old", "70yo") or a weight ("112 lbs"). A
#: bracket of the same measure in a unit ("Body weight <130 lbs", "Teens 14–18 years", "19+
#: years") holds the value or speaks of someone else.
_BODY = re.compile(r"\b(\d{1,3}(?:\.\d+)?)[\s-]*(?:(lbs?|pounds?|kg|kilos?|kilograms?)\b|"
                   r"(?:years?|yrs?)[\s-]*old\b|y/?o\b)", re.I)
_AT_LEAST = re.compile(r"(\d+(?:\.\d+)?)\+\s*([A-Za-z]+)")
_LB_PER_KG = 2.2046


def quantities(text: str) -> list[Quantity]:
    """The text's numbers with their units ("" when none is written)."""
    return [(float(n), _unit(u)) for n, u in _QUANTITY.findall(text)]


def _unit(word: str) -> str:
    return _UNITS.get(word.lower(), "")


def _same_unit(a: str, b: str) -> bool:
    return not a or not b or a == b


def numbers_match(q_numbers: list[Quantity], text: str) -> float:
    """1 when the unit names a number of the question in the same unit (or without one), or
    a range that holds one ("200-400mg" holds 300 mg), or a bound in the same unit near it."""
    if not q_numbers:
        return 0.0
    if any(n == m and _same_unit(u, v) for m, v in quantities(text) for n, u in q_numbers):
        return 1.0
    for lo, hi, unit in _RANGE.findall(text):
        if any(float(lo) <= n <= float(hi) and _same_unit(u, _unit(unit)) for n, u in q_numbers):
            return 1.0
    for below, limit, unit in _bounds(text):
        if any(u and u == unit and (n < limit if below else n > limit)
               and limit / BOUND_REACH <= n <= limit * BOUND_REACH for n, u in q_numbers):
            return 1.0
    return 0.0


def _bounds(text: str) -> list[tuple[bool, float, str]]:
    """The text's bounds ("<130 lbs", "over 65 years"): (an upper bound?, the limit, its unit)."""
    return [(sign.lower() in UPPER_BOUNDS, float(bound), _unit(unit))
            for sign, bound, unit in _BOUND.findall(text)]


def body_measures(question: str, profile: Profile | None = None) -> list[Quantity]:
    """The ages (unit "yr") and weights (unit "lb") the message and its carried topic state,
    and the measures of the person the ``profile`` has read in this or an earlier message
    (risks with a ``bracket_unit``: "my dad is 81" … "how much for someone his age?")."""
    out = []
    for value, unit in _BODY.findall(question):
        n = float(value)
        kind = _unit(unit) if unit else "yr"
        out.append((n * _LB_PER_KG, "lb") if kind == "kg" else (n, kind))
    for m in profile.measures if profile is not None else ():
        if m.risk.bracket_unit and (m.value, m.risk.bracket_unit) not in out:
            out.append((m.value, m.risk.bracket_unit))
    return out


def groups_of(question: str, policy: AnswerPolicy) -> frozenset[int]:
    """The policy's groups (by index) the message's person belongs to ("adult women": Female)."""
    return frozenset(i for i, g in enumerate(policy.groups) if matches(g.user, question))


def group_fit(groups: frozenset[int], policy: AnswerPolicy, text: str) -> int:
    """1 when ``text`` is for the person's group alone, -1 when only for other groups ("Sex:
    Male" for "adult women"), 0 otherwise (no group given, none named, or all of them: "Sex:
    Male/Female")."""
    if not groups:
        return 0
    named = {i for i, g in enumerate(policy.groups) if matches(g.evidence, text)}
    if not named or (named & groups and named - groups):
        return 0
    return 1 if named & groups else -1


def condition_fit(body: list[Quantity], unstated: Sequence[list[str]],
                  quote: str, display: str) -> int:
    """-1 when the user gives an age or weight (``body``) and the unit (its ``quote`` and
    ``display``) is a table row labelled with a condition they never stated ("Pregnancy — Sex:
    14–18 years …" for a 16-year-old boy; ``unstated``: those conditions' evidence patterns): a
    row for someone else; else 0."""
    if not body or not is_row(quote):
        return 0
    label = display.split(" — ", 1)[0]
    return -1 if any(matches(patterns, label) for patterns in unstated) else 0


def fits(*values: int) -> int:
    """Someone else's by any measure is someone else's; else the person's by any."""
    return -1 if -1 in values else max(values)


#: ``bracket_fit`` of a closed bracket that holds the value (a range, a bound within reach).
NARROW = 2


def bracket_fit(body: list[Quantity], text: str) -> int:
    """1 when ``text`` states a bracket of one of the ``body`` measures' units that holds it
    ("19+ years"; ``NARROW`` for a range or a bound within ``BOUND_REACH``), -1 when its
    brackets of that unit are another person's (a range or "19+" that does not hold; a bound
    near the value that does not), 0 otherwise (or no measure is given): a bound far from the
    value measures something else ("PPIs (typically >1 year)" is a duration, not a bracket
    for a 72-year-old)."""
    if not body:
        return 0
    units = {u for _, u in body}
    bands: list[tuple[float, float, str]] = []  # ranges and "N+": brackets of people
    for lo, hi, unit in _RANGE.findall(text):
        bands.append((float(lo), float(hi), _unit(unit)))
    for bound, unit in _AT_LEAST.findall(text):
        bands.append((float(bound), float("inf"), _unit(unit)))
    bounds = [(limit / BOUND_REACH, limit, unit) if below else (limit, limit * BOUND_REACH, unit)
              for below, limit, unit in _bounds(text)]
    bands = [b for b in bands if b[2] in units]
    bounds = [b for b in bounds if b[2] in units]
    holding = [hi for lo, hi, u in bands + bounds for n, v in body if lo <= n <= hi and u == v]
    if holding:  # a closed bracket ("Elderly (>65 years)") fits closer than an open one ("19+")
        return NARROW if any(hi < float("inf") for hi in holding) else 1
    near = [(lo, hi, u) for lo, hi, u in bounds
            if any(lo / BOUND_REACH <= n <= hi * BOUND_REACH and u == v for n, v in body)]
    return -1 if bands or near else 0
