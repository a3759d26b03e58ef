"""A daily dose the lead names against an upper limit the evidence states: "total daily dose
500-1200 mg" is shown with "the Tolerable Upper Intake Level (UL) of 350 mg/day …" and a line
saying the dose is above it, so a reader who takes the lead's amount knows it passes the limit
the documents give. The limit is a sentence of the ``limit`` kind stating one daily amount of
the same substance; a minor's limit is another (an age bracket), so none is shown for one."""

from __future__ import annotations

from assistant.answering.compose.doses import Subject, daily_doses
from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import Profile
from assistant.answering.compose.scoring import Scored
from assistant.answering.compose.threshold import Threshold

#: The kind whose evidence states an upper limit, and the risk whose value says a minor asks.
LIMIT_KIND = "limit"
AGE_RISK = "age"
ADULT_AGE = 18


def over_limit(lead: Scored, scored: list[Scored], profile: Profile, policy: AnswerPolicy,
               subject: Subject) -> Threshold | None:
    """The best-scoring unit stating a daily upper limit that a daily dose of the lead is
    wholly above (same substance, when both name one), with ``policy.limit_note``; else
    None."""
    kind = policy.kind_named(LIMIT_KIND)
    if kind is None or not policy.limit_note or any(
            m.risk.id == AGE_RISK and m.value < ADULT_AGE for m in profile.measures):
        return None
    doses = daily_doses(lead.unit.display, subject)
    if not doses:
        return None
    for cand in sorted(scored, key=lambda s: -s.score):
        if cand.unit.text == lead.unit.text or not matches(kind.evidence, cand.unit.display):
            continue
        limits = {(d, of) for d, of in daily_doses(cand.unit.display, subject)}
        if len({d[:2] for d, _ in limits}) != 1:
            continue  # no limit, or several (an RDA beside it, a range of brackets)
        (low, high, written), of_limit = next(iter(limits))
        if low != high:
            continue
        # the whole dose is past the limit ("500-1200 mg"; "100-400mg" stays within it too)
        over = [d for d, of in doses if d[0] > high and (of is None or of_limit is None
                                                           or of == of_limit)]
        if over:
            return Threshold(cand, policy.limit_note.format(dose=over[0][2], limit=written),
                             applies=True, risk=LIMIT_KIND)
    return None
