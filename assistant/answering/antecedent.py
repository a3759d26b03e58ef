"""Which of an earlier message's core subjects a follow-up's "it" stands for.

"If she does take it, how do we space it out from the gabapentin?" after "… gabapentin …, plus
clonazepam at bedtime. She now wants to add magnesium glycinate …" means the magnesium: the
subject the earlier message says is added or taken, over one it names as what that goes with
("plus clonazepam", "for sleep with klonopin"), over the first one named.

The words come from the answer policy (``adding``, ``taken``, ``paired``, ``dismissals``),
which writes them from the named lists of ``policies/words.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.answering.compose.policy import AnswerPolicy

#: Up to two words between a marker word and the subject it marks ("add a little magnesium").
_NEAR = r"\s+(\S+\s+){0,2}$"


@dataclass(frozen=True)
class ReferenceWords:
    """What the condenser reads around a core subject: ``added`` (it is what is added or taken,
    within two words), ``paired`` (it is what the thing asked about goes with, within two
    words), ``right_before`` (a pronoun paired with another thing: "the magnesium i take with
    it") and ``set_aside`` (phrases that put a topic aside, "besides the runs")."""

    added: tuple[re.Pattern[str], ...] = ()
    paired: tuple[re.Pattern[str], ...] = ()
    right_before: tuple[re.Pattern[str], ...] = ()
    set_aside: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_policy(cls, policy: AnswerPolicy) -> ReferenceWords:
        # "and" pairs a pronoun right after it ("magnesium and it") but not a subject two words on
        right = [*policy.paired, r"\band\b"]
        return cls(added=_compiled([*policy.adding, *policy.taken], _NEAR),
                   paired=_compiled(policy.paired, _NEAR),
                   right_before=_compiled(right, r"\s+$"),
                   set_aside=_compiled(policy.dismissals))

    def is_added(self, before: str) -> bool:
        return any(p.search(before) for p in self.added)

    def is_paired(self, before: str) -> bool:
        return any(p.search(before) for p in self.paired)

    def pairs_next(self, before: str) -> bool:
        """Does ``before`` end on a word that pairs what follows with another thing?"""
        return any(p.search(before) for p in self.right_before)


def _compiled(patterns: Sequence[str], tail: str = "") -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(f"(?:{p}){tail}", re.I) for p in patterns)


def adds(text: str, runs: Sequence[str], words: ReferenceWords) -> bool:
    """Does ``text`` name each of its core-subject ``runs`` as what is added or taken ("could
    adding magnesium glycinate …")? Then a later "it" is something else."""
    return bool(runs) and all(words.is_added(_before(text, r)) for r in runs)


def _before(text: str, run: str) -> str:
    at = re.search(rf"\b{re.escape(run)}\b", text, re.I)
    return text[:at.start()] if at else ""


def antecedent(text: str, runs: Sequence[str], words: ReferenceWords) -> str:
    """The run of ``runs`` (core-subject runs of ``text``, in order) that "it" most likely
    stands for; empty for none."""
    if len(runs) < 2:
        return runs[0] if runs else ""

    added = [r for r in runs if words.is_added(_before(text, r))]
    alone = [r for r in runs if not words.is_paired(_before(text, r))]
    return (added or alone or list(runs))[0]
