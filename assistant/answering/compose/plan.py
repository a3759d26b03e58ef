"""What an answer will say (``select.plan_answer`` makes it; ``reshow`` sets how its units read;
the composer writes it out)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answering.compose.policy import Risk
from assistant.answering.compose.scoring import Scored
from assistant.answering.compose.threshold import Threshold


@dataclass
class Plan:
    lead: Scored
    comparison: str | None = None
    #: A threshold the user's value does not reach, shown as the first point with its comparison.
    aside: Threshold | None = None
    conflict: Scored | None = None
    points: list[Scored] = field(default_factory=list)
    ask: str | None = None
    conflict_line: str = "{other}"
    notes: list[str] = field(default_factory=list)
    #: The evidence says what the question asks only of other subjects: the answer declines
    #: (``lead.uncovered_part``; ``uncovered``: the stems of the question's focus it names,
    #: none when the question names only the kind of answer it wants).
    declines: bool = False
    kind: str | None = None
    #: The stated condition the evidence discusses only for other subjects (``declines``).
    condition: Risk | None = None
    uncovered: frozenset[str] = frozenset()
