"""Query words the corpus itself defines: aliases and spelling, derived from the indexed text.

* **Aliases** are read from how the documents write them: a rare name followed by another in
  parentheses ("Clonazepam (Klonopin, …)", "Ambien (zolpidem)", "Furosemide (Lasix)") pairs
  the two names both ways; an abbreviation defined in parentheses whose capitals are the
  initials of the words before it ("Restless Leg Syndrome (RLS)", "Magnesium Oxide (MgO)")
  pairs the abbreviation with that phrase, as does an acronym of capitals whose first is the
  initial of the second-last word and which holds the last word's initial later ("protracted
  withdrawal (PAWS)", "gamma-aminobutyric acid (GABA)"). No hand lists: a new document brings
  its own names. A saved expander of another ``DERIVATION`` is derived again.
* **Spelling**: a query word that is no English word (word rarity below ``MAX_TYPO_ZIPF``) and
  no corpus word is matched to the closest corpus word ("clonazapam" -> "clonazepam",
  "withdrawl" -> "withdrawal"), if one is close enough.

Tried and dropped on the tuning half: completing shorthand to the corpus's most frequent word
with that prefix ("mag" -> "magnesium") lowered hit@1 and MRR there (bench_retrieval.py).

``QueryExpander.expand(query)`` returns the query plus the words it implies, for BM25 and the
query embedding; the original words stay, so an expansion can only add evidence.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.indexing.ingest import opening_lines
from assistant.text.words import stem, stopwords, words, zipf

log = logging.getLogger(__name__)
#: The file a version's derived query expander is saved in (``answering.derived``).
EXPANDER_FILE = "expander.json"
#: Bumped when the derivation changes: a saved expander of another version is derived again.
DERIVATION = 2
# "<up to five words> (<name or abbreviation>" followed by ",", ")" or a space.
_PAIR = re.compile(r"([A-Za-z][\w'-]*(?:[ \t]+[A-Za-z][\w'-]*){0,5})[ \t]*\([ \t]*"
                   r"([A-Za-z][\w-]*)(?=[,)\s])")
MAX_NAME_ZIPF = 3.0  # both names of a pair are rarer than this: drug and brand names, not prose
RARE_NAME_ZIPF = 2.5  # ... and one of them rarer than this ("Ambien (zolpidem)")
MAX_TYPO_ZIPF = 2.0  # a query word rarer than this that the corpus lacks may be a misspelling
MIN_TYPO_LEN = 5
TYPO_CUTOFF = 0.8  # difflib similarity a correction needs


def _initials(phrase_words: list[str]) -> str:
    return "".join(part[0] for w in phrase_words for part in w.split("-") if part)


def _abbreviation(outer: str, inner: str) -> tuple[str, str] | None:
    """(abbreviation, phrase) when ``inner`` abbreviates the last words of ``outer``."""
    caps = [ch for ch in inner if ch.isupper()]
    if len(caps) < 2 or len(inner) > 6 or not inner.isalpha():
        return None
    letters = "".join(caps).lower()
    outer_words = words(outer)
    for n in range(1, len(outer_words) + 1):
        tail = outer_words[-n:]
        if _initials(tail) == letters:
            return inner.lower(), " ".join(tail)
    # an acronym with letters of its own ("protracted withdrawal (PAWS)"): the initials of the
    # last two words, in order, among its capitals, the first of them its first
    if len(outer_words) >= 2 and inner.isupper():
        tail = outer_words[-2:]
        rest = iter(letters[1:])
        first, second = tail[0][0], tail[1][0]
        if first == letters[0] and second in rest:
            return inner.lower(), " ".join(tail)
    return None


def _name_pair(outer: str, inner: str) -> tuple[str, str] | None:
    """(name, name) when both are rare single words: "omeprazole (prilosec)"."""
    outer_words = words(outer)
    if not outer_words or len(inner) < 4 or not inner.isalpha():
        return None
    a, b = outer_words[-1], inner.lower()
    if a == b or stem(a) == stem(b) or "-" in b:
        return None
    rarity = sorted((zipf(a), zipf(b)))
    if rarity[1] < MAX_NAME_ZIPF and rarity[0] < RARE_NAME_ZIPF:
        return a, b
    return None


def derive_aliases(texts: Iterable[str]) -> dict[str, set[str]]:
    """word or abbreviation -> what the corpus says it also is (both directions)."""
    aliases: dict[str, set[str]] = {}
    for text in texts:
        for match in _PAIR.finditer(text):
            outer, inner = match.group(1), match.group(2)
            pair = _abbreviation(outer, inner) or _name_pair(outer, inner)
            if pair is None:
                continue
            left, right = pair
            aliases.setdefault(left, set()).add(right)
            aliases.setdefault(right, set()).add(left)  # a phrase key matches as a phrase
    return aliases


@dataclass
class QueryExpander:
    """Expands queries with corpus aliases and corrected spellings (see module doc)."""

    aliases: dict[str, set[str]]
    counts: Counter[str]
    _candidates: list[str] = field(default_factory=list, init=False)
    _stems: set[str] = field(default_factory=set, init=False)
    _by_first: dict[str, list[tuple[int, str]]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        # Alias keys by their first word, each with its place in ``aliases``: a query looks up
        # its own words, not every key (tens of thousands on a large corpus).
        for position, key in enumerate(self.aliases):
            self._by_first.setdefault(key.split(" ", 1)[0], []).append((position, key))
        self._stems = {stem(w) for w in self.counts}
        self._candidates = sorted(w for w in self.counts
                                  if len(w) >= MIN_TYPO_LEN - 1 and w.isalpha())

    @classmethod
    def from_chunks(cls, chunks: Iterable[Any], corpus_dir: Path) -> QueryExpander:
        """From every chunk's text and each document's opening line, which is in no chunk
        ("… 0.5mg of Clonazepam (Klonopin, a benzodiazepine)?")."""
        chunks = list(chunks)
        return cls.from_texts([c.text for c in chunks]
                              + opening_lines(corpus_dir, (c.source for c in chunks)))

    @classmethod
    def from_texts(cls, texts: list[str]) -> QueryExpander:
        return cls(derive_aliases(texts), Counter(w for t in texts for w in words(t)))

    def save(self, directory: Path) -> None:
        """Write what was derived from the texts to ``directory``/``expander.json``."""
        data = {"derivation": DERIVATION,
                "aliases": {k: sorted(v) for k, v in sorted(self.aliases.items())},
                "counts": dict(sorted(self.counts.items()))}
        (directory / EXPANDER_FILE).write_text(json.dumps(data), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> QueryExpander | None:
        """The expander saved in ``directory``, or None when absent or unreadable."""
        path = directory / EXPANDER_FILE
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("derivation") != DERIVATION:
                log.info("saved query expander %s is of another derivation: deriving it", path)
                return None
            return cls({str(k): {str(v) for v in vs} for k, vs in data["aliases"].items()},
                       Counter({str(w): int(n) for w, n in data["counts"].items()}))
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            log.warning("saved query expander %s unreadable (%s): deriving it", path, err)
            return None

    @property
    def vocabulary(self) -> set[str]:
        return set(self.counts)

    def correct(self, word: str) -> str | None:
        """The corpus word a misspelled query word stands for, if any."""
        if (word in self.counts or len(word) < MIN_TYPO_LEN or not word.isalpha()
                or word in stopwords() or stem(word) in self._stems
                or zipf(word) >= MAX_TYPO_ZIPF):
            return None
        close = difflib.get_close_matches(word, self._candidates, n=1, cutoff=TYPO_CUTOFF)
        return close[0] if close else None

    def added_terms(self, query: str) -> list[str]:
        """Corrected spellings and aliases the query implies, in order, without repeats."""
        tokens = words(query)
        fixed = [c for c in (self.correct(t) for t in tokens) if c]
        seen = set(tokens)
        added: list[str] = []

        def add(term: str) -> None:
            if term not in seen:
                seen.add(term)
                added.append(term)

        for term in fixed:
            add(term)
        present = tokens + fixed
        text = " " + " ".join(present) + " "
        keys = {entry for word in set(present) for entry in self._by_first.get(word, ())}
        for _, key in sorted(keys):  # in the aliases' order, as a scan of all of them
            if " " not in key or f" {key} " in text:
                for value in sorted(self.aliases[key]):
                    add(value)
        return added

    def expand(self, query: str) -> str:
        """The query followed by the terms it implies (unchanged when there are none)."""
        extra = self.added_terms(query)
        return f"{query} {' '.join(extra)}" if extra else query
