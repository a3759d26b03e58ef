"""A second source on a condition the user states. When the question says something about the
user's health ("my kidneys are not great", "CrCl 25": policy ``conditions``), the passages
retrieved for the whole question may all come from one document (the one whose title matches the
doses asked about). The best passages about the condition itself from other documents are added
after them, so the answer can show where sources differ on it (``compose.conflicts``) instead of
quoting only whichever document the rest of the question ranked first; with fewer of those, the
best new passages naming the condition from the documents already there."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.core.models import Hit, unseen

#: At most this many passages of other documents are added.
EXTRA = 2


class SecondOpinion:
    def __init__(self, conditions: Sequence[str], search: Callable[[str], list[Hit]],
                 extra: int = EXTRA,
                 evidence: Sequence[tuple[Sequence[str], Sequence[str]]] = ()) -> None:
        self._conditions = [re.compile(p, re.I) for p in conditions]
        self._search = search
        self.extra = extra
        #: (how a user states a condition, what a passage about it says): the answer policy's
        #: lasting risks whose evidence leads any answer and that are no age or weight bracket
        #: (kidneys, sleep apnea, heart block; not pregnancy, whose evidence leads only what it
        #: answers: a pregnancy table's rows on constipation displaced a threonate answer)
        self._evidence = [([re.compile(p, re.I) for p in user], [re.compile(p, re.I) for p in ev])
                          for user, ev in evidence]

    def query(self, question: str) -> str | None:
        """What is searched for the conditions the question states, else None."""
        stated = dict.fromkeys(m.group(0) for p in self._conditions
                               for m in p.finditer(question))
        return " ".join(stated) or None

    def add(self, question: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and, for a stated condition, up to ``extra`` passages about it from
        documents none of the hits come from."""
        query = self.query(question)
        if query is None or not hits or self.extra <= 0:
            return hits
        sources = {h.chunk.source for h in hits}
        found = unseen(self._search(query), hits)
        others = [h for h in found if h.chunk.source not in sources]
        # then a passage of a document already there that names the condition itself
        # ("… contraindication … is renal impairment" for "mum's on dialysis"), when the
        # question's own search found another of its passages ("Check labs annually")
        about = [p for user, ev in self._evidence if any(u.search(question) for u in user)
                 for p in ev]
        named = [h for h in found if h.chunk.source in sources
                 and any(p.search(h.chunk.text) for p in about)]
        return hits + (others + named)[:self.extra]
