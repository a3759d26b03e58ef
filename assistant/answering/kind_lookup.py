"""Evidence of the kind asked. "My doctor says magnesium is useless for my night cramps. So what
else is there??" is searched as a whole and finds the passages saying magnesium does not help;
the one naming what to try instead ("alternative treatments such as … should be considered")
sits in another section. When the question asks a kind with a policy ``query`` and no hit has
a sentence of that kind naming one of the question's topic words, the topic words are searched
with the query, and the first new passage with such a sentence is added after the hits.

No corpus fact: the kinds and their queries are policy data."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answering.compose.policy import Kind, matches
from assistant.answering.compose.profile import StandaloneReader
from assistant.core.models import Hit
from assistant.text.sentences import split_sentences
from assistant.text.words import EVERYDAY_ZIPF, stem, term_words, word_stems, zipf

#: How many topic words (the rarest) go into the search, and how many of its hits are read.
TOPIC_WORDS = 4
LOOK_THROUGH = 5


class KindLookup:
    def __init__(self, read: StandaloneReader, search: Callable[[str], list[Hit]]) -> None:
        self._read = read
        self._policy = read.policy
        self._core = read.core
        self._search = search

    def query(self, question: str) -> str | None:
        """The question's topic words with the asked kind's query; None when the kind asked
        has none (or the question names no topic word)."""
        asked = self._asked(question)
        return self._searched(asked, self._topic(question)) if asked else None

    def _asked(self, question: str) -> Kind | None:
        kind = self._policy.kind_named(self._read(question).kind)
        return kind if kind is not None and kind.query else None

    def _topic(self, question: str) -> list[str]:
        found = dict.fromkeys(w.lower() for w in term_words(question)
                              if w.isalpha() and len(w) > 2 and stem(w) not in self._core
                              and zipf(w) < EVERYDAY_ZIPF)
        return sorted(found, key=zipf)[:TOPIC_WORDS]

    @staticmethod
    def _searched(kind: Kind, topic: list[str]) -> str | None:
        return f"{' '.join(topic)} {kind.query}" if topic else None

    def add(self, question: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and, when none says the asked kind of the topic, the first passage that
        does."""
        kind = self._asked(question)
        topic = self._topic(question)
        query = self._searched(kind, topic) if kind else None
        if kind is None or query is None:
            return hits
        stems = {stem(w) for w in topic}
        if any(self._says(kind, h, stems) for h in hits):
            return hits
        seen = {h.chunk.id for h in hits}
        found = next((h for h in self._search(query)[:LOOK_THROUGH]
                      if h.chunk.id not in seen and self._says(kind, h, stems)), None)
        return hits if found is None else [*hits, found]

    @staticmethod
    def _says(kind: Kind, hit: Hit, topic: set[str]) -> bool:
        """Has the passage a sentence of the kind that names a topic word?"""
        text = hit.chunk.text
        return any(matches(kind.evidence, said) and topic & word_stems(said)
                   for a, b in split_sentences(text) for said in [text[a:b]])
