"""Whose advice a sentence is: a point for a condition the user denies, a general verdict
after a risk the user states (``answers_someone_else``), or a line labelled for people the
user never said they are (``for_unstated``), a stopping point on a thing the user does not
stop (``stops_another``). Read by ``select.plan_answer`` for the points."""

from __future__ import annotations

import re
from collections.abc import Mapping

from assistant.answering.compose.lead import about_denied, leading_risks, presumes_a_dose
from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import Profile
from assistant.answering.compose.scoring import Scored, names_any
from assistant.text.words import term_stems

#: A line opening with the people it is for ("Elderly patients (>65 years): …", "Patients with
#: liver disease: …"); group 1 is the label after the people ("with liver disease").
_POPULATION = re.compile(r"^(?:\w+\s+)?(?:patients|people|adults|individuals|persons|women|men|"
                         r"children)\b([^:;.|—]{0,60}):\s", re.I)


def for_unstated(s: Scored, profile: Profile, policy: AnswerPolicy,
                 asked: frozenset[str]) -> bool:
    """A point for people the user never said they are, by the label it opens with ("Elderly
    patients (>65 years): … Beers Criteria …" for a forklift driver who gave no age; "Patients
    with neurodegenerative disease: …" for someone asking about their own dose): advice for
    someone else, however close its words. The user said so when a condition they mention
    (``profile.mentioned``) is of the label, or the label names what they ask about."""
    label = _POPULATION.match(s.unit.display)
    if label is None:
        return False
    said = label.group(0)
    return not (term_stems(label.group(1)) & asked) and not any(
        r.id in profile.mentioned and (matches(r.user, said) or matches(r.evidence, said))
        for r in policy.risks)


def answers_someone_else(s: Scored, profile: Profile, policy: AnswerPolicy) -> bool:
    """A point about a risk the user denies, a general verdict ("generally safe") after the
    user stated a risk of their own (or asked about a topical one), or one about its source's
    reader's own dose when the user gave no such number ("the magnesium dose (120mg
    elemental) is well below …" for someone on Xanax who named no magnesium dose): none is
    advice for this person."""
    return about_denied(s, profile) or (bool(leading_risks(profile)) and matches(
        policy.general_verdict, s.unit.display) and not s.risk_match) \
        or presumes_a_dose(s, profile, policy)


def stops_another(s: Scored, profile: Profile, core: frozenset[str],
                  names: Mapping[str, str] | None,
                  kin: Mapping[str, frozenset[str]] | None) -> bool:
    """A point on stopping or tapering that names no core subject itself (nor its class:
    "benzos"), under a heading on one the user does not stop ("Taper if long-term: … reduce
    gradually over weeks" under "Practical Tips for Using Magnesium Safely", for someone
    tapering Ativan or clonazepam who adds magnesium): advice on stopping another thing, which
    reads as theirs. The user stops none of the core subjects they name when
    ``profile.bound`` is empty while they name some: each is one they add."""
    stops = [r for r in profile.risks if r.bound and r.id in profile.current]
    if not stops or not profile.subjects or names_any(term_stems(s.unit.text), core, names, kin) \
            or not any(matches(r.evidence, s.unit.display) for r in stops):
        return False
    heading = term_stems(" ".join(s.unit.chunk.section)) & core
    return bool(heading) and not names_any(heading, profile.bound, names, kin)
