"""Whose advice a sentence is: a point for a condition the user denies, a general verdict
after a risk the user states (``answers_someone_else``), or a line labelled for people the
user never said they are (``for_unstated``). Read by ``select.plan_answer`` for the points."""

from __future__ import annotations

import re

from assistant.answering.compose.lead import about_denied, leading_risks
from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import Profile
from assistant.answering.compose.scoring import Scored
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
    """A point about a risk the user denies, or a general verdict ("generally safe") after the
    user stated a risk of their own (or asked about a topical one): neither is advice for this
    person."""
    return about_denied(s, profile) or (bool(leading_risks(profile)) and matches(
        policy.general_verdict, s.unit.display) and not s.risk_match)
