"""Turn the latest message of a conversation into a standalone question, without an LLM.

* "And gabapentin?" after "How far apart should I take doxycycline and magnesium?" swaps the
  entity and keeps the topic: "How far apart should I take gabapentin and magnesium?".
* "What if my creatinine clearance is 25?" after a question about magnesium with clonazepam
  carries the earlier topic terms: "What if my creatinine clearance is 25? (about magnesium
  glycinate, clonazepam)".
* A message that names its own topic is left as it is.
"""

from __future__ import annotations

import re

from assistant.answering.vocabulary import CorpusVocabulary
from assistant.core.models import Turn
from assistant.text.words import content_words, stem

#: How a follow-up marks the topic terms it carries over: "What if …? (about magnesium, …)".
CARRIED_OPEN = " (about "
#: A message without a cue word or pronoun reads as a follow-up only when it is this short.
MAX_BARE_FOLLOW_UP_WORDS = 6
_SWAP = re.compile(r"^\s*(?:and|or|but|also|so)?\s*(?:what|how)\s+about\s+(?P<x>.+?)\s*\??\s*$"
                   r"|^\s*(?:and|or)\s+(?:for\s+|with\s+)?(?P<y>[^?]{1,40}?)\s*\??\s*$", re.I)
_FOLLOW = re.compile(r"^\s*(and|but|also|so|then|ok(ay)?|what if|and if|what about|how about|"
                     r"is (it|that|this)|does (it|that|this)|can (it|that|this)|"
                     r"should i still|same for|why|how come)\b", re.I)
_PRONOUN = re.compile(r"\b(it|its|that|this|those|these|they|them|the same|both)\b", re.I)


class Condenser:
    """Rule-based follow-up rewriting. ``core``: stems of the corpus's core subjects
    (``answering.subjects.core_subjects``): a message naming one is about its own topic."""

    def __init__(self, vocab: CorpusVocabulary, core: frozenset[str]) -> None:
        self.vocab = vocab
        self.core = core

    def _is_core(self, word: str) -> bool:
        return stem(word) in self.core

    def condense(self, message: str, history: list[Turn]) -> str:
        question = _squash(self.vocab.repair(message))
        previous = next((t.standalone_question for t in reversed(history) if not t.refused), None)
        if not previous or not self._is_follow_up(question):
            return question
        swapped = self._swap(question, previous)
        if swapped:
            return swapped
        topic = [t for t in self._topic(previous) if t not in question.lower()]
        return f"{question}{CARRIED_OPEN}{', '.join(topic)})" if topic else question

    def _is_follow_up(self, question: str) -> bool:
        words = content_words(question)
        names_core = any(self._is_core(w) for w in words)
        if names_core and not _FOLLOW.match(question):
            return False
        short = len(words) <= MAX_BARE_FOLLOW_UP_WORDS
        return bool(_FOLLOW.match(question) or _PRONOUN.search(question)
                    or (not names_core and short))

    def _swap(self, question: str, previous: str) -> str | None:
        m = _SWAP.match(question)
        if not m:
            return None
        new = (m.group("x") or m.group("y") or "").strip(" ?.!")
        if not new or len(new.split()) > 5:
            return None
        old = [e for e in self.vocab.entities(previous) if not self._is_core(e)]
        if not old:
            return f"{previous.rstrip(' ?.')} and {new}?"
        pattern = re.compile(rf"\b{re.escape(old[-1])}\b", re.I)
        return pattern.sub(new, previous, count=1)

    def _topic(self, previous: str) -> list[str]:
        text = split_carried(previous)[0]
        topic = list(self.vocab.entities(text))
        carried = re.search(r"\(about ([^)]*)\)", previous)
        if carried:
            topic += [t.strip() for t in carried.group(1).split(",") if t.strip() not in topic]
        core = [t for t in topic if self._is_core(t)]
        return (core + [t for t in topic if not self._is_core(t)])[:8]


def split_carried(standalone: str) -> tuple[str, str]:
    """(the user's own words, the topic terms carried over from earlier turns)."""
    own, _, carried = standalone.partition(CARRIED_OPEN)
    return own, carried.rstrip(")")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
