"""Which risk facts a message states, and of what: the risks its words name (``stated_risks``),
whether it states them of the writer without saying so ("on dialysis 3x a week …":
``telegraphic``), the core subjects a stop or taper is said of
(``bound_subjects``) and the other substances a risk names ("temazepam": ``other_substances``).
Read by ``profile.read_question``."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.compose.policy import AnswerPolicy, Risk, matches
from assistant.text.sentences import asked_parts, clauses, points_back
from assistant.text.words import stem, term_words


def telegraphic(text: str, lasting: bool = True) -> bool:
    """A message that opens without its subject ("on dialysis 3x a week and …", "pregnant and
    can't sleep …", "been on .5 klonopin a year … gonna just stop cold turkey") speaks of the
    writer. "have" and "got" open questions too ("Have trials shown …?"): after them only a
    ``lasting`` condition ("have CKD stage 3") is read as the writer's."""
    opening = "on|been|taking|pregnant|nursing|breastfeeding" + (
        "|have|having|got" if lasting else "")
    return bool(re.match(rf"\s*({opening})\b", text, re.I))


def stated_risks(text: str, policy: AnswerPolicy, core: frozenset[str]) -> list[Risk]:
    """The policy's risks whose words ``text`` uses (those about another drug: outside the core
    subjects' names), unless it denies them or asks to leave their warning out."""
    for pattern in policy.dismissals:  # "drop the sleep apnea warning" states no risk
        text = re.sub(pattern, " ", text, flags=re.I)
    plain = without_core(text, core)
    return [r for r in policy.risks if matches(r.user, plain if r.other_than_core else text)
            and not matches(r.denied, text)]


def bound_subjects(text: str, now: Sequence[Risk], policy: AnswerPolicy,
                   core: frozenset[str]) -> frozenset[str]:
    """Stems of the core subjects the message names that are not what the user adds (no
    ``adding`` word in the three words before them), when it states a ``bound`` risk: those of
    its asking part when it names any ("finished coming off clonazepam … can i just stop the
    magnesium?" asks about magnesium); when it points back ("can i just drop it?"), those of the
    last sentence before it naming any, taken or not ("… I started magnesium glycinate …");
    else those of the whole message. A subject a stop takes as its object ("stop the magnesium")
    is the one, in each of these in turn."""
    bound = [r for r in now if r.bound]
    if not bound:
        return frozenset()
    parts = asked_parts(text)
    asking = " ".join(parts)
    told = clauses(text)  # the sentences before the first that asks, nearest first
    first = next((i for i, c in enumerate(told) if c in parts), len(told))
    # "any tips for doing it on my own?" points back at a deed (the taper), not a thing taken
    earlier = told[:first][::-1] if points_back(asking) and not _DOING_IT.search(asking) else []
    for part in (asking, *earlier, text):
        stopped = _stopped(part, bound, policy, core)
        if stopped:
            return stopped  # "… clonazepam taper … can i just stop the magnesium now"
        # what a question points back at is what it asks about, however it is taken ("Been
        # taking 200mg mag glycinate … Can I just bin it now?")
        pointed = part in earlier
        tokens = re.findall(r"[A-Za-z][\w-]*", part)
        found = set()
        for i, word in enumerate(tokens):
            before = " ".join(tokens[max(0, i - 3):i])
            if stem(word.lower()) in core and (pointed or not matches(policy.adding, before)):
                found.add(stem(word.lower()))
        if found:
            return frozenset(found)
    return frozenset()


def _stopped(part: str, bound: Sequence[Risk], policy: AnswerPolicy,
             core: frozenset[str]) -> frozenset[str]:
    """Stems of the core subjects a ``bound`` risk's words take as their object in ``part``
    (within the three words after them, before any clause break or word of adding: "just stop
    the magnesium", "coming off klonopin"; not "just stop and take magnesium")."""
    found: set[str] = set()
    for risk in bound:
        for pattern in risk.user:
            for m in re.finditer(pattern, part, flags=re.I):
                after = _BREAK.split(part[m.end():])[0]
                tokens = re.findall(r"[A-Za-z][\w-]*", after)[:3]
                for i, word in enumerate(tokens):
                    if matches(policy.adding, " ".join(tokens[:i + 1])):
                        break
                    if stem(word.lower()) in core:
                        found.add(stem(word.lower()))
    return frozenset(found)


#: A pronoun that is the object of "do": it stands for a deed ("doing it on my own").
_DOING_IT = re.compile(r"\b(do|does|doing|did|done)\s+(it|this|that|so)\b", re.I)
#: Where the object of a verb has ended: a clause break or a joining word.
_BREAK = re.compile(r"[,.;:?!()]|\b(?:and|or|then|but|so|because)\b", re.I)


def other_substances(text: str, policy: AnswerPolicy, core: frozenset[str]) -> frozenset[str]:
    """Stems of the words an ``other_than_core`` risk is stated with ("temazepam")."""
    plain = without_core(text, core)
    return frozenset(stem(w) for r in policy.risks if r.other_than_core for p in r.user
                     for m in re.finditer(p, plain, flags=re.I) for w in term_words(m.group(0)))


def without_core(text: str, core: frozenset[str]) -> str:
    """The text without the corpus's core subjects (for risks about another drug)."""
    return re.sub(r"[A-Za-z][\w-]*", lambda m: "" if stem(m.group(0).lower()) in core
                  else m.group(0), text)
