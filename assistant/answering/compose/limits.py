"""A daily dose the lead names against an upper limit the evidence states: "total daily dose
500-1200 mg" is shown with "the Tolerable Upper Intake Level (UL) of 350 mg/day …" and a line
saying the dose is above it, so a reader who takes the lead's amount knows it passes the limit
the documents give. The limit is a sentence of the ``limit`` kind stating one daily amount of
the same substance; a minor's limit is another (an age bracket), so none is shown for one."""

from __future__ import annotations

import re

from assistant.answering.compose.doses import Subject, daily_doses, taken_doses
from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import Profile
from assistant.answering.compose.scoring import Scored
from assistant.answering.compose.threshold import Threshold
from assistant.text.words import words

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


def yours_against_limit(question: str, lead: Scored, profile: Profile, policy: AnswerPolicy,
                        subject: Subject) -> str | None:
    """For a question asking about a limit ("am I going over the limit?") led by a sentence
    stating one upper limit ("Safe upper limit …: 350-360mg … from supplements"), the doses of
    that substance the user gives, added up ("100mg + 300mg = 400 mg"), against it, with
    ``policy.limit_yours``; None when they fall inside a range limit, or nothing compares."""
    kind = policy.kind_named(LIMIT_KIND)
    if kind is None or not policy.limit_yours or LIMIT_KIND not in profile.kinds \
            or not any(matches([p], lead.unit.display) for p in kind.evidence):
        return None
    limits = {d[:2] for d, _ in taken_doses(lead.unit.display)}
    if len(limits) != 1:
        return None
    (low, high), = limits
    of_limit = {s for w in words(f"{lead.unit.display} {lead.unit.chunk.title}")
                if (s := subject(w)) is not None}
    mine = [d for d, of in taken_doses(_unquoted(question), subject)
            if of is None or of in of_limit]
    if not mine or any(d[0] != d[1] for d in mine):
        return None  # no dose of it given, or a range ("200-400mg"): no one total
    total = sum(d[0] for d in mine)
    if low < total <= high:
        return None  # inside a range limit ("350-360mg"): neither side
    shown = " + ".join(d[2] for d in mine) + (f" = {total:g} mg" if len(mine) > 1 else "")
    written = next(d[2] for d, _ in taken_doses(lead.unit.display))
    return policy.limit_yours.format(yours=shown, side="above" if total > high else "within",
                                     limit=written)


#: A limit the user quotes ("the 350mg upper limit", "over the 350 mg limit") is no dose taken.
_QUOTED_LIMIT = re.compile(r"\d[\d.,]*\s*(mg|mcg|g)\b(\s+\w+){0,2}?\s+(upper\s+|daily\s+)?"
                           r"(limit|ul|max\w*|ceiling|rda|allowance)\b", re.I)


def _unquoted(question: str) -> str:
    return _QUOTED_LIMIT.sub(" ", question)
