"""Clipped forms of corpus words: "fibro" for "fibromyalgia", "gly" for "glycinate", "trazo" for
"trazodone", and pet names made of one ("klonnie" for "klonopin"). A form of ``CLIPPED_MIN``
letters or more that starts a corpus word is that word's clip; a shorter one, or one that is to
be written out for the reader and the search ("gly (glycinate)"), must be no English word and
stand for exactly one word (``completion``)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

from assistant.text.words import clips, stem, zipf

#: A clipped form this short or longer may stand for a word ("gly") ...
CLIPPED_MIN_SHORT = 3
#: ... when it is no English word (rarer than this on the Zipf scale).
SHORT_CLIP_ZIPF = 2.4


class ClippedForms:
    """The corpus's words (sorted) and its headline words, as the clipped-form lookups read
    them."""

    def __init__(self, corpus_words: Iterable[str], headline_words: Iterable[str],
                 named_zipf: float) -> None:
        self._words = sorted(corpus_words)
        self._headline = sorted(headline_words)
        self._named_zipf = named_zipf

    def is_clip(self, word: str) -> bool:
        """A clipped form of a longer corpus word: ``CLIPPED_MIN`` letters or more ("fibro"),
        or a shorter one that stands for one word (``completion``: "gly")."""
        if not word.isalpha():
            return False
        i = bisect.bisect_right(self._words, word)  # the first corpus word after it
        return i < len(self._words) and (clips(word, self._words[i])
                                         or self.completion(word) is not None)

    def completion(self, word: str) -> str | None:
        """The word a clipped form that is no English word stands for: the one word of the
        documents' headlines that starts with it ("gly" -> "glycinate"), else the one corpus
        word naming a thing that does ("trazo" -> "trazodone", "doxy" -> "doxycycline"), read
        so even when a medicine the corpus never names starts with it too (doxylamine): the
        reply writes the reading out ("doxy (doxycycline)"), so a reader who meant the other
        one sees it. Inflections count as one word. The caller checks that the corpus does not
        use ``word`` itself."""
        if len(word) < CLIPPED_MIN_SHORT or not word.isalpha() or zipf(word) >= SHORT_CLIP_ZIPF:
            return None
        found = self._completing(word)
        if found is None and (base := _pet_base(word)) is not None:
            found = self._completing(base)  # "klonnie": the clipped form it is made of
        return found

    def _completing(self, word: str) -> str | None:
        headline = _starting(self._headline, word)
        if headline:
            return headline[0] if len({stem(w) for w in headline}) == 1 else None
        starting = [w for w in _starting(self._words, word) if zipf(w) < self._named_zipf]
        if not starting or len({stem(w) for w in starting}) > 1:
            return None
        return starting[0]


#: A pet name's ending ("klonnie", "benzies"): the clip before it, its last letter doubled or not.
_PET_ENDING = re.compile(r"(?:ies|ie|ys|y)$")


def _pet_base(word: str) -> str | None:
    """The clipped form a pet name is made of ("klonnie" -> "klon"), or None."""
    ending = _PET_ENDING.search(word)
    if ending is None:
        return None
    base = word[:ending.start()]
    if len(base) > 1 and base[-1] == base[-2]:
        base = base[:-1]
    return base if len(base) >= CLIPPED_MIN_SHORT else None


def _starting(sorted_words: Sequence[str], prefix: str) -> list[str]:
    """The words of a sorted list that start with ``prefix`` and are longer than it."""
    i = bisect.bisect_right(sorted_words, prefix)
    out = []
    while i < len(sorted_words) and sorted_words[i].startswith(prefix):
        out.append(sorted_words[i])
        i += 1
    return out
