"""How the plan's lead and points are shown: each keeps its citation, which still quotes the
source sentence or row whole, while the text shown may leave out what does not bear on this
reader (cells of a row not asked about, a clause speaking to the source's own reader, an
opening "Yes," to a doubting question) or read a row as a sentence."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from assistant.answering.compose.plan import Plan
from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import NUMBER, Profile
from assistant.answering.compose.rows import focused_row, is_row, readable
from assistant.answering.compose.scoring import Scored
from assistant.text.words import term_stems

#: A table cell whose value has at most this many words and no digit names what its row is
#: about ("Sex: Female", "Form: Citrate"): a row shown in part keeps it.
NAMING_WORDS = 3


def rows_focused(plan: Plan, profile: Profile, policy: AnswerPolicy,
                 focus: frozenset[str]) -> Plan:
    """For a kind with ``row_cells``, table rows shown with their first cell, short naming cells
    ("Sex: Female") and the cells of the asked kind, about a raised risk or naming the focus
    (the citation still quotes the whole row)."""
    kind = policy.kind_named(profile.kind)
    if kind is None or not kind.row_cells:
        return plan

    def wanted(cell: str) -> bool:
        value = cell.partition(": ")[2]
        return bool(matches(kind.evidence, cell)
                    or any(matches(r.evidence, cell) for r in profile.risks)
                    or term_stems(cell) & focus
                    or (len(value.split()) <= NAMING_WORDS and not re.search(r"\d", value)))

    def fit(s: Scored) -> Scored:
        # a row on the medicine the user takes is shown whole: all of it is about their case
        whole = bool(profile.substances & term_stems(s.unit.display))
        shown = focused_row(s.unit.display, wanted) if is_row(s.unit.quote) and not whole \
            else None
        return s if shown is None else _shown_as(s, shown)

    return _reshown(plan, fit)


def rows_readable(plan: Plan, profile: Profile, policy: AnswerPolicy) -> Plan:
    """For a question asking whether one may do something, table rows that say what to do read
    as sentences (``rows.readable``); "what's the problem with …?" and "is HCTZ draining my
    magnesium?" are answered in the row's order (its effect before what to do)."""
    if not profile.permission:
        return plan

    def fit(s: Scored) -> Scored:
        shown = readable(s.unit.display, policy.row_advice, policy.row_examples,
                         policy.row_risk) if is_row(s.unit.quote) else None
        return s if shown is None else _shown_as(s, shown)

    return _reshown(plan, fit)


def for_this_reader(plan: Plan, profile: Profile, policy: AnswerPolicy) -> Plan:
    """Lead and points without a closing clause that speaks to their source's reader ("…,
    which is directly relevant to your dose") unless the user gave the numbers it names (the
    citation still quotes the sentence whole)."""
    if not policy.reader_clause:
        return plan

    def fit(s: Scored) -> Scored:
        m = re.search(policy.reader_clause, s.unit.display, flags=re.I)
        if m is None:
            return s
        numbers = NUMBER.findall(m.group(0))
        if (set(numbers) <= profile.numbers) and (numbers or profile.numbers):
            return s
        return _shown_as(s, s.unit.display[:m.start()].rstrip(" ,;") + ".")

    return _reshown(plan, fit)


def without_answer_words(plan: Plan, profile: Profile, policy: AnswerPolicy) -> Plan:
    """For a question that doubts ("Is it dangerous …?"), the lead shown without an opening
    "Yes," / "No," (the citation still quotes it): its source's "yes" means the opposite."""
    if not policy.answer_word or not profile.doubting:
        return plan

    def bare(s: Scored) -> Scored:
        shown = re.sub(policy.answer_word, "", s.unit.display, count=1, flags=re.I)
        if shown == s.unit.display or len(shown.split()) < 3:
            return s
        return _shown_as(s, shown[:1].upper() + shown[1:])

    plan.lead = bare(plan.lead)
    return plan


def _reshown(plan: Plan, fit: Callable[[Scored], Scored]) -> Plan:
    """The plan with its lead and points shown as ``fit`` shows them."""
    plan.lead = fit(plan.lead)
    plan.points = [fit(p) for p in plan.points]
    return plan


def _shown_as(s: Scored, display: str) -> Scored:
    """The unit shown with other words; its citation still quotes the source sentence whole."""
    return replace(s, unit=replace(s.unit, display=display))
