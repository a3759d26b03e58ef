"""Sources that disagree: a relevant unit of another source giving the opposite verdict on the
same thing as the lead (policy ``conflict``: favourable and unfavourable verdict words), or on a
risk the user stated (both about the kidneys, one "a modest dose", the other "should not take").
The answer says so in one line and cites both (``select.plan_answer``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.answering.compose.policy import AnswerPolicy, Risk, matches
from assistant.answering.compose.scoring import Scored
from assistant.text.words import content_stems, content_words, stem

#: A verdict word is negated by one of these at most this many characters before it.
NEGATION_REACH = 30
_NEGATED = re.compile(r"\b(not|no|never|n't|without)\b(?!.*[,;:.])", re.I)


def opposite_verdict(lead: Scored, relevant: Sequence[Scored], policy: AnswerPolicy,
                     core: frozenset[str], classes: Mapping[str, frozenset[str]],
                     stated: Sequence[Risk] = (),
                     others: frozenset[str] = frozenset(),
                     subjects: frozenset[str] = frozenset()) -> Scored | None:
    """A relevant unit of another source whose verdict is the opposite of the lead's, on the
    same thing or on a risk the user stated (``stated``) that both are about. When the user
    names another thing with the subject (``others``: "benadryl (diphenhydramine)"), a
    verdict that does not name it is about another pairing, not a conflict; nor is one naming
    a core subject the message does not ask about (``subjects``) and the lead is not about
    ("… safe … with 0.5mg clonazepam" against the diphenhydramine row, asked of magnesium)."""
    mine = stance(lead.unit.display, policy)
    if not mine:
        return None
    for cand in relevant:
        if cand.unit.chunk.source == lead.unit.chunk.source:
            continue
        if others and not others & content_stems(cand.unit.display):
            continue
        if subjects and _unasked(cand, lead, subjects, core, classes):
            continue
        if (stance(cand.unit.display, policy) == -mine
                and (_same_topic(lead, cand, core, classes)
                     or _same_risk(lead, cand, stated, core, classes))):
            return cand
    return None


def _unasked(cand: Scored, lead: Scored, subjects: frozenset[str], core: frozenset[str],
             classes: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The core subjects ``cand`` names that the message does not ask about and the lead is
    not about (a class of either counts as them: "benzodiazepines" for clonazepam)."""
    asked = subjects | _about(lead, core, classes)
    kin = {cls for cls, members in classes.items() if members & asked}
    return frozenset(content_stems(cand.unit.display) & core - asked - kin)


def stance(text: str, policy: AnswerPolicy) -> int:
    """1 for a favourable verdict ("generally safe"), -1 for an unfavourable one ("high risk"),
    0 for neither or both. An unfavourable word the sentence negates ("does not fall into this
    high-risk category") is favourable."""
    c = policy.conflict
    good = matches(c.favourable, text)
    bad = False
    for pattern in c.unfavourable:
        for m in re.finditer(pattern, text, flags=re.I):
            if _NEGATED.search(text[max(0, m.start() - NEGATION_REACH):m.start()]):
                good = True
            else:
                bad = True
    return 0 if good == bad else 1 if good else -1


def _same_risk(a: Scored, b: Scored, stated: Sequence[Risk], core: frozenset[str],
               classes: Mapping[str, frozenset[str]]) -> bool:
    """Both are about a risk the user stated and about a core subject ``a`` names."""
    named = content_stems(a.unit.display) & core
    return bool(named & _about(b, core, classes)) and any(
        matches(r.evidence, a.unit.display) and matches(r.evidence, b.unit.display)
        for r in stated)


def _same_topic(a: Scored, b: Scored, core: frozenset[str],
                classes: Mapping[str, frozenset[str]]) -> bool:
    """Both give a verdict on the same thing: ``b`` is about two of the core subjects ``a``
    names (the pairing; all of them when ``a`` names fewer), and they share two rarer words
    besides them. ``b`` is about a subject it names, whose class it names ("benzodiazepines"
    for clonazepam) or that its document's title names (a table row of a magnesium guide)."""
    named = content_stems(a.unit.display) & core
    if len(named & _about(b, core, classes)) < min(2, len(named)):
        return False
    wa = {stem(w) for w in content_words(a.unit.display) if len(w) > 6} - core
    wb = {stem(w) for w in content_words(b.unit.display) if len(w) > 6} - core
    return len(wa & wb) >= 2


def _about(s: Scored, core: frozenset[str], classes: Mapping[str, frozenset[str]]
           ) -> frozenset[str]:
    """The core subjects a unit is about: named in it, by their class, or in its title."""
    stems = content_stems(s.unit.display) | content_stems(s.unit.chunk.title)
    members = [m for cls in stems & classes.keys() for m in classes[cls]]
    return frozenset(stems & core) | frozenset(members)
