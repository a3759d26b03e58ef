"""The lead of an answer: the sentence that answers the question asked (``select.plan_answer``
shows it first). When the user states a risk (kidneys, sleep apnea, another sedative, driving…),
a sentence about that risk and never a general verdict; a row for the user's age or weight
bracket over a general amount; otherwise the best sentence, where one of the asked kind and one
naming more of the question's focus gain a little."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from assistant.answering.compose.policy import AnswerPolicy, Risk, matches
from assistant.answering.compose.profile import NUMBER, Profile
from assistant.answering.compose.rows import is_row, row_about_another
from assistant.answering.compose.scoring import Scored, names_any, names_unsaid, written_with
from assistant.answering.compose.units import MAX_LABEL_WORDS
from assistant.text.normalize import display_text
from assistant.text.words import stem, term_stems, words

#: Evidence on the asked subject that answers what is asked keeps the question answered when it
#: scores at most this much under the best unit on another subject (chosen on the tuning sets).
UNCOVERED_MARGIN = 0.1


def key(s: Scored) -> tuple[str, int, int]:
    return (s.unit.chunk.source, s.unit.start, s.unit.end)


def choose_lead(relevant: list[Scored], profile: Profile, policy: AnswerPolicy,
                shown_before: frozenset[tuple[str, int, int]] = frozenset(),
                asked: frozenset[str] = frozenset(), core: frozenset[str] = frozenset(),
                names: Mapping[str, str] | None = None,
                classes: Mapping[str, frozenset[str]] | None = None) -> Scored:
    """Never a sentence about a risk the user denies ("my kidneys are perfect") when there is
    another; when the user states a risk about themselves, the best sentence about it; when any
    risk is named, or the question asks for something other than a verdict, never a general one;
    otherwise the best sentence, where a sentence of the asked kind and one naming more of the
    question's focus gain a little (``weights.lead_kind``, ``weights.lead_focus``)."""
    pool = [s for s in relevant if not about_denied(s, profile)] or relevant
    pool = [s for s in pool if not row_about_another(s.unit.quote, asked, core)] or pool
    pool = [s for s in pool if not hedge(s, profile, policy)] or pool
    unasked = [k.evidence for k in policy.kinds
               if k.leads_only_when_asked and k.id not in profile.kinds]
    pool = [s for s in pool if is_row(s.unit.quote)  # a row has other cells to show
            or not any(matches(e, s.unit.display) for e in unasked)] or pool
    if "verdict" in profile.kinds:  # "is it ok with X?" about a thing the user named or takes
        # ("on doxycycline", "Ambien"): a lead that names it, when any does, over one about
        # another pairing ("… magnesium glycinate + melatonin …")
        pool = [s for s in pool if profile.things & term_stems(s.unit.text)] or pool
    said = profile.subjects | profile.topic | profile.named_before
    pool = [s for s in pool if not matches(policy.general_verdict, s.unit.display)
            or not names_unsaid(s.unit.text, said, core, names, classes)] or pool  # "generally safe
    # with clonazepam" for someone who takes benadryl (and no clonazepam) is about another pair
    plain = [s for s in pool if not matches(policy.general_verdict, s.unit.display)]
    if profile.risks or (profile.kinds and "verdict" not in profile.kinds):
        pool = plain or pool  # "generally safe" answers neither a stated risk nor an amount,
        # a time or a sign that is asked for
    hub = policy.weights.hub
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
        elif risk.lasting:  # a condition stated now: never evidence on another core subject
            # only ("Elderly patients (>65 years): consider starting with 0.25mg clonazepam"
            # for "I'm 69 … magnesium") unless it names the user's own amount ("… but 120mg
            # is a modest dose" for "Is 120 mg safe with 0.5 mg clonazepam?")
            about = [s for s in about if not other_subject(s, profile, core, names, classes)
                     or profile.numbers & set(NUMBER.findall(s.unit.display))]
        if risk.other_than_core:  # evidence about the substance the user named
            about = [s for s in about if profile.others & term_stems(s.unit.text)] or about
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
        about = [s for s in about if matches(risk.user, s.unit.display)] or about
        if about:
            pool, hub = about, 0.0  # evidence on the stated risk: its own focus, no hub malus
            break
    else:  # no stated risk leads: "when should i take it compared to my trazodone, how much?"
        # is answered by the row on trazodone over a general dose (a question choosing among
        # forms names them as options, not as what it is about)
        if profile.substances and "form" not in profile.kinds and "verdict" not in profile.kinds:
            pool = [s for s in pool if profile.substances & term_stems(s.unit.text)] or pool
    # a row for the user's age or weight bracket ("Body weight <130 lbs" for 112 lbs) over a
    # general amount, and never one for another bracket ("Children 1–3 years" for a teen)
    pool = [s for s in pool if s.bracket >= 0] or pool
    fitted = [s for s in pool if s.bracket > 0 and s.kind_match  # of the asked kind and not
              and not other_subject(s, profile, core, names, classes)]  # on another
    if fitted:  # the closest bracket: "Elderly (>65 years)" over "Adults 19+" for 78
        closest = max(s.bracket for s in fitted)
        pool = [s for s in fitted if s.bracket == closest]
    w = policy.weights
    kind = w.lead_kind if profile.kind else 0.0
    return max(pool, key=lambda s: s.score + kind * s.kind_match + w.lead_focus * s.focus_share
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


def uncovered_part(relevant: list[Scored], profile: Profile, asked: frozenset[str],
                   core: frozenset[str], names: Mapping[str, str] | None,
                   classes: Mapping[str, frozenset[str]] | None,
                   focus: frozenset[str], medicines: frozenset[str]) -> Scored | None:
    """The unit that best answers what a question asks about a core subject it names, when
    every unit answering any of it is about another subject ("Ambien (zolpidem): short half-life"
    for "what is Klonopin's half-life?"): the documents cover the subject, not what is asked
    about it. What answers is naming the question's focus, or, when no unit names any of it
    (its words all say what kind of answer it wants: "half-life"), being of the asked kind.
    Evidence on the subject that answers and scores within ``UNCOVERED_MARGIN`` of the best
    unit on another keeps the question answered. When no unit names any of the focus and none
    is of the asked kind at all ("whats the max dose of klonopin per day?"), the best unit: the
    documents discuss the subject, not what is asked. None otherwise, and when the message
    states a risk (evidence on it answers; one stated in an earlier turn does not count)."""
    stated_now = any(r.id in profile.current for r in profile.personal)
    if not profile.subjects or stated_now or not (focus or profile.kind):
        return None

    by_focus = bool(focus) and any(s.focus_weight > 0 for s in relevant)

    def weight(s: Scored) -> float:
        return s.focus_weight if by_focus else float(s.kind_match)

    # what answers is about another subject when it is a line labelled with another medicine
    # ("Ambien (zolpidem): …"), or, when the best evidence of all is so, a unit naming no core
    # subject whose document and section are about others only ("Empty or near-empty stomach
    # improves absorption" under magnesium timing, for "should klonopin be taken with food?");
    # a subject written as one with another in a heading ("Magnesium Glycinate") is that one
    wide = _with_compounds(profile, profile.subjects, relevant, core)

    def placed_elsewhere(s: Scored) -> bool:
        return not term_stems(s.unit.text) & core and _of_others(s, wide, core, names, classes)
    elsewhere = bool(relevant) and placed_elsewhere(relevant[0])

    def other(s: Scored) -> bool:
        return labelled_other(s, profile, asked, core, names, classes, medicines) or (
            elsewhere and placed_elsewhere(s))
    others = [s for s in relevant if weight(s) > 0 and other(s)]
    if not others and not by_focus and profile.kind and relevant \
            and not any(s.kind_match for s in relevant):
        return relevant[0]  # nothing of the asked kind at all ("the max dose of klonopin")
    if not others:
        return None
    best = max(s.score for s in others)
    if any(weight(s) > 0 and s.score >= best - UNCOVERED_MARGIN and not other(s)
           for s in relevant):
        return None
    return max(others, key=lambda s: (weight(s), s.score))


def kind_uncovered(relevant: list[Scored], profile: Profile, policy: AnswerPolicy,
                   core: frozenset[str], names: Mapping[str, str] | None,
                   classes: Mapping[str, frozenset[str]] | None) -> Scored | None:
    """For a question asking its kind in ``exact`` words (the maximum dose) of a core subject
    it names, when no relevant unit of that kind is about that subject (each names only
    other core subjects, or none under another's document and section): the best such unit
    (else the best unit); the documents discuss the subject, not what is asked of it ("what's
    the max daily dose of klonopin?": every upper limit is magnesium's). None otherwise, and
    when the message states a risk of its own (evidence on it answers)."""
    subjects = profile.asked_subjects or profile.topic  # a follow-up's: the topic it carries
    if not profile.exact or not subjects or not relevant \
            or any(r.id in profile.current for r in profile.personal):
        return None
    asked = _with_compounds(profile, subjects, relevant, core)
    of_kind = [s for s in relevant if s.kind_match]
    if any(not _of_others(s, asked, core, names, classes) for s in of_kind):
        return None
    return max(of_kind or relevant, key=lambda s: s.score)


def risk_uncovered(pool: list[Scored], profile: Profile, core: frozenset[str],
                   names: Mapping[str, str] | None,
                   classes: Mapping[str, frozenset[str]] | None) -> tuple[Scored, Risk] | None:
    """A condition the user states now ("I'm 7 weeks pregnant"), or stated earlier when the
    message is the first to name a core subject ("also … klonopin 0.5, is that one safe for the
    baby?"), of a core subject the message asks about ("clonazepam"), when every unit of
    evidence on the condition is about other core subjects only ("… pregnancy actually
    increases magnesium requirements"): the documents cover the condition, not for what is
    asked. The best such unit and the condition, else None (and when any condition stated now
    has evidence on the subject). A message that asks nothing of a known kind ("Do I need
    to do anything differently on Sundays?" after "I'm 69 … alendronate … magnesium") is not
    asking what the condition changes: its evidence answers it."""
    if not profile.subjects or not profile.kinds:
        return None
    # the subjects its question asks about, not those of the story before it
    # ("Magnesium Glycinate" in a heading: a question on glycinate asks about magnesium too)
    profile = _with_compounds(profile, profile.asked_subjects, pool, core)
    found = None
    for risk in profile.personal:
        if not risk.lasting or not (risk.id in profile.current
                                    or profile.subjects - profile.named_before):
            continue  # stated now, or earlier and asked of a subject this message names first
        about = [s for s in pool if s.risk_match and matches(risk.evidence, s.unit.display)]
        if not about:
            continue
        if not all(_of_others(s, profile, core, names, classes) for s in about):
            return None  # another condition stated is covered for the subject: it is answered
        found = found or (max(about, key=lambda s: s.score), risk)
    return found


def _of_others(s: Scored, profile: Profile, core: frozenset[str],
               names: Mapping[str, str] | None,
               classes: Mapping[str, frozenset[str]] | None) -> bool:
    """Is the unit about other core subjects than those asked: it names only others, or it
    names none and its document and section do ("Relative cautions: multiple pregnancy
    complications …" under "10 Best Magnesium for Sleep")?"""
    if term_stems(s.unit.text) & core:
        return other_subject(s, profile, core, names, classes)
    where = term_stems(" ".join([s.unit.chunk.title, *s.unit.chunk.section]))
    return bool(where & core) and not names_any(where, profile.subjects, names, classes)


def _with_compounds(profile: Profile, subjects: frozenset[str], units: list[Scored],
                    core: frozenset[str]) -> Profile:
    """The profile asking about ``subjects`` and the core subjects the evidence's headings
    write as one with them ("Magnesium Glycinate": a question on glycinate asks about
    magnesium too)."""
    return replace(profile, subjects=subjects | _named_with(subjects, units, core))


def _named_with(subjects: frozenset[str], units: list[Scored],
                core: frozenset[str]) -> frozenset[str]:
    """Core subjects written side by side with one of these in a title or section heading of
    the evidence ("Magnesium Glycinate": magnesium with glycinate)."""
    out: set[str] = set()
    for heading in {h for s in units for h in (s.unit.chunk.title, *s.unit.chunk.section)}:
        out |= written_with([stem(w) for w in words(display_text(heading))], subjects, core)
    return frozenset(out - subjects)


def labelled_other(s: Scored, profile: Profile, asked: frozenset[str], core: frozenset[str],
                   names: Mapping[str, str] | None,
                   classes: Mapping[str, frozenset[str]] | None,
                   medicines: frozenset[str]) -> bool:
    """Is the unit a labelled line ("Ambien (zolpidem): …") whose label names a medicine
    (``medicines``: the corpus's words for them) the message does not ask about, while the unit
    names none of the core subjects it asks about?"""
    label, sep, _ = s.unit.display.partition(": ")
    if not sep or not profile.subjects or len(label.split()) > MAX_LABEL_WORDS:
        return False
    said = words(display_text(label))
    named = {stem(w) for w in said if w.lower() in medicines} - core
    own = {stem(w) for w in said} & core  # "Magnesium glycinate: moderate half-life"
    if not (named - asked or own):
        return False
    return not names_any(term_stems(s.unit.text), profile.subjects, names, classes)


def _risks_named(s: Scored, profile: Profile) -> int:
    return sum(matches(r.evidence, s.unit.display) for r in profile.risks if r.lasting)


def _others_named(s: Scored, profile: Profile, policy: AnswerPolicy) -> int:
    return sum(matches(r.evidence, s.unit.display) for r in policy.risks
               if r.lasting and r not in profile.risks)


def hedge(s: Scored, profile: Profile, policy: AnswerPolicy) -> bool:
    """A sentence about a gap in the evidence, for a question not about the evidence."""
    return not profile.asks_evidence and matches(policy.hedges, s.unit.display)


def about_denied(s: Scored, profile: Profile) -> bool:
    """Is the unit about a risk the user says does not apply to them?"""
    return any(matches(r.evidence, s.unit.display) for r in profile.denied)
