"""What a question asks for: its kinds (``policy.kinds``: a verdict, an amount, a time, what
to watch for …), read in the parts of the message that ask (``text.sentences.asked_parts``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.text.sentences import asked_parts, part_before, points_back

#: A follow-up that goes on from the last question is short ("and longer term?"); a longer
#: one opening with "also" tells something new ("also weird thing, … is that part of this?").
CONTINUES_WORDS = 15
#: A message that goes on from the previous question ("And if …?", "what about …?").
_CONTINUES = re.compile(r"\s*(and|or|also|plus|what about|how about)\b", re.I)


#: A question going on from a state the user told ("is it still safe?").
_STILL = re.compile(r"\bstill\b", re.I)


def read_kinds(own: str, carried: str, earlier: Sequence[str],
               policy: AnswerPolicy) -> tuple[str, tuple[str, ...]]:
    """The text that asks and the kinds it asks for (``asked_kinds``). What is asked is read
    in the question itself, not in what the user tells before it ("my psych ok'd it. what
    should i watch for?" asks what to watch for, not "ok?"), unless the question asks nothing
    of its own and points back at a sentence naming a kind in its exact words ("… put on like
    9kg since i started it. is the klonopin doing that?" asks about weight gain); a follow-up
    that goes on from the last question ("and longer term?") and asks for nothing of its own
    asks what the last did."""
    asking = " ".join(asked_parts(own))
    kinds = asked_kinds(asking, policy)
    if (not kinds or (kinds == ("verdict",) and _STILL.search(asking))) and points_back(asking):
        # "is it still safe?" after "it expired in 2022" asks about what the sentence before
        # names in a kind's exact words ("is it safe with clonazepam?" asks a verdict)
        told = f"{part_before(own, asked_parts(own)[0])} {asking}"
        told_kinds = asked_kinds(told, policy)
        kind = policy.kind_named(told_kinds[0]) if told_kinds else None
        if kind is not None and kind.exact and matches(kind.exact, told):
            asking, kinds = told, told_kinds
    if not kinds and carried and earlier and _CONTINUES.match(own) \
            and len(own.split()) <= CONTINUES_WORDS:
        kinds = asked_kinds(" ".join(asked_parts(earlier[-1])), policy)
    return asking, kinds


def asked_kinds(text: str, policy: AnswerPolicy) -> tuple[str, ...]:
    """The kinds the question asks for, the one asked first ("What can happen when …" asks
    what happens, not when) first, a ``fallback`` kind after every other; ties keep the
    policy's order. A kind that narrows another asked with it comes before both."""
    found = []
    for n, kind in enumerate(policy.kinds):
        starts = [m.start() for p in kind.ask if (m := re.search(p, text, re.I))]
        if starts:
            found.append((kind.fallback, min(starts), n, kind.id))
    order = [kind_id for *_, kind_id in sorted(found)]
    narrowing = [k.id for k in policy.kinds if k.id in order and set(k.narrows) & set(order)]
    return tuple(narrowing + [k for k in order if k not in narrowing])
