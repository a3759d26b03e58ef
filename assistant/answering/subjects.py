"""The corpus's core subjects, derived from its documents (never written in code).

A core subject is a rare word (a name, not everyday English) that at least two distinct
headline lines of the corpus (manifest titles and each document's first line) use, counted
after the query synonyms (so "Benzo" in one title and "benzodiazepine" in another are one
subject). An alias the texts define in parentheses joins the subject it names when it is
written as a name (capitalised) and is rare ("Clonazepam (Klonopin, …)" makes Klonopin a
subject; "Benzodiazepines (temazepam, …)" lists an example, not an alias). A message naming a
core subject is about its own topic; a follow-up carries them over. Matching is by stem.

The texts also say which class a subject belongs to ("Clonazepam (Klonopin, a benzodiazepine)"):
``subject_classes`` maps the class to its core members, so a sentence about "benzodiazepines"
is about clonazepam too when two sources' verdicts are compared.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise

from assistant.text.words import stem, words, zipf

#: Words at least this common in English are never subjects (they are not names).
MAX_SUBJECT_ZIPF = 4.0
#: How many headlines must name a word for it to be a core subject.
MIN_HEADLINES = 2
#: An alias must be rarer than this (brand and generic drug names are).
MAX_ALIAS_ZIPF = 3.0
_ALIAS = re.compile(r"\b([A-Za-z][\w-]{3,})\s*\(\s*([A-Za-z][\w-]{3,})\s*[),]")
# "Name (a class)" or "Name (Alias, …, an class)"
_CLASS = re.compile(r"\b([A-Za-z][\w-]{3,})\s*\((?:[^()]{0,60}?,\s*)?(?:a|an)\s+"
                    r"([A-Za-z][\w-]{3,})\s*\)")


def alias_pairs(texts: Iterable[str]) -> list[tuple[str, str]]:
    """Every "Name (Other" pair the texts write, once each, in order: what ``core_subjects``
    reads from the texts (saved with an index version, so start-up need not read them)."""
    return list(dict.fromkeys(pair for text in texts for pair in _ALIAS.findall(text)))


def class_pairs(texts: Iterable[str]) -> list[tuple[str, str]]:
    """Every "Name (…, a class)" pair the texts write, as (name, class), once each, in order."""
    return list(dict.fromkeys(pair for text in texts for pair in _CLASS.findall(text)))


def subject_classes(core: frozenset[str], pairs: Iterable[tuple[str, str]],
                    synonyms: Mapping[str, str] | None = None) -> dict[str, frozenset[str]]:
    """Class stem -> stems of the core subjects the texts say belong to it."""
    canonical = _canonical(synonyms)
    out: dict[str, set[str]] = {}
    for name, group in pairs:
        member, cls = canonical(name.lower()), canonical(group.lower())
        if member in core and cls != member:
            out.setdefault(cls, set()).add(member)
    return {cls: frozenset(members) for cls, members in out.items()}


def subject_forms(core: frozenset[str], headlines: Iterable[str],
                  synonyms: Mapping[str, str] | None = None) -> dict[str, frozenset[str]]:
    """Stem of a core subject -> the stems of the core subjects a headline writes right after
    it, its forms ("Magnesium Glycinate": glycinate is a form of magnesium), so a sentence about
    one bears on a question about the other."""
    canonical = _canonical(synonyms)
    out: dict[str, set[str]] = {}
    for line in headlines:
        stems = [canonical(w.lower()) for w in words(line)]
        for base, form in pairwise(stems):
            if base in core and form in core and base != form:
                out.setdefault(base, set()).add(form)
    return {base: frozenset(forms) for base, forms in out.items()}


def core_names(core: frozenset[str], pairs: Iterable[tuple[str, str]],
               synonyms: Mapping[str, str] | None = None) -> dict[str, str]:
    """Stem of a core subject -> the one stem its names share ("klonopin" and "clonazepam" ->
    "clonazepam"), for the core subjects that ``pairs`` ("Clonazepam (Klonopin") tie together;
    a subject with one name is left out."""
    canonical = _canonical(synonyms)
    group: dict[str, str] = {}

    def root(s: str) -> str:
        while group.get(s, s) != s:
            s = group[s]
        return s
    for a, b in pairs:
        if not (_is_alias(a) and _is_alias(b)):  # two names ("Clonazepam (Klonopin"), not a
            continue                              # name and its class ("… (benzodiazepine")
        left, right = root(canonical(a.lower())), root(canonical(b.lower()))
        if left in core and right in core and left != right:
            group[max(left, right)] = min(left, right)
    return {s: root(s) for s in core if root(s) != s or s in group.values()}


def core_subjects(headlines: Iterable[str], texts: Iterable[str],
                  synonyms: Mapping[str, str] | None = None,
                  pairs: Iterable[tuple[str, str]] = ()) -> frozenset[str]:
    """Stems of the core subjects of a corpus (``headlines``: titles and first lines), with the
    aliases its texts define for them (or ``pairs``, read from them by ``alias_pairs``)."""
    canonical = _canonical(synonyms)
    counts: Counter[str] = Counter()
    for line in {" ".join(words(h)) for h in headlines}:
        counts.update({canonical(w) for w in line.split() if _is_name(w)})
    core = {s for s, n in counts.items() if n >= MIN_HEADLINES}
    for a, b in [*alias_pairs(texts), *pairs]:
        for named, alias in ((a, b), (b, a)):
            if canonical(named.lower()) in core and _is_alias(alias):
                core.add(canonical(alias.lower()))
    return frozenset(core)


def _canonical(synonyms: Mapping[str, str] | None) -> Callable[[str], str]:
    """The stem a lower-case word is counted under: its query synonym's, if it has one
    ("benzo" -> "benzodiazepine")."""
    lowered = {k.lower(): v.lower() for k, v in (synonyms or {}).items()}
    return lambda word: stem(lowered.get(word, word))


def _is_alias(word: str) -> bool:
    return word[:1].isupper() and zipf(word.lower()) < MAX_ALIAS_ZIPF


def _is_name(word: str) -> bool:
    return len(word) > 3 and not word.isdigit() and zipf(word) < MAX_SUBJECT_ZIPF
