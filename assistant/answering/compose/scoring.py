"""How well a unit answers the question: similarity to it, coverage of its terms (the question's
own focus terms count fully, the corpus's core subjects and terms carried over from earlier turns
less), a number it names (or a range holding it), the asked kind and the stated risks, the
retrieval rank, and the trust of its document."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from assistant.answering.compose.asked import asked_kinds
from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import Profile
from assistant.answering.compose.quantities import (
    body_measures,
    bracket_fit,
    condition_fit,
    fits,
    group_fit,
    groups_of,
    numbers_match,
    quantities,
)
from assistant.answering.compose.units import Unit
from assistant.answering.topic import carried_terms, split_carried
from assistant.text.words import (
    EVERYDAY_ZIPF,
    clips,
    stem,
    term_stems,
    term_words,
    words,
    zipf,
)

#: A number's unit ("120 mg", "0.5mg").
_MEASURED = re.compile(r"\d(?:[\d.,]*\d)?\s*([A-Za-z]+)")
_DURATION = re.compile(r"(second|minute|min|hour|hr|day|night|week|wk|month|mo|year|yr)s?", re.I)
#: How long and how often ("2 weeks", "nightly"): when the user takes something, not what.
_HOW_OFTEN = re.compile(r"(dai|night|week|month|year|hour)ly", re.I)
#: Weight of a follow-up's carried-over topic terms against the user's own words.
CARRIED_WEIGHT = 0.5
#: How much a fully untrusted document's sentence loses against a fully trusted one's.
TRUST_WEIGHT = 0.1
#: A match of an asked kind's pattern this short says what is asked, not what about.
ASK_WORDS = 3
#: Rank prior: the first retrieved chunk's units gain this much, later ones less.
RANK_PRIOR = 0.05


@dataclass(frozen=True)
class Scored:
    unit: Unit
    score: float
    vector: np.ndarray
    kind_match: bool = False
    risk_match: bool = False
    #: Names one of the question's own focus terms (not a core subject, not an everyday verb;
    #: with a stated risk, not only the unit of a number the user gave: "120 mg").
    focus_match: bool = True
    #: How much of the question's focus it names (rare words count double).
    focus_weight: float = 0.0
    #: ``focus_weight`` as a share of the question's whole focus (0 when it has none).
    focus_share: float = 0.0
    #: 1 when it states a bracket of age or weight that holds the user's ("<130 lbs" for
    #: 112 lbs) or is for their group ("Female" for "adult women"), -1 when its only such
    #: brackets or groups are someone else's, 0 when it states none.
    bracket: int = 0
    #: How far it is a hub sentence: its similarity to the corpus centroid above the policy's
    #: ``hub_floor`` (0 for most), weighed by ``weights.hub`` when the lead is chosen.
    hub: float = 0.0
    #: How far its wording answers the question's, by the fitted lead weights
    #: (``answering.compose.fit``; 0 without them), added when the lead is chosen (not among
    #: the evidence on a stated risk) and when the points are ordered.
    answers: float = 0.0


def score_units(question: str, units: list[Unit], sims: np.ndarray, vectors: np.ndarray,
                profile: Profile, policy: AnswerPolicy, core: frozenset[str],
                focus: frozenset[str] | None = None,
                names: Mapping[str, str] | None = None,
                classes: Mapping[str, frozenset[str]] | None = None,
                hubness: np.ndarray | None = None,
                headings: np.ndarray | None = None,
                answers: np.ndarray | None = None) -> list[Scored]:
    """The units scored and sorted best first (``focus``: ``question_focus``, when the caller
    has it already; ``names``: a core subject's stems -> the one its names share, so a unit
    saying "clonazepam" covers a question's "Klonopin", ``subjects.core_names``; ``classes``:
    class stem -> its core subjects, ``subjects.subject_classes``; ``answers``: per unit, the
    fitted lead term, ``fit.AnswerFit.scores``)."""
    w = policy.weights
    terms = weighted_terms(question, core, w.core_term, w.everyday_term)
    q_numbers = quantities(split_carried(question)[0])
    body = body_measures(question, profile)
    own_groups = groups_of(question, policy)
    unstated = [r.evidence for r in policy.risks if r.lasting and not r.bracket_unit
                and r.id not in profile.mentioned]
    kind = policy.kind_named(profile.kind)
    focus = question_focus(question, profile, policy, core) if focus is None else focus
    focus_total = sum(terms.get(t, 1.0) for t in focus)
    # with a stated risk, a number's unit ("120 mg") alone does not make a point bear on it
    measured = frozenset(stem(m.group(1).lower()) for m in _MEASURED.finditer(
        split_carried(question)[0])) if profile.personal else frozenset()
    out = []
    hubs = np.zeros(len(units)) if hubness is None else np.maximum(hubness - w.hub_floor, 0.0)
    asked = np.zeros(len(units)) if headings is None else np.maximum(
        headings - w.asked_floor, 0.0) / (1.0 - w.asked_floor)
    fitted = np.zeros(len(units)) if answers is None else answers
    for unit, sim, vec, hub, heading, answer in zip(units, sims, vectors, hubs, asked, fitted,
                                                    strict=True):
        text = unit.text
        kind_match = kind is not None and matches(kind.evidence, text)
        # an FAQ answer is about what its heading asks ("… during benzo taper? 100-400mg …")
        said = f"{unit.asked} {text}" if unit.asked else text
        about = [r for r in profile.risks if matches(r.evidence, said) and not (
            r.bound and profile.bound and about_another(said_of(unit, core, names, classes),
                                                          profile.bound, core, names, classes))]
        risk_match = bool(about)
        risk = (w.risk if any(r in profile.personal for r in about) else w.risk_topic) * risk_match
        named = focus & term_stems(text)
        focus_match = not focus or bool(named - measured)
        focus_weight = sum(terms.get(t, 1.0) for t in named)
        score = (w.similarity * float(sim) + w.coverage * coverage(terms, text, names)
                 + w.numbers * numbers_match(q_numbers, text) + w.kind * kind_match
                 + risk + RANK_PRIOR / (1 + unit.rank)
                 + (w.asked * heading * same_kind(unit.asked, profile, policy) if heading else 0.0)
                 - TRUST_WEIGHT * (1.0 - unit.chunk.trust))
        share = focus_weight / focus_total if focus_total else 0.0
        out.append(Scored(unit, score, vec, kind_match, risk_match, focus_match, focus_weight,
                          share, fits(bracket_fit(body, unit.display),
                                       group_fit(own_groups, policy, unit.display),
                                       condition_fit(body, unstated, unit.quote,
                                                     unit.display)),
                          float(hub), float(answer)))
    if any(k.lists for k in policy.kinds if k.id in profile.kinds):
        out = _lists_over_items(out)
    return sorted(out, key=lambda s: -s.score)


def _lists_over_items(scored: list[Scored]) -> list[Scored]:
    """The whole short list of the best unit, when that is a list item, scores as well as
    it: asked for signs, one item of a list ("Warning signs: muscle weakness") tells less than
    the list it is part of."""
    if not scored:
        return scored
    top = max(scored, key=lambda s: s.score)
    place = (top.unit.chunk.source, top.unit.start)
    return [replace(s, score=top.score) if s.unit.items and s.score < top.score
            and (s.unit.chunk.source, s.unit.start) == place and s.unit.end >= top.unit.end
            else s for s in scored]


def same_kind(heading: str, profile: Profile, policy: AnswerPolicy) -> bool:
    """Does a heading's question ask for the kind of answer the user asks for (or either names
    none)? "Is magnesium safe during benzo withdrawal?" does not answer "Which forms …?"."""
    theirs = asked_kinds(heading, policy)
    return not theirs or not profile.kinds or bool(set(theirs) & set(profile.kinds))


def said_of(unit: Unit, core: frozenset[str], names: Mapping[str, str] | None = None,
            classes: Mapping[str, frozenset[str]] | None = None) -> str:
    """The unit's text, after what its line says before it when the unit names no core
    subject itself: "Physical dependence develops with prolonged use" goes on from "Avoid
    abrupt discontinuation of clonazepam." and is said of clonazepam too."""
    text = unit.text
    if names_any(term_stems(text), core, names, classes):
        return text
    body, at = unit.chunk.text, unit.start - unit.chunk.start
    line = body[body.rfind("\n", 0, max(at, 0)) + 1:max(at, 0)]
    return f"{line} {text}"


def about_another(text: str, subjects: frozenset[str], core: frozenset[str],
                   names: Mapping[str, str] | None,
                   classes: Mapping[str, frozenset[str]] | None) -> bool:
    """Does the text name core subjects, none of them (or their names or class) these? A
    text naming none ("Physical dependence develops with prolonged use") may be about them."""
    stems = term_stems(text)
    return names_any(stems, core, names, classes) and not names_any(stems, subjects, names,
                                                                     classes)


def names_unsaid(text: str, said: frozenset[str], core: frozenset[str],
                 names: Mapping[str, str] | None = None,
                 classes: Mapping[str, frozenset[str]] | None = None) -> bool:
    """Does the text name a core subject not among ``said`` (by any of its names, or written
    as one with a said one: "magnesium glycinate" when "magnesium" was said)?"""
    said = said | written_with([stem(w) for w in words(text)], said, core)
    return any(not names_any(frozenset({t}), said, names, classes)
               for t in term_stems(text) & core)


def written_with(stems: Sequence[str], subjects: frozenset[str],
                 core: frozenset[str]) -> frozenset[str]:
    """Core subjects written side by side with one of ``subjects`` in these stems (in text
    order): both of "Magnesium Glycinate" when either is one of them."""
    return frozenset(x for a, b in pairwise(stems)
                     if a in core and b in core and {a, b} & subjects for x in (a, b))


def names_any(stems: frozenset[str], subjects: frozenset[str],
              names: Mapping[str, str] | None = None,
              classes: Mapping[str, frozenset[str]] | None = None) -> bool:
    """Do these stems name one of the subjects: itself, another of its names ("klonopin" for
    "clonazepam"), its class or a member of it ("benzodiazepines"), or a clipped form of one of
    those ("benzo")?"""
    names, classes = names or {}, classes or {}
    wanted = {names.get(s, s) for s in subjects}
    wanted |= {c for c, members in classes.items() if members & wanted}
    wanted |= {m for s in subjects for m in classes.get(s, frozenset())}
    wanted |= {names.get(s, s) for s in set(wanted)}
    return any(names.get(t, t) in wanted or any(clips(t, w) for w in wanted) for t in stems)


def weighted_terms(question: str, core: frozenset[str], core_weight: float,
                   everyday_weight: float = 1.0) -> dict[str, float]:
    """Question terms by stem: rare words count double, everyday words ("take", "help") count
    ``everyday_weight``, core subjects and the topic terms a follow-up carries over from earlier
    turns count less than the user's own focus words."""
    own, carried = split_carried(question)
    terms = {stem(w): CARRIED_WEIGHT * _rarity(w, everyday_weight) for w in term_words(carried)}
    terms.update({stem(w): _rarity(w, everyday_weight) for w in term_words(own)})
    return {t: v * (core_weight if t in core else 1.0) for t, v in terms.items()}


def question_focus(question: str, profile: Profile, policy: AnswerPolicy,
                   core: frozenset[str]) -> frozenset[str]:
    """The stems a unit must name to bear on the question: its focus terms without the words
    that only say what kind of answer is wanted."""
    return focus_terms(question, core) - asking_stems(question, profile, policy)


def focus_terms(question: str, core: frozenset[str]) -> frozenset[str]:
    """Stems of the words that say what this question is about, the user's own and the topic a
    follow-up carries over ("them" = the two drugs asked about before): not the corpus's core
    subjects, not everyday words ("take", "work", "get")."""
    own, carried = split_carried(question)
    # how long or how often the user has taken something ("for 2 weeks", "my nightly
    # magnesium") says when, not what about
    timed = {m.group(1).lower() for m in _MEASURED.finditer(own)
             if _DURATION.fullmatch(m.group(1))}
    return frozenset(stem(w) for w in term_words(f"{own} {carried}")
                     if stem(w) not in core and zipf(w) < EVERYDAY_ZIPF
                     and w not in timed and not _HOW_OFTEN.fullmatch(w))


def asking_stems(question: str, profile: Profile, policy: AnswerPolicy) -> frozenset[str]:
    """Stems of the words that name no topic: those saying what kind of answer is wanted
    ("safe", "together", "which forms", "how much": a short match, ``ASK_WORDS`` words at most,
    of an asked kind's own pattern), those denying a risk ("my kidneys are perfect") or asking
    to leave its warning out ("drop the sleep apnea warning": ``Profile.set_aside``), and those
    describing the person in a carried condition ("mother"). A point need not repeat them."""
    own, carried = split_carried(question)
    asked = [m.group(0) for k in policy.kinds if k.id in profile.kinds
             for p in k.ask for m in re.finditer(p, own, flags=re.I)
             if len(m.group(0).split()) <= ASK_WORDS]
    # a condition carried from an earlier turn ("My mother is 78") is about the person: of
    # its words only those that state a risk or that evidence about one uses ("kidneys") name
    # a topic
    person = [w for term in carried_terms(carried)
              if matches(policy.first_person, term) for w in term_words(term)
              if not any(matches(r.evidence, w) or matches(r.user, w) for r in policy.risks)]
    return frozenset(stem(w) for span in [*asked, *profile.set_aside, *person]
                     for w in term_words(span))


def _rarity(word: str, everyday_weight: float = 1.0) -> float:
    frequency = zipf(word)
    return 2.0 if frequency < 4.0 else everyday_weight if frequency >= EVERYDAY_ZIPF else 1.0


def coverage(terms: dict[str, float], text: str, names: Mapping[str, str] | None = None
             ) -> float:
    """Share of the terms' weight the text names (``names``: a subject's stems -> the one its
    names share)."""
    if not terms:
        return 0.0
    names = names or {}
    present = {names.get(s, s) for s in term_stems(text)}
    return sum(weight for term, weight in terms.items()
               if names.get(term, term) in present) / sum(terms.values())
