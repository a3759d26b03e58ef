"""Which of an earlier message's core subjects a follow-up's "it" stands for.

"If she does take it, how do we space it out from the gabapentin?" after "… gabapentin …, plus
clonazepam at bedtime. She now wants to add magnesium glycinate …" means the magnesium: the
subject the earlier message says is added or taken, over one it names as what that goes with
("plus clonazepam", "for sleep with klonopin"), over the first one named.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Words within two before a subject that say it is what is added or taken.
_ADDED = re.compile(r"\b(add|adding|added|adds|start|starting|started|try|trying|tried|"
                    r"switch(ing|ed)?\s+to|take|taking|takes|use|using)\s+(\S+\s+){0,2}$", re.I)
#: Words within two before a subject that pair it with the thing asked about.
_PAIRED = re.compile(r"\b(with|alongside|plus|besides|on top of)\s+(\S+\s+){0,2}$", re.I)


def antecedent(text: str, runs: Sequence[str]) -> str:
    """The run of ``runs`` (core-subject runs of ``text``, in order) that "it" most likely
    stands for; empty for none."""
    if len(runs) < 2:
        return runs[0] if runs else ""

    def before(run: str) -> str:
        at = re.search(rf"\b{re.escape(run)}\b", text, re.I)
        return text[:at.start()] if at else ""
    added = [r for r in runs if _ADDED.search(before(r))]
    alone = [r for r in runs if not _PAIRED.search(before(r))]
    return (added or alone or list(runs))[0]
