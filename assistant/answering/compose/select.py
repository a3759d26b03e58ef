"""Choosing what an answer says, from scored units:

* **the lead** answers the question asked (``lead.choose_lead``);
* **a comparison** when the user gives a number for a risk (creatinine clearance 25) and a
  sentence states the threshold (CrCl <30): which side the user is on, citing the threshold;
* **a conflict line** when a relevant sentence of another source gives the opposite verdict;
* **supporting points**: at most ``max_points``, above an absolute floor, naming the focus or a
  risk in their shown words, none a near-duplicate or shown in the previous answer (the lead may).
"""

from __future__ import annotations

from collections.abc import Mapping

from assistant.answering.compose.audience import answers_someone_else, for_unstated, stops_another
from assistant.answering.compose.conflicts import opposite_verdict, stance
from assistant.answering.compose.lead import (
    choose_lead,
    hedge,
    key,
    other_subject,
    verdict_answers,
    verdict_on_another_pair,
)
from assistant.answering.compose.plan import Plan
from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import Profile
from assistant.answering.compose.reshow import (
    for_this_reader,
    rows_focused,
    rows_readable,
    without_answer_words,
)
from assistant.answering.compose.rows import is_row, row_about_another
from assistant.answering.compose.scoring import Scored
from assistant.answering.compose.threshold import compare_threshold
from assistant.answering.compose.uncovered import (
    kind_uncovered,
    risk_uncovered,
    uncovered_part,
)
from assistant.answering.compose.units import overlapping
from assistant.text.words import content_words, term_stems

#: Two units whose vectors are closer than this say the same thing.
DUPLICATE_COSINE = 0.9
#: ... or whose content words overlap this much.
DUPLICATE_JACCARD = 0.6


def plan_answer(scored: list[Scored], profile: Profile, policy: AnswerPolicy,
                shown_before: frozenset[tuple[str, int, int]] = frozenset(),
                core: frozenset[str] = frozenset(),
                classes: Mapping[str, frozenset[str]] | None = None,
                focus: frozenset[str] = frozenset(),
                names: Mapping[str, str] | None = None,
                medicines: frozenset[str] = frozenset(),
                forms: Mapping[str, frozenset[str]] | None = None) -> Plan | None:
    """What to say, or None when no unit is relevant enough (``core``: stems of the corpus's
    core subjects, which alone do not make two sentences about the same thing; ``classes``:
    class stem -> its core members, ``answering.subjects.subject_classes``; ``focus``: the
    question's focus stems, ``scoring.question_focus``; ``forms``: subject -> its forms,
    ``subjects.subject_forms``)."""
    relevant = [s for s in scored if s.score >= policy.min_relevance]
    if not relevant:
        return None
    fresh = [s for s in relevant if key(s) not in shown_before]
    # evidence about a risk the user states of themselves may lead from a little under the
    # floor (by the weight the risk adds): "on dialysis … can I drink that CALM powder?" is
    # answered about the kidneys even when the product lines are closer to the words
    floor = policy.min_relevance - policy.weights.risk
    stated = [s for s in scored if s.score < policy.min_relevance and s.score >= floor
              and any(matches(r.evidence, s.unit.display) for r in profile.personal)]
    asked = (profile.things | profile.others | focus) - core
    other = uncovered_part(relevant, profile, asked, core, names, classes, focus,
                           medicines)
    if other is not None:  # what is asked is said only of something else
        return Plan(lead=other, declines=True, uncovered=focus & term_stems(other.unit.text),
                    kind=profile.kind)
    other = kind_uncovered(relevant, profile, policy, core, names, classes)
    if other is not None:  # the kind asked is said only of something else
        return Plan(lead=other, declines=True, kind=profile.kind)
    elsewhere = risk_uncovered(relevant + stated, profile, policy, core, names, classes)
    if elsewhere is not None:  # the condition stated is discussed only for something else
        return Plan(lead=elsewhere[0], declines=True, condition=elsewhere[1])
    found = compare_threshold(scored, profile, policy, core, names)
    # a threshold the user's value does not reach leads nothing: the lead is the best other
    # evidence on their condition ("CKD (any stage) … never …"), the threshold comes after it
    aside = found if found is not None and not found.applies else None
    pool = [s for s in relevant + stated if aside is None or s.unit.text != aside.scored.unit.text]
    lead, led = choose_lead(pool or relevant + stated, profile, policy, shown_before, asked,
                            core, names, classes, medicines)
    plan = Plan(lead=lead, conflict_line=policy.conflict.line)  # (the lead may repeat one shown)
    # a threshold the value does not reach leads only when the lead says nothing of the risk
    # the user has ("eGFR 45" and no other kidney evidence), never for a value that states no
    # risk ("I'm 44" against "Elderly patients (>65 years)")
    # nor does one on another risk than the one the lead is about ("CKD (any stage) …" leads
    # for eGFR 48 at 69; the age threshold comes after it)
    if found is not None and led is not None and led.id != found.risk:
        plan.aside = found
    elif found is not None and (found.applies or not pool or (not lead.risk_match and any(
            r.id == found.risk for r in profile.personal))):
        plan.lead, plan.comparison = found.scored, found.text
    else:
        plan.aside = aside
    plan.conflict = opposite_verdict(plan.lead, relevant, policy, core, classes or {},
                                     profile.personal, profile.others | profile.substances,
                                     profile.subjects)
    if plan.aside is not None and plan.conflict is not None \
            and plan.conflict.unit.text == plan.aside.scored.unit.text:
        plan.conflict = None  # the threshold after the lead is where the sources differ
    if plan.conflict is not None:
        plan.notes.append(f"conflict: {plan.lead.unit.chunk.source} vs "
                          f"{plan.conflict.unit.chunk.source}")
    taken = [plan.lead] + ([plan.conflict] if plan.conflict else []) + (
        [plan.aside.scored] if plan.aside else [])
    lead_stance = stance(plan.lead.unit.display, policy)
    verdict_asked = verdict_answers(profile)
    # best first (with the fitted term: how far its wording answers the question's), a hub
    # sentence (near the corpus as a whole) after others as close
    # after a lead on a risk the user states, for a question asking no kind, the points on
    # that risk come first ("drop to 0.5 on my own tonight": tapering gradually, not a dose
    # range); a question asking a kind gets the answers of that kind ("how many mg should i
    # start with" during a taper: a dose, not a line on dependence), first for a kind that
    # ``must_lead`` ("do I need any tests first?" during a taper: a line naming a test before
    # one on dependence), and then they may be points though naming nothing else asked
    risk_led = plan.lead.risk_match and bool(profile.personal) and profile.kind is None
    asked_kind = policy.kind_named(profile.kind)
    first_kind = asked_kind.evidence if asked_kind is not None and asked_kind.must_lead else []
    kind_first = bool(first_kind)
    named = asked | focus  # what a label for some people must name to be for this reader
    kin = {c: (classes or {}).get(c, frozenset()) | (forms or {}).get(c, frozenset())
           for c in {*(classes or {}), *(forms or {})}}  # a class or a form is the same subject
    for cand in sorted(fresh, key=lambda s: (not (risk_led and s.risk_match),
                                             not (kind_first and s.kind_match),
                                             -(s.score + s.answers - policy.weights.hub * s.hub))):
        if len(plan.points) >= policy.max_points:
            break
        if len(plan.points) >= policy.points_free and cand.score < policy.points_min_relevance:
            continue
        if any(duplicate(cand, c) for c in taken) or cand.unit.items:
            continue  # said already; or a whole list, which leads but is no point (its items
            # are: a list carries its section along, "… call OB" after a breathing question)
        if not (cand.focus_match or cand.risk_match or (cand.kind_match and kind_first)) \
                or row_about_another(cand.unit.quote, asked, core, medicines) \
                or other_subject(cand, profile, core, names, kin, carried=True):
            continue  # names nothing the user asked about (nor answers a kind that must
            # lead), a row on another thing, or a core subject they did not ask about
            # ("Clonazepam does not require renal dose adjustment" for "should we just pick
            # him up some magnesium?"): filler
        if answers_someone_else(cand, profile, policy) or hedge(cand, profile, policy) \
                or verdict_on_another_pair(cand, profile, policy, core, names, classes) \
                or cand.bracket < 0 or for_unstated(cand, profile, policy, named) \
                or stops_another(cand, profile, core, names, kin):
            continue
        if not verdict_asked and matches(policy.general_verdict, cand.unit.display):
            continue  # "generally safe" answers neither a stated risk nor another kind asked
        if lead_stance < 0 < stance(cand.unit.display, policy):
            continue  # a reassurance after a warning undercuts it (a caution may qualify one)
        plan.points.append(cand)
        taken.append(cand)
    if plan.aside is not None and plan.aside.ordinary:
        plan.aside = None  # "I'm 44" against ">65 years": no risk fact, neither side of it
    plan.ask = _ask(profile, policy, relevant)
    plan = for_this_reader(without_answer_words(plan, profile, policy), profile, policy)
    plan = rows_focused(plan, profile, policy, focus)  # then the points loop's check again, on
    # the unit's text as now shown (a reader's clause left out): naming no focus or risk is filler
    plan.points = [p for p in plan.points if not focus or focus & term_stems(_said(p))
                   or any(matches(r.evidence, _said(p)) for r in profile.risks)
                   or matches(first_kind, _said(p))]
    return rows_readable(plan, profile, policy)


def _said(s: Scored) -> str:
    """What a point says to the reader: a question-and-answer row shows only its answer, so
    its question ("Can I take it with melatonin or other sleep aids?") does not make it bear
    on a question about sleep; a sentence keeps the label of its line."""
    return s.unit.display if is_row(s.unit.quote) else s.unit.text


def _ask(profile: Profile, policy: AnswerPolicy, relevant: list[Scored]) -> str | None:
    """The question asking for a risk fact the user has not given, when the verdict asked
    depends on it: only when the evidence found for this question says something about one of
    those risks (calcium at breakfast is no question of sleep apnea)."""
    rule = policy.ask_when_missing
    if profile.kind not in rule.kinds or profile.risks:
        return None
    if any(r in profile.mentioned for r in rule.risks):
        return None
    risks = [r for r in policy.risks if r.id in rule.risks]
    if not any(matches(r.evidence, s.unit.display) for r in risks for s in relevant):
        return None
    return rule.text


def duplicate(a: Scored, b: Scored) -> bool:
    if overlapping(a.unit, b.unit):
        return True
    if float(a.vector @ b.vector) > DUPLICATE_COSINE:
        return True
    wa, wb = set(content_words(a.unit.display)), set(content_words(b.unit.display))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > DUPLICATE_JACCARD
