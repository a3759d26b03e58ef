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


def adds(text: str, runs: Sequence[str]) -> bool:
    """Does ``text`` name each of its core-subject ``runs`` as what is added or taken ("could
    adding magnesium glycinate …")? Then a later "it" is something else."""
    return bool(runs) and all(_ADDED.search(_before(text, r)) for r in runs)


def _before(text: str, run: str) -> str:
    at = re.search(rf"\b{re.escape(run)}\b", text, re.I)
    return text[:at.start()] if at else ""


def antecedent(text: str, runs: Sequence[str]) -> str:
    """The run of ``runs`` (core-subject runs of ``text``, in order) that "it" most likely
    stands for; empty for none."""
    if len(runs) < 2:
        return runs[0] if runs else ""

    added = [r for r in runs if _ADDED.search(_before(text, r))]
    alone = [r for r in runs if not _PAIRED.search(_before(text, r))]
    return (added or alone or list(runs))[0]
