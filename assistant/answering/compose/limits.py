"""A daily dose the lead names against an upper limit the evidence states: "total daily dose
500-1200 mg" is shown with "the Tolerable Upper Intake Level (UL) of 350 mg/day …" and a line
saying the dose is above it, so a reader who takes the lead's amount knows it passes the limit
the documents give. The limit is a sentence of the ``limit`` kind stating one daily amount of
the same substance; a minor's limit is another (an age bracket), so none is shown for one."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.answering.compose.doses import Dose, Subject, daily_doses, doses, taken_doses
from assistant.answering.compose.plan import Plan
from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import Profile
from assistant.answering.compose.scoring import Scored
from assistant.answering.compose.threshold import Threshold
from assistant.answering.compose.units import Unit, overlapping
from assistant.text.sentences import split_sentences
from assistant.text.words import words


def with_limits(plan: Plan, question: str, scored: list[Scored], profile: Profile,
                policy: AnswerPolicy, subject: Subject) -> None:
    """The plan with its limit lines: the user's doses against a limit that leads (its
    comparison), else an upper limit after the lead (``over_limit``, ``room_under_limit``),
    shown once (not also a point or the conflict line)."""
    if plan.comparison is None:
        plan.comparison = yours_against_limit(question, plan.lead, profile, policy, subject)
    if plan.aside is not None:
        return
    plan.aside = over_limit(plan.lead, scored, profile, policy, subject) \
        or room_under_limit(question, scored, profile, policy, subject)
    if plan.aside is None and plan.comparison is None:
        over = yours_over_limit(question, plan.lead, scored, profile, policy, subject)
        if over is not None and _same(over.scored.unit, plan.lead.unit):
            plan.comparison = over.text
        else:
            plan.aside = over
    if plan.aside is not None:
        limit = plan.aside.scored.unit
        plan.points = [p for p in plan.points if not _same(p.unit, limit)]
        if plan.conflict is not None and _same(plan.conflict.unit, limit):
            plan.conflict = None


def _same(a: Unit, b: Unit) -> bool:
    """Do the two units show the same text, or overlapping spans of one file (the limit
    sentence looked up on its own, and the two-sentence unit of the passage holding it)?"""
    return a.text == b.text or overlapping(a, b)


#: The kind whose evidence states an upper limit, and the risk whose value says a minor asks.
LIMIT_KIND = "limit"
AGE_RISK = "age"
ADULT_AGE = 18


def over_limit(lead: Scored, scored: list[Scored], profile: Profile, policy: AnswerPolicy,
               subject: Subject) -> Threshold | None:
    """The best-scoring unit stating a daily upper limit that a daily dose of the lead is
    wholly above (same substance, when both name one), with ``policy.limit_note``; else
    None."""
    if not policy.limit_note or _minor(profile):
        return None
    doses = daily_doses(lead.unit.display, subject)
    if not doses:
        return None
    for cand in _limit_units(scored, profile, policy):
        if cand.unit.text == lead.unit.text:
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


#: A question asking how much more it may take ("how much extra … on top of that?").
_MORE = re.compile(r"\b(extra|more|on top|additional|in addition|else|top(ping)? up)\b", re.I)


def room_under_limit(question: str, scored: list[Scored], profile: Profile,
                     policy: AnswerPolicy, subject: Subject) -> Threshold | None:
    """For a question asking how much more of a substance may be taken, when the user gives
    what they take already ("my prenatal has 100mg magnesium … how much extra can i take?"),
    the best-scoring unit stating one upper limit of it for this reader, with what it leaves
    (``policy.limit_room``: "With the 100mg already taken, this leaves 250 mg a day")."""
    if not policy.limit_room or not _MORE.search(question) \
            or not {"amount", "start_dose"} & set(profile.kinds) or _minor(profile):
        return None
    for cand in _limit_units(scored, profile, policy):
        limits = {d[:2] for d, _ in taken_doses(cand.unit.display)}
        if len(limits) != 1:
            continue
        (low, _), = limits
        mine = [d for d in _yours(question, _subjects_of(cand, subject), subject)
                if d[0] == d[1] and d[0] < low]
        if not mine:
            return None
        left = low - sum(d[0] for d in mine)
        room = f"{left:g} mg" if left > 0 else "nothing more"
        return Threshold(cand, policy.limit_room.format(
            yours=" + ".join(d[2] for d in mine), room=room), applies=True, risk=LIMIT_KIND)
    return None


def yours_over_limit(question: str, lead: Scored, scored: list[Scored], profile: Profile,
                     policy: AnswerPolicy, subject: Subject) -> Threshold | None:
    """Whatever was asked, when the user's own daily doses of a substance, added up, are past
    the one upper limit of it the best-scoring limit unit states ("i take 400mg mag glycinate
    … vivid dreams?"), that unit with ``policy.limit_over`` (or ``limit_over_if`` unless they
    call it the elemental amount); else None. Only doses tied to the limit's substance count,
    and none the lead speaks of ("A 500 mg capsule … provides about 70 mg": a label's amount,
    not a dose taken)."""
    if not policy.limit_over_if or _minor(profile):
        return None
    in_lead = {d[:2] for d in doses(lead.unit.display)}
    for cand in _limit_units(scored, profile, policy):
        stated = taken_doses(cand.unit.display)
        if len({d[:2] for d, _ in stated}) != 1:
            continue
        _, high, written = stated[0][0]
        mine = _yours(question, _subjects_of(cand, subject), subject, named=True)
        if not mine or any(d[0] != d[1] or d[:2] in in_lead for d in mine):
            return None
        total = sum(d[0] for d in mine)
        if total <= high:
            return None
        shown = " + ".join(d[2] for d in mine) + (f" = {total:g} mg" if len(mine) > 1 else "")
        template = policy.limit_over if policy.limit_over and matches(policy.elemental, question) \
            else policy.limit_over_if
        return Threshold(cand, template.format(yours=shown, limit=written), applies=True,
                         risk=LIMIT_KIND)
    return None


def _limit_units(scored: list[Scored], profile: Profile, policy: AnswerPolicy
                 ) -> Iterator[Scored]:
    """The units stating an upper limit (``limit`` kind evidence) for this reader, best
    first."""
    kind = policy.kind_named(LIMIT_KIND)
    if kind is None:
        return
    for cand in sorted(scored, key=lambda s: -s.score):
        if matches(kind.evidence, cand.unit.display) and not _someone_elses(cand, profile,
                                                                             policy):
            yield cand


def _minor(profile: Profile) -> bool:
    """Is the person asked about under age (a minor's limit is another: an age bracket)?"""
    return any(m.risk.id == AGE_RISK and m.value < ADULT_AGE for m in profile.measures)


def _someone_elses(s: Scored, profile: Profile, policy: AnswerPolicy) -> bool:
    """Is the unit about a lasting condition the reader has not stated (a limit "during
    pregnancy" for someone who is not pregnant)?"""
    return any(r.lasting and r not in profile.risks and matches(r.evidence, s.unit.display)
               for r in policy.risks)


def _subjects_of(s: Scored, subject: Subject) -> set[str]:
    return {x for w in words(f"{s.unit.display} {s.unit.chunk.title}")
            if (x := subject(w)) is not None}


def yours_against_limit(question: str, lead: Scored, profile: Profile, policy: AnswerPolicy,
                        subject: Subject) -> str | None:
    """For a question asking about a limit ("am I going over the limit?") led by a sentence
    stating one upper limit ("Safe upper limit …: 350-360mg … from supplements"), the doses of
    that substance the user gives, added up ("100mg + 300mg = 400 mg"), against it, with
    ``policy.limit_yours``; None when they fall inside a range limit, or nothing compares."""
    kind = policy.kind_named(LIMIT_KIND)
    if kind is None or not policy.limit_yours or LIMIT_KIND not in profile.kinds \
            or not matches(kind.evidence, lead.unit.display):
        return None
    stated = taken_doses(lead.unit.display)
    if len({d[:2] for d, _ in stated}) != 1:
        return None
    low, high, written = stated[0][0]
    mine = _yours(question, _subjects_of(lead, subject), subject)
    if not mine or any(d[0] != d[1] for d in mine):
        return None  # no dose of it given, or a range ("200-400mg"): no one total
    total = sum(d[0] for d in mine)
    if low < total <= high:
        return None  # inside a range limit ("350-360mg"): neither side
    shown = " + ".join(d[2] for d in mine) + (f" = {total:g} mg" if len(mine) > 1 else "")
    return policy.limit_yours.format(yours=shown, side="above" if total > high else "within",
                                     limit=written)


#: A limit the user quotes ("the 350mg upper limit", "over the 350 mg limit") is no dose taken.
_QUOTED_LIMIT = re.compile(r"\d[\d.,]*\s*(mg|mcg|g)\b(\s+\w+){0,2}?\s+(upper\s+|daily\s+)?"
                           r"(limit|ul|max\w*|ceiling|rda|allowance)\b", re.I)


def _yours(question: str, of_limit: set[str], subject: Subject,
           named: bool = False) -> list[Dose]:
    """The doses the user says they take of the limit's substance (or of none named, unless
    ``named``), a limit they quote left out and a sentence said again counted once (a message
    pasted three times takes its "120 mg" once)."""
    text = _QUOTED_LIMIT.sub(" ", question)
    told = " ".join(dict.fromkeys(text[a:b] for a, b in split_sentences(text))) or text
    return [d for d, of in taken_doses(told, subject)
            if (of is None and not named) or of in of_limit]
