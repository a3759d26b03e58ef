"""Evidence of the kind asked, or on the condition stated, about the question's topic.

"My doctor says magnesium is useless for my night cramps. So what else is there??" is searched
as a whole and finds the passages saying magnesium does not help; the one naming what to try
instead ("alternative treatments such as … should be considered") sits in another section.
"14 weeks pregnant … I'd been taking Magtein, the threonate one … keep going with it?" finds the
product's praise; the pregnancy table's threonate row ("Unknown—avoid … Avoid until
postpartum") is never retrieved. When the question asks a kind with a policy ``query``
(``KindLookup``), or states a condition with one (``RiskLookup``), and no hit has a sentence
of that kind, or on that condition, naming one of the question's topic words, the topic words
are searched with the query, and the first new passage with such a sentence is added after the
hits.

No corpus fact: the kinds, the conditions and their queries are policy data."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answering.compose.policy import matches
from assistant.answering.compose.profile import StandaloneReader
from assistant.core.models import Hit, unseen
from assistant.text.sentences import split_sentences
from assistant.text.words import EVERYDAY_ZIPF, stem, term_words, word_stems, zipf

#: How many topic words (the rarest) go into the search, and how many of its hits are read.
TOPIC_WORDS = 4
LOOK_THROUGH = 5


class KindLookup:
    """Evidence of the kind the question asks (policy ``Kind.query``)."""

    def __init__(self, read: StandaloneReader, search: Callable[[str], list[Hit]]) -> None:
        self._read = read
        self._policy = read.policy
        self._core = read.core
        self._search = search

    def _wanted(self, question: str) -> tuple[list[str], str] | None:
        """(what a sentence of the wanted evidence matches, the query searched), or None."""
        kind = self._policy.kind_named(self._read(question).kind)
        return (kind.evidence, kind.query) if kind is not None and kind.query else None

    def query(self, question: str) -> str | None:
        """The question's topic words with the query; None when nothing is wanted (or the
        question names no topic word)."""
        wanted, topic = self._wanted(question), self._topic(question)
        return _searched(wanted[1], topic) if wanted and topic else None

    def _topic(self, question: str) -> list[str]:
        found = dict.fromkeys(w.lower() for w in term_words(question)
                              if w.isalpha() and len(w) > 2 and stem(w) not in self._core
                              and zipf(w) < EVERYDAY_ZIPF)
        return sorted(found, key=zipf)[:TOPIC_WORDS]

    def add(self, question: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and, when none says the wanted evidence of the topic, the first passage
        that does."""
        wanted = self._wanted(question)
        topic = self._topic(question)
        if wanted is None or not topic:
            return hits
        evidence, query = wanted
        stems = {stem(w) for w in topic}
        if any(_says(evidence, h, stems) for h in hits):
            return hits
        found = next((h for h in unseen(self._search(_searched(query, topic))[:LOOK_THROUGH],
                                        hits) if _says(evidence, h, stems)), None)
        return hits if found is None else [*hits, found]


class RiskLookup(KindLookup):
    """Evidence on a lasting condition the user states of themselves, about the thing they ask
    of (policy ``Risk.query``): the first such condition that has a query."""

    def _wanted(self, question: str) -> tuple[list[str], str] | None:
        profile = self._read(question)
        risk = next((r for r in profile.personal if r.lasting and r.query), None)
        return (risk.evidence, risk.query) if risk is not None else None


def _searched(query: str, topic: list[str]) -> str:
    return f"{' '.join(topic)} {query}"


def _says(evidence: list[str], hit: Hit, topic: set[str]) -> bool:
    """Has the passage a sentence (or row) matching ``evidence`` that names a topic word?"""
    text = hit.chunk.text
    return any(matches(evidence, said) and topic & word_stems(said)
               for a, b in split_sentences(text) for said in [text[a:b]])
