"""Near spellings of known words: the one fuzzy lookup behind spelling repair
(``answering.vocabulary``) and misspelt medicine names (``answering.drug_names``).

Candidates are grouped by how their first letter sounds, not by the letter itself, so a name
spelt with the other hard c ("klonazapam" for "clonazepam", "kalcium" for "calcium") is
still compared with it; the first letters are made alike before comparing."""

from __future__ import annotations

from collections.abc import Iterable

#: First letters that start the same sound in English spellings of drug names.
_SOUND = {"k": "c", "q": "c"}


def sound_key(word: str) -> str:
    """The group a word's near spellings are looked up in (its first letter, by sound)."""
    return _SOUND.get(word[:1], word[:1])


def _alike(word: str) -> str:
    return sound_key(word) + word[1:]


class SpellingNeighbours:
    """Words grouped by ``sound_key``; ``closest`` is the most alike (rapidfuzz ratio)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._groups: dict[str, list[str]] = {}
        for w in words:
            self._groups.setdefault(sound_key(w), []).append(w)

    def closest(self, word: str, cutoff: float) -> str | None:
        """The word of ``word``'s group most like it, at least ``cutoff`` alike; else None."""
        group = self._groups.get(sound_key(word))
        if not group:
            return None
        from rapidfuzz import fuzz, process

        match = process.extractOne(word, group, scorer=fuzz.ratio, processor=_alike,
                                   score_cutoff=cutoff)
        return None if match is None else str(match[0])
