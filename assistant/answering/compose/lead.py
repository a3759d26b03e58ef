"""The lead of an answer: the sentence that answers the question asked (``select.plan_answer``
shows it first). When the user states a risk (kidneys, sleep apnea, another sedative, driving…),
a sentence about that risk and never a general verdict; a row for the user's age or weight
bracket over a general amount; otherwise the best sentence, where one of the asked kind, one
naming more of the question's focus and one whose wording answers the question's (the fitted
term, ``compose.fit``) gain."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from assistant.answering.compose.policy import AnswerPolicy, Risk, matches
from assistant.answering.compose.profile import NUMBER, Profile
from assistant.answering.compose.rows import is_row, row_about_another
from assistant.answering.compose.scoring import Scored, names_any, names_unsaid
from assistant.answering.compose.stated import without_core
from assistant.text.words import term_stems


def key(s: Scored) -> tuple[str, int, int]:
    return (s.unit.chunk.source, s.unit.start, s.unit.end)


class Lead(NamedTuple):
    """The lead unit and the stated risk whose evidence it was chosen from (None: no risk)."""

    scored: Scored
    risk: Risk | None


def choose_lead(relevant: list[Scored], profile: Profile, policy: AnswerPolicy,
                shown_before: frozenset[tuple[str, int, int]] = frozenset(),
                asked: frozenset[str] = frozenset(), core: frozenset[str] = frozenset(),
                names: Mapping[str, str] | None = None,
                classes: Mapping[str, frozenset[str]] | None = None,
                medicines: frozenset[str] = frozenset()) -> Lead:
    """The best unit of ``lead_pool`` by ``lead_value``; the fitted term (``Scored.answers``)
    does not choose among the evidence on a risk the user states: the rules' safety order
    does (the lead on weak kidneys is the threshold of what they add, not a neighbour)."""
    pool, hub, risk = lead_pool(relevant, profile, policy, asked, core, names, classes,
                                medicines)
    return Lead(max(pool, key=lambda s: lead_value(s, profile, policy, shown_before, hub,
                                                   fitted=risk is None)), risk)


def lead_pool(relevant: list[Scored], profile: Profile, policy: AnswerPolicy,
              asked: frozenset[str] = frozenset(), core: frozenset[str] = frozenset(),
              names: Mapping[str, str] | None = None,
              classes: Mapping[str, frozenset[str]] | None = None,
              medicines: frozenset[str] = frozenset(),
              ) -> tuple[list[Scored], float, Risk | None]:
    """The units that may lead, the hub weight to choose among them with, and the stated risk
    they are the evidence on (None: they are not). Never a sentence about a risk the user denies
    ("my kidneys are perfect") when there is another, but the row for their age bracket; when
    the user states a risk about themselves, the sentences about it; when any risk is named, or
    the question asks for something other than a verdict, never a general one."""
    pool = [s for s in relevant if not about_denied(s, profile) or s.bracket > 0] or relevant
    # (the row for their bracket stays: "Elderly (>65 years) — … Rationale: Reduced renal
    # clearance" for an 82-year-old whose kidneys are fine)
    pool = [s for s in pool if not row_about_another(s.unit.quote, asked, core, medicines)
            ] or pool
    pool = [s for s in pool if not hedge(s, profile, policy)] or pool
    unasked = [k.evidence for k in policy.kinds
               if k.leads_only_when_asked and k.id not in profile.kinds]
    pool = [s for s in pool if is_row(s.unit.quote)  # a row has other cells to show
            or not any(matches(e, s.unit.display) for e in unasked)] or pool
    if "verdict" in profile.kinds:  # "is it ok with X?" about a thing the user named or takes
        # ("on doxycycline", "Ambien"): a lead that names it, when any does, over one about
        # another pairing ("… magnesium glycinate + melatonin …"); a brand of a core subject
        # ("Pure Encapsulations") is what they add, not what they pair it with
        partners = profile.things - (products(relevant, core) - profile.substances
                                     - profile.others)
        pool = [s for s in pool if names_any(term_stems(s.unit.text), partners, names, classes)
                ] or pool  # by any of its names ("klonopin": "… discontinuation of clonazepam")
    pool = [s for s in pool if not verdict_on_another_pair(s, profile, policy, core, names,
                                                           classes)
            and not presumes_a_dose(s, profile, policy)] or pool
    plain = [s for s in pool if not matches(policy.general_verdict, s.unit.display)]
    if not verdict_answers(profile):
        pool = plain or pool  # "generally safe" answers neither a stated risk nor an amount,
        # a time or a sign that is asked for
    hub, led = policy.weights.hub, None
    for risk in leading_risks(profile):  # the risks stated in this message come first
        about = [s for s in plain if s.risk_match and matches(risk.evidence, s.unit.display)
                 and s.bracket >= 0]  # another age's row ("Teens 14–18") is not about theirs
        if risk.id not in profile.current:
            # a condition from an earlier turn: evidence about it that answers what is
            # asked now ("how much for her", 78) or names what it is about, else the best
            # answer to the question; never evidence on another core subject only ("consider
            # 0.25mg clonazepam" for "how much for someone his age?" after his magnesium)
            about = [s for s in about if (s.kind_match if profile.kind else s.focus_match)
                     and not other_subject(s, profile, core, names, classes, carried=True)]
        elif risk.lasting or risk.leads == "asked":  # a condition stated now, or a risk whose
            # evidence leads when it answers: never evidence on another core subject only
            # ("Elderly patients (>65 years): consider starting with 0.25mg clonazepam" for
            # "I'm 69 … magnesium"; "evaluate for history of substance abuse, as clonazepam
            # carries dependence risk" for "8 months sober … likely to be low in magnesium?")
            # unless it names the user's own amount ("… but 120mg is a modest dose" for "Is
            # 120 mg safe with 0.5 mg clonazepam?")
            about = [s for s in about if not other_subject(s, profile, core, names, classes)
                     or profile.numbers & set(NUMBER.findall(s.unit.display))]
        if risk.other_than_core:  # evidence about the substance the user named
            about = [s for s in about if profile.others & term_stems(s.unit.text)] or about
        if risk.bracket_unit and about and risk.id not in profile.current:  # the row for the
            # bracket of the person an earlier turn told of ("Elderly (>65 years) — Adjusted
            # Dose" for "how much for someone her age?" after "my mom who's 80") over a row for
            # all adults or a catch-all caution
            about = _closest_bracket(about)
        fitting = [s for s in about if s.bracket > 0 and s.kind_match] \
            if risk.bracket_unit and profile.kind != "verdict" else []
        if fitting:  # the row of the asked kind for their bracket ("Elderly (>65 years) —
            # Adjusted Dose: 200-300mg …; Rationale: Reduced renal clearance …" for 72), before
            # a row naming other conditions too gives way to one that names none
            about = _closest_bracket(fitting)
        if about:  # about all the conditions stated ("pregnant 16 year old") over some
            most = max(_risks_named(s, profile) for s in about)
            about = [s for s in about if _risks_named(s, profile) == most]
            if risk.lasting:  # a condition: evidence about it alone over a catch-all caution
                # ("… particularly kidney disease, those who are pregnant or breastfeeding, …")
                fewest = min(_others_named(s, profile, policy) for s in about)
                about = [s for s in about if _others_named(s, profile, policy) == fewest]
        if risk.bound and risk.subject_first and profile.bound:  # stopping clonazepam at once:
            # evidence that names it ("Avoid abrupt discontinuation of clonazepam"), not only
            # its class, over a line naming the user's words ("… cold turkey … pre-benzo …")
            about = [s for s in about if names_any(term_stems(s.unit.text), profile.bound,
                                                   names)] or about
        # evidence naming what the user named ("driving", "snoring") over a related effect
        # (another substance's words, not the core subjects': "other sedatives", not the
        # "clonazepam" of "… clonazepam with other CNS depressants like gabapentin")
        about = [s for s in about if matches(risk.user, without_core(s.unit.display, core)
                                             if risk.other_than_core else s.unit.display)
                 ] or about
        if risk.leads == "asked":
            about = _answering(about, pool, profile, policy)
        if about:  # evidence on the stated risk: its own focus, no hub malus
            pool, hub, led = about, 0.0, risk
            break
    else:  # no stated risk leads: a kind asked in its own words ("above the daily upper
        # limit?") or one that ``must_lead`` is answered by a unit of it, not by the product
        # row the question names; "when should i take it compared to my trazodone, how much?"
        # is answered by the row on trazodone over a general dose (a question choosing among
        # forms names them as options, not as what it is about)
        kind = policy.kind_named(profile.kind)
        if profile.exact or (kind is not None and kind.must_lead):
            pool = [s for s in pool if s.kind_match] or pool
        if profile.substances and "form" not in profile.kinds and "verdict" not in profile.kinds:
            pool = [s for s in pool if profile.substances & term_stems(s.unit.text)] or pool
    # a row for the user's age or weight bracket ("Body weight <130 lbs" for 112 lbs) over a
    # general amount, and never one for another bracket ("Children 1–3 years" for a teen)
    pool = [s for s in pool if s.bracket >= 0] or pool
    in_bracket = [s for s in pool if s.bracket > 0 and s.kind_match  # of the asked kind
                  and not other_subject(s, profile, core, names, classes)  # not on another
                  ] if profile.kind != "verdict" else []  # an amount for their age is no verdict
    if in_bracket:  # the closest bracket: "Elderly (>65 years)" over "Adults 19+" for 78
        pool = _closest_bracket(in_bracket)
    return pool, hub, led


def presumes_a_dose(s: Scored, profile: Profile, policy: AnswerPolicy) -> bool:
    """Is the unit about its source's reader's own dose (``policy.presumed_dose``: "The
    magnesium dose (120mg elemental) is well below …") when the user gave no such number?"""
    found = re.search(policy.presumed_dose, s.unit.display, re.I) if policy.presumed_dose \
        else None
    return found is not None and found.group("value") not in profile.numbers


def verdict_on_another_pair(s: Scored, profile: Profile, policy: AnswerPolicy,
                            core: frozenset[str], names: Mapping[str, str] | None,
                            classes: Mapping[str, frozenset[str]] | None) -> bool:
    """A general verdict naming a core subject the user never named: "generally safe with
    clonazepam" for someone who takes benadryl, or a prenatal vitamin, and no clonazepam is
    about another pairing."""
    said = profile.subjects | profile.topic | profile.named_before
    return matches(policy.general_verdict, s.unit.display) \
        and names_unsaid(s.unit.text, said, core, names, classes)


def products(units: list[Scored], core: frozenset[str]) -> frozenset[str]:
    """Stems of the words of row labels that name a core subject ("Pure Encapsulations
    Magnesium Glycinate — …"): the names of its products (or, in a class's row, medicines:
    the caller keeps those the user takes)."""
    labels = [s.unit.display.partition(" — ") for s in units]
    return frozenset(w for head, sep, _ in labels if sep and term_stems(head) & core
                     for w in term_stems(head)) - core


def lead_value(s: Scored, profile: Profile, policy: AnswerPolicy,
               shown_before: frozenset[tuple[str, int, int]], hub: float,
               fitted: bool = True) -> float:
    """How well a unit of the lead pool leads: its score, where one of the asked kind, one
    naming more of the question's focus and (``fitted``) one that answers the question's
    wording (``Scored.answers``) gain, and one quoted by the previous answer or a hub sentence
    lose."""
    w = policy.weights
    kind = w.lead_kind if profile.kind else 0.0
    return (s.score + kind * s.kind_match + w.lead_focus * s.focus_share
            + fitted * w.lead_fit * s.answers
            - w.lead_repeat * (key(s) in shown_before) - hub * s.hub)


def leading_risks(profile: Profile) -> tuple[Risk, ...]:
    """The risks whose evidence leads: the user's own, then a ``topical`` one this message
    asks about ("Is it OK to drive after …?"), said of anyone."""
    return profile.personal + tuple(r for r in profile.risks if r.topical
                                    and r.id in profile.current and r not in profile.personal)


def other_subject(s: Scored, profile: Profile, core: frozenset[str],
                  names: Mapping[str, str] | None,
                  classes: Mapping[str, frozenset[str]] | None, carried: bool = False) -> bool:
    """Does the unit name core subjects, none of them one the message asks about ("consider
    0.25mg clonazepam" for "how much magnesium should he take")? With ``carried``, a message
    naming none asks about those of the topic it carries."""
    asked = profile.subjects or (profile.topic if carried else frozenset())
    stems = term_stems(s.unit.text)
    return bool(asked and stems & core and not names_any(stems, asked, names, classes))


def _answering(about: list[Scored], pool: list[Scored], profile: Profile,
               policy: AnswerPolicy) -> list[Scored]:
    """The evidence on a risk that leads only when it answers what is asked (``Risk.leads``):
    of the asked kind ("what type of magnesium … during my taper?" -> a form, not a line on
    tapering), all of it for a verdict, and for a question asking no kind, the evidence within
    ``weights.risk_margin`` of the closest unit ("my potassium is low and I drink most nights"
    -> the deficiency risk groups over a line on sedation)."""
    if profile.kind == "verdict":
        return about
    if profile.kind:
        return [s for s in about if s.kind_match]
    best = max((s.score + s.answers for s in pool), default=0.0)
    return [s for s in about if s.score + s.answers >= best - policy.weights.risk_margin]


def _closest_bracket(units: list[Scored]) -> list[Scored]:
    """The units whose bracket fits the person closest (``Scored.bracket``; ``units`` is not
    empty)."""
    closest = max(s.bracket for s in units)
    return [s for s in units if s.bracket == closest]


def _risks_named(s: Scored, profile: Profile) -> int:
    return sum(matches(r.evidence, s.unit.display) for r in profile.risks if r.lasting)


def _others_named(s: Scored, profile: Profile, policy: AnswerPolicy) -> int:
    """How many lasting conditions the user did not state the unit names; one they deny is
    set aside, not another person's ("Elderly (>65 years) — … Reduced renal clearance" for a
    72-year-old whose kidneys are fine)."""
    return sum(matches(r.evidence, s.unit.display) for r in policy.risks
               if r.lasting and r not in profile.risks and r not in profile.denied)


def verdict_answers(profile: Profile) -> bool:
    """Does a general verdict ("generally safe") answer the question: a verdict (or nothing
    else) is asked and no risk is stated (an ordinary age told in passing, "I'm 31", is none)?"""
    stated = [r for r in profile.risks if r.ordinary is None or r in profile.personal]
    return not stated and (not profile.kinds or "verdict" in profile.kinds)


def hedge(s: Scored, profile: Profile, policy: AnswerPolicy) -> bool:
    """A sentence about a gap in the evidence, for a question not about the evidence."""
    return not profile.asks_evidence and matches(policy.hedges, s.unit.display)


def about_denied(s: Scored, profile: Profile) -> bool:
    """Is the unit about a risk the user says does not apply to them?"""
    return any(matches(r.evidence, s.unit.display) for r in profile.denied)
