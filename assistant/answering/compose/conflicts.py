"""Sources that disagree: a relevant unit of another source giving the opposite verdict on the
same thing as the lead (policy ``conflict``: favourable and unfavourable verdict words), or on a
risk the user stated (both about the kidneys, one "a modest dose", the other "should not take").
The answer says so in one line and cites both (``select.plan_answer``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assistant.answering.compose.policy import AnswerPolicy, Risk, matches
from assistant.answering.compose.scoring import Scored
from assistant.text.words import content_stems, content_words, stem


def opposite_verdict(lead: Scored, relevant: Sequence[Scored], policy: AnswerPolicy,
                     core: frozenset[str], classes: Mapping[str, frozenset[str]],
                     stated: Sequence[Risk] = ()) -> Scored | None:
    """A relevant unit of another source whose verdict is the opposite of the lead's, on the
    same thing or on a risk the user stated (``stated``) that both are about."""
    c = policy.conflict
    good, bad = matches(c.favourable, lead.unit.display), matches(c.unfavourable, lead.unit.display)
    if good == bad:
        return None
    opposite = c.unfavourable if good else c.favourable
    same = c.favourable if good else c.unfavourable
    for cand in relevant:
        if cand.unit.chunk.source == lead.unit.chunk.source:
            continue
        text = cand.unit.display
        if (matches(opposite, text) and not matches(same, text)
                and (_same_topic(lead, cand, core, classes)
                     or _same_risk(lead, cand, stated, core, classes))):
            return cand
    return None


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
