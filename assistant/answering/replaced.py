"""What a follow-up says the user takes *instead of* something: "and on nights i use benadryl
instead of the trazodone?", "what if i swap the trazodone for benadryl?", "what if my doc
switches me to sonata?". The thing given up is no longer what the conversation is about: the
standalone question leaves it out (its words would pull the answer back to it) and the topic
carried from earlier turns drops it.

English phrasing only; no corpus fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.words import words

_OWNER = r"(?:(?:the|my|his|her|their|your|our)\s+)?"
_PERSON = r"(?:(?:me|him|her|us|them)\s+)?"
#: "… instead of the trazodone", "… rather than my ambien": the phrase goes, the thing is given up.
_INSTEAD_OF = re.compile(rf",?\s*\b(?:instead of|rather than|in place of)\s+{_OWNER}"
                         rf"(?P<old>[A-Za-z][\w-]*)(?:\s*\([^)]*\))?", re.I)
#: "swap the trazodone for benadryl", "switch me from ambien to sonata": the given-up thing
#: goes, "switch to" stays before the new one.
_SWAP_FOR = re.compile(rf"\b(?:swap|switch|change|trade)(?:s|ed|ped|ping|ing)?\s+(?:out\s+)?"
                       rf"{_PERSON}(?:from\s+|off\s+)?{_OWNER}(?P<old>[A-Za-z][\w-]*)"
                       rf"(?:\s*\([^)]*\))?\s+(?:for|to|onto|with)\s+", re.I)
#: "switches me to sonata", "switch over to klonopin", "… benadryl instead": a new thing taken in
#: place of one the conversation named before (which one: the caller knows).
_SWITCH_TO = re.compile(rf"\b(?:switch|swap|change|mov)(?:e|es|ed|ped|ping|ing|s)?\s+{_PERSON}"
                        rf"(?:over\s+)?(?:to|onto)\s+{_OWNER}(?P<new>[A-Za-z][\w-]*)"
                        rf"|\b(?P<before>[A-Za-z][\w-]*)(?:\s*\([^)]*\))?\s+instead\b", re.I)


@dataclass(frozen=True)
class Replacement:
    #: The message without the given-up thing's words.
    question: str
    #: The given-up thing, when the message names it ("trazodone"); empty when it only says
    #: that something is replaced ("switches me to sonata").
    old: str = ""
    #: The thing taken instead, when only it is named ("sonata"; the caller checks that it
    #: names a thing: "what should I try instead?" replaces nothing).
    new: str = ""


def replacement(message: str) -> Replacement | None:
    """The replacement a message states, or None when it states none."""
    m = _INSTEAD_OF.search(message)
    if m:
        return Replacement(_squash(message[:m.start()] + message[m.end():]), m.group("old"))
    m = _SWAP_FOR.search(message)
    if m:
        return Replacement(_squash(f"{message[:m.start()]}switch to {message[m.end():]}"),
                           m.group("old"))
    m = _SWITCH_TO.search(message)
    if m:
        return Replacement(message, new=m.group("new") or m.group("before"))
    return None


def given_up(old: str, previous: str) -> set[str]:
    """The words (lower case) of the thing given up: its name and what the previous question
    glossed it as ("zzzquil (the diphenhydramine one)")."""
    if not old:
        return set()
    glossed = re.search(rf"\b{re.escape(old)}\s*\(([^)]*)\)", previous, re.I)
    return {old.lower(), *words(glossed.group(1) if glossed else "")}


def _squash(text: str) -> str:
    return re.sub(r"\s+([?,.!])", r"\1", re.sub(r"\s+", " ", text)).strip()
