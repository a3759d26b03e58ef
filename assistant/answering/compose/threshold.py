"""A number the user gave for a risk (creatinine clearance 25) against a threshold the evidence
states ("severe renal impairment (CrCl <30 mL/min)"): which side the user is on, in words.

When the value is on the side the threshold speaks of, the threshold sentence leads with the
comparison. When it is not ("eGFR 45" against "<30"), the threshold does not answer for this
user: the lead stays the best evidence about their condition, and the threshold is shown after
it with the comparison (``select.plan_answer``), so "this threshold is not reached" never opens
a reply to someone with kidney disease.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.answering.compose.policy import AnswerPolicy
from assistant.answering.compose.profile import Measure, Profile, ordinary
from assistant.answering.compose.quantities import UPPER_BOUNDS
from assistant.answering.compose.scoring import Scored, names_any
from assistant.text.words import term_stems


@dataclass(frozen=True)
class Threshold:
    scored: Scored
    text: str
    #: The user's value is on the side the threshold speaks of (CrCl 25 against "<30").
    applies: bool
    #: The id of the risk the value is for ("renal", "age").
    risk: str
    #: The value states no risk ("my son is 19" against ">65 years"): the threshold leads
    #: nothing and is not shown either.
    ordinary: bool = False


def compare_threshold(scored: list[Scored], profile: Profile, policy: AnswerPolicy,
                      core: frozenset[str] = frozenset(),
                      names: Mapping[str, str] | None = None) -> Threshold | None:
    """The sentence stating the threshold for a value the user gave, and the comparison. When
    the message names core subjects, the sentence names one of them itself (by any of its
    names): "consider starting with 0.25mg clonazepam" (>65 years) does not answer a
    70-year-old's question about magnesium, nor one about "a benzo" (a class the documents put
    clonazepam in: what they say of one member is not said of the class)."""
    for measure in profile.measures:
        risk = measure.risk
        if profile.current and risk.id not in profile.current:
            continue  # this message is about another risk (e.g. another sedative)
        if risk.id not in profile.measured_now and "verdict" not in profile.kinds:
            continue  # a value given earlier; this message asks for something else (signs)
        assert risk.threshold is not None
        for cand in scored:
            m = re.search(risk.threshold, cand.unit.display, re.I)
            if not m or (profile.subjects and not names_any(
                    term_stems(cand.unit.text), profile.subjects, names)):
                continue
            compared = _compared(cand, m, measure, policy)
            if compared is not None:
                return compared
    return None


def _compared(cand: Scored, m: re.Match[str], measure: Measure,
              policy: AnswerPolicy) -> Threshold | None:
    """The comparison, or None when the user gave a bound that may fall on either side ("over
    20" against "<30")."""
    risk = measure.risk
    limit = float(m.group("value"))
    op = m.group("op").lower()
    upper = op in UPPER_BOUNDS
    below = measure.value < limit
    if measure.bound == "below":  # "under 30": every value it allows is below 30
        if measure.value > limit:
            return None
        below = True
    elif measure.bound == "above":
        if measure.value < limit:
            return None
        below = False
    applies = below if upper else not below
    shown = f"{_BOUND_WORD[measure.bound]} {_num(measure.value)}" if measure.bound \
        else _num(measure.value)
    text = policy.comparison.format(
        label=measure.name or risk.label or risk.id, value=shown,
        side="below" if below else "above",
        threshold=f"{m.group('op')}{'' if len(op) == 1 else ' '}{_num(limit)}",
        consequence=policy.consequence.below if applies else policy.consequence.above)
    return Threshold(cand, text, applies, risk.id,
                     ordinary=ordinary(risk, measure) and not applies)


_BOUND_WORD = {"below": "under", "above": "over"}


def _num(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)
