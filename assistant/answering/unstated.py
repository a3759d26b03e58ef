"""A covered subject, an attribute the evidence never states of it.

"How many days will Klonopin show up on a urine drug test?": the documents discuss clonazepam,
and they use the word "urine" (magnesium is lost in the urine), but no retrieved passage says
anything about clonazepam and urine, so an answer would be quotes about something else.
``unstated_attribute`` finds such a word: in the question's last clause, after the core subject
it asks about ("klonopin"), a term rarer than everyday English but not a named thing (those are
``refusal._never_together``'s), known to the corpus, that retrieved passages use, none of them
about that subject (by any of its names or its class, in the passage, its headings or its
document's title).

The search ranks passages with both words first (BM25 and the dense score reward both), so a
passage that does state it is retrieved when the corpus has one. Tried on the tuning sets and
dropped: sentence-level co-occurrence, any word of the asking part, and words no retrieved
passage uses: each declined answerable questions ("at bedtime", "that combo", "protracted",
"in the skeleton"). So it fires only when retrieval brings a passage that uses the word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from assistant.answering.condense import split_carried
from assistant.answering.vocabulary import NAMED_ZIPF, CorpusVocabulary
from assistant.text.sentences import asking_part
from assistant.text.words import WORD, clips, fold, stem, stopwords, word_stems, zipf


class _Chunkish(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def section(self) -> list[str]: ...

    @property
    def context(self) -> str: ...

    @property
    def title(self) -> str: ...


class _Scored(Protocol):
    @property
    def chunk(self) -> _Chunkish: ...


@dataclass(frozen=True)
class SubjectNames:
    """How the documents name their core subjects: ``names`` maps a core stem to the one stem
    its names share ("klonopin" -> "clonazepam"), ``classes`` a class stem to its core members
    ("benzodiazepin" -> {"clonazepam"}) (``answering.subjects``)."""

    names: Mapping[str, str] = field(default_factory=dict)
    classes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def group(self, subject: str, core: frozenset[str]) -> frozenset[str]:
        """The stems a sentence may name ``subject`` (a core stem) by: its other names and
        the classes it belongs to ("klonopin", "benzodiazepines" for clonazepam)."""
        root = self.names.get(subject, subject)
        group = {c for c in core if self.names.get(c, c) == root} | {subject}
        group |= {cls for cls, members in self.classes.items() if members & group}
        return frozenset(group)


def _passages(hits: Sequence[_Scored]) -> list[frozenset[str]]:
    """Each retrieved passage's stems with its document title and headings: a passage under
    "Magnesium and Benzo Withdrawal" is about benzodiazepines whatever its sentences say."""
    return [word_stems(" ".join([h.chunk.title, *h.chunk.section, h.chunk.context,
                                 h.chunk.text])) for h in hits]


def _names(passage: frozenset[str], group: frozenset[str]) -> bool:
    """Does a passage with these stems name the subject: a stem of the group or a clipped form
    of one ("Benzo Withdrawal")?"""
    return bool(passage & group) or any(clips(w, g) for w in passage for g in group)


def unstated_attribute(question: str, hits: Sequence[_Scored], vocab: CorpusVocabulary,
                       core: frozenset[str], naming: SubjectNames) -> tuple[str, str]:
    """(the core subject as written, the attribute word) when the question's last clause asks
    about a word the retrieved passages use only apart from the core subject it names; ("", "")
    otherwise. Off, like ``refusal.uncovered_focus``, when the policy's ``focus_max_zipf`` is
    0; a term is rarer than its ``rare_zipf``."""
    terms = vocab.terms
    if not core or terms is None or not terms.focus_max_zipf or not hits:
        return "", ""
    asked = fold(asking_part(split_carried(vocab.strip_noise(question))[0])).lower()
    clause = re.split(r"[.!?:;,]\s+", asked.strip())[-1]
    tokens = WORD.findall(clause)
    last = max((i for i, t in enumerate(tokens) if stem(t) in core), default=-1)
    if last < 0:
        return "", ""
    first = last
    while first > 0 and stem(tokens[first - 1]) in core:
        first -= 1
    named = tokens[first:last + 1]  # "magnesium glycinate": any of its names will do
    tokens = tokens[last + 1:]
    group = frozenset().union(*(naming.group(stem(t), core) for t in named))
    passages = _passages(hits)
    stop = stopwords()
    candidates = sorted((w for w in dict.fromkeys(tokens)
                         if w not in stop and stem(w) not in core and len(w) > 3
                         and w.isalpha() and NAMED_ZIPF <= zipf(w) < terms.rare_zipf
                         and vocab.known(w)), key=zipf)
    for word in candidates:
        s = stem(word)
        used = [p for p in passages if s in p]
        if used and not any(_names(p, group) for p in used):
            return " ".join(named), word
    return "", ""
