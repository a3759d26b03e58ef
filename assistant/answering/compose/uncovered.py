"""Questions the evidence covers in part: the subject is in the documents, what is asked of
it is not ("what is Klonopin's half-life?" when only Ambien's is given). ``select.plan_answer``
declines such a part: ``uncovered_part`` (the question's focus is said only of other subjects),
``kind_uncovered`` (the asked kind, in exact words, only of others) and ``risk_uncovered`` (a
stated condition discussed only for other subjects)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from assistant.answering.compose.lead import other_subject
from assistant.answering.compose.policy import AnswerPolicy, Risk, matches
from assistant.answering.compose.profile import Profile
from assistant.answering.compose.scoring import Scored, names_any, written_with
from assistant.answering.compose.units import MAX_LABEL_WORDS
from assistant.text.normalize import display_text
from assistant.text.words import stem, term_stems, words

#: Evidence on the asked subject that answers what is asked keeps the question answered when it
#: scores at most this much under the best unit on another subject (chosen on the tuning sets).
UNCOVERED_MARGIN = 0.1


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
    when the message states a risk of its own (evidence on it answers) while some unit is of
    the kind ("will clonazepam make me put on weight? … the apnea": nothing is on weight)."""
    subjects = profile.asked_subjects or profile.topic  # a follow-up's: the topic it carries
    if not profile.exact or not subjects or not relevant:
        return None
    of_kind = [s for s in relevant if s.kind_match]
    if of_kind and any(r.id in profile.current for r in profile.personal):
        return None
    asked = _with_compounds(profile, subjects, relevant, core)
    if any(not _of_others(s, asked, core, names, classes) for s in of_kind):
        return None
    return max(of_kind or relevant, key=lambda s: s.score)


def risk_uncovered(pool: list[Scored], profile: Profile, policy: AnswerPolicy,
                   core: frozenset[str], names: Mapping[str, str] | None,
                   classes: Mapping[str, frozenset[str]] | None) -> tuple[Scored, Risk] | None:
    """A condition the user states now ("I'm 7 weeks pregnant"), or stated earlier when the
    message is the first to name a core subject ("also … klonopin 0.5, is that one safe for the
    baby?"), of a core subject the message asks about ("clonazepam"), when every unit of
    evidence on the condition is about other core subjects only ("… pregnancy actually
    increases magnesium requirements"): the documents cover the condition, not for what is
    asked. The best such unit and the condition, else None (and when any condition stated now
    has evidence on the subject). A message that asks nothing of a known kind ("Do I need
    to do anything differently on Sundays?" after "I'm 69 … alendronate … magnesium") is not
    asking what the condition changes: its evidence answers it, unless its question states
    the condition itself ("could klonopin cause birth defects if I fall pregnant?"), not only
    its story ("My dad is 81 … Could his water pill be draining his magnesium?")."""
    asked = policy.kind_named(profile.kind)
    if not profile.subjects or (asked is not None and not asked.conditional):
        return None  # "is there a timing problem on Sundays?" for a 68-year-old: not changed
    # the subjects its question asks about, not those of the story before it
    # ("Magnesium Glycinate" in a heading: a question on glycinate asks about magnesium too)
    profile = _with_compounds(profile, profile.asked_subjects, pool, core)
    found = None
    # a condition its question asks about without stating it of anyone ("is clonazepam safe in
    # pregnancy?") is what is asked as much as one stated of the user
    topic = [r for r in profile.risks if r.id in profile.asked_risks and r not in profile.personal]
    def evidence(risk: Risk) -> list[Scored]:
        return [s for s in pool if s.risk_match and matches(risk.evidence, s.unit.display)]

    def covered(about: list[Scored]) -> bool:
        """Is some of it about a subject asked (not only about others)?"""
        return not all(_of_others(s, profile, core, names, classes) for s in about)

    for risk in (*profile.personal, *topic):
        if not risk.lasting:
            # another substance taken now whose pairing is covered for the subject ("takes
            # temazepam … is adding magnesium safe?" at 77: the benzodiazepine row) is answered,
            # whatever a stated condition lacks (stopping clonazepam is no such pairing: "is it
            # safe in the first trimester or do i need to come off it?" is still declined)
            if risk.other_than_core and risk.id in profile.current and (
                    about := evidence(risk)) and covered(about):
                return None
            continue
        if not (risk.id in (profile.current if profile.kinds else profile.asked_risks)
                or (profile.kinds and profile.subjects - profile.named_before)):
            continue  # stated now (in its question when it asks no kind), or earlier and
            # asked of a subject this message names first
        about = evidence(risk)
        if not about:
            continue
        if covered(about):
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
