"""Other names of the medicines the documents name, so "Flexeril" finds "cyclobenzaprine".

Users write brand names ("Halcion", "Restoril", "Benadryl") that the documents never do; the
documents write the generic one ("triazolam", "temazepam", "diphenhydramine"). The public drug
dictionary of ``drug-named-entity-recognition`` (DrugBank, MeSH and Wikipedia names, offline)
links them. ``derive_drug_names`` keeps only what this corpus needs: every other name of a
medicine whose name the corpus's own words include, mapped to that corpus word. It runs when
the index is built (``answering.derived`` saves it with the version, ``DRUG_NAMES_FILE``), so
answering never loads the dictionary; a question's word the corpus lacks is then written with
the corpus's name beside it ("flexeril (cyclobenzaprine)", ``CorpusVocabulary.repair``), which
retrieval searches and the refusal check reads as a gloss.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from assistant.text.spelling import SpellingNeighbours
from assistant.text.words import zipf

log = logging.getLogger(__name__)

DRUG_NAMES_FILE = "drug_names.json"
#: Names commoner in English than this are everyday words, not names ("advance", "relief").
MAX_NAME_ZIPF = 3.5
#: Shorter names are too often abbreviations of something else.
MIN_NAME_LEN = 4
#: A word rarer than this (Zipf; no English word) this alike to another name of a corpus
#: medicine is that name misspelt (``MisspeltNames``).
MISSPELT_MAX_ZIPF = 1.0
MISSPELT_RATIO = 85


@dataclass(frozen=True)
class DrugNames:
    """What the corpus needs of the drug dictionary."""

    #: Another name of a medicine the corpus names -> the corpus's word for it.
    other: dict[str, str] = field(default_factory=dict)
    #: Every corpus word that names a medicine ("trazodone", "nexium", "esomeprazole").
    medicines: frozenset[str] = frozenset()
    #: The dictionary's names of the medicines the corpus never names ("metformin", "humira"):
    #: a word of the message that is one is a medicine, not a word of the user's story.
    elsewhere: frozenset[str] = frozenset()


class MisspeltNames:
    """A misspelt other name of a corpus medicine ("benadril", "flexiril") -> the corpus's word
    for it ("diphenhydramine"): the closest other name of the same first sound at least
    ``MISSPELT_RATIO`` alike (rapidfuzz ratio), for a word that is no English word and no
    name of a medicine the corpus never names."""

    def __init__(self, other: Mapping[str, str], elsewhere: Iterable[str] = ()) -> None:
        self._other = dict(other)
        self._elsewhere = frozenset(elsewhere)
        self._neighbours = SpellingNeighbours(self._other)

    def corpus_word(self, word: str) -> str | None:
        if len(word) < MIN_NAME_LEN + 1 or word in self._elsewhere \
                or zipf(word) >= MISSPELT_MAX_ZIPF:
            return None
        match = self._neighbours.closest(word, MISSPELT_RATIO)
        return None if match is None else self._other[match]


def derive_drug_names(vocabulary: Iterable[str]) -> DrugNames:
    """The other names of the medicines whose names the ``vocabulary`` (the corpus's words,
    lower case) includes, each mapped to the corpus's word (names the corpus itself uses are
    left out), and those corpus words. Empty (with a log line) when the dictionary cannot be
    read."""
    try:
        from drug_named_entity_recognition import drugs_finder
    except Exception as err:  # an optional aid: answering works without it
        log.warning("drug name dictionary unavailable (%s): no brand names", err)
        return DrugNames()
    corpus = frozenset(vocabulary)
    by_drug: dict[str, list[str]] = {}
    for variant, canonicals in drugs_finder.drug_variant_to_canonical.items():
        for canonical in canonicals:
            by_drug.setdefault(str(canonical).lower(), []).append(str(variant).lower())
    out: dict[str, str] = {}
    medicines: set[str] = set()
    elsewhere: set[str] = set()
    for canonical, variants in sorted(by_drug.items()):
        names = sorted({n for n in [canonical, *variants] if _is_name(n)})
        ours = [n for n in names if n in corpus]
        if not ours:
            elsewhere.update(names)
            continue
        medicines.update(ours)
        target = canonical if canonical in ours else ours[0]
        for name in names:
            if name not in corpus:
                out.setdefault(name, target)
    return DrugNames(out, frozenset(medicines), frozenset(elsewhere - corpus))


def _is_name(word: str) -> bool:
    return word.isalpha() and len(word) >= MIN_NAME_LEN and zipf(word) < MAX_NAME_ZIPF


def save_drug_names(directory: Path, names: DrugNames) -> None:
    data = {"other": dict(sorted(names.other.items())), "medicines": sorted(names.medicines),
            "elsewhere": sorted(names.elsewhere)}
    (directory / DRUG_NAMES_FILE).write_text(json.dumps(data), encoding="utf-8")


def load_drug_names(directory: Path | None) -> DrugNames:
    """The names saved with a version (empty when absent or unreadable, with a log line)."""
    path = directory / DRUG_NAMES_FILE if directory is not None else None
    if path is None or not path.is_file():
        log.info("no saved drug names for this version (`assistant index` saves them)")
        return DrugNames()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        other, medicines, elsewhere = data["other"], data["medicines"], data["elsewhere"]
        return DrugNames({str(k): str(v) for k, v in other.items()},
                         frozenset(str(m) for m in medicines),
                         frozenset(str(m) for m in elsewhere))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        log.warning("saved drug names %s unreadable (%s)", path, err)
        return DrugNames()
