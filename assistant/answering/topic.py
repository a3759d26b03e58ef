"""The standalone question's form, shared by every step that reads it: the user's own words,
then the topic terms a follow-up carries over from earlier turns, "What if …? (about
magnesium, clonazepam)" (``condense`` writes it; retrieval, refusal and the composer read the
two parts apart)."""

from __future__ import annotations

from assistant.text.sentences import asking_part

#: How a follow-up marks the topic terms it carries over: "What if …? (about magnesium, …)".
CARRIED_OPEN = " (about "
#: At most this many topic terms and stated conditions are carried.
MAX_CARRIED = 8
MAX_CONDITIONS = 4


def with_topic(question: str, topic: list[str]) -> str:
    """The question with these topic terms carried (each once, at most the bounds above)."""
    seen: list[str] = []
    for t in topic:
        if t and t.lower() not in (s.lower() for s in seen):
            seen.append(t)
    seen = seen[:MAX_CARRIED + MAX_CONDITIONS]
    return f"{question}{CARRIED_OPEN}{', '.join(seen)})" if seen else question


def split_carried(standalone: str) -> tuple[str, str]:
    """(the user's own words, the topic terms carried over from earlier turns): the last
    "(about …)", closing the text, is the carried topic; one of the user's own inside the text
    is theirs ("Gran is 88, tiny (about 7 stone), …")."""
    own, sep, carried = standalone.rpartition(CARRIED_OPEN)
    if not sep or not carried.endswith(")") or not _balanced(carried[:-1]):
        return standalone, ""
    return own, carried[:-1]


def _balanced(text: str) -> bool:
    """Are the brackets of ``text`` closed in order ("restless legs syndrome (RLS)")?"""
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def asked_with_topic(standalone: str) -> str:
    """The part of the user's own words that asks (``sentences.asking_part``), with the topic
    the standalone question carries: "… Should we be worried at her age? (about diuretics)"
    -> "Should we be worried at her age? (about diuretics)"."""
    own, carried = split_carried(standalone)
    return with_topic(asking_part(own), carried_terms(carried))


def carried_terms(carried: str) -> list[str]:
    """The terms of ``split_carried``'s second part, one by one."""
    return [t.strip() for t in carried.split(",") if t.strip()]
