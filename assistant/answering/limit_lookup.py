"""The upper limit of a dose the user gives. "I take 400mg mag glycinate, and my dreams …" asks
nothing about limits, so its own search seldom finds the sentence stating one; a careful reader
still says when the dose is past it (``compose.limits.yours_over_limit``). When the question
gives a dose of a core subject, the best passage stating that subject's upper limit (policy
``limit`` kind evidence, one amount in the sentence) is searched for and added after the hits,
unless one is there."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from assistant.answering.compose.doses import Subject, doses, taken_doses
from assistant.core.models import LOOKED_UP, Hit, unseen
from assistant.text.sentences import split_sentences
from assistant.text.words import words


class LimitLookup:
    def __init__(self, query: str, evidence: Sequence[str], subject: Subject,
                 search: Callable[[str], list[Hit]]) -> None:
        #: What is searched after the substance's name ("tolerable upper intake level").
        self._query = query
        self._evidence = [re.compile(p, re.I) for p in evidence]
        self._subject = subject  # the core subject a word names, or None
        self._search = search

    def query(self, question: str) -> str | None:
        """The substances (core subjects) the question gives a dose of, with the limit words;
        None when it gives none."""
        return self._searched(self._dosed(question))

    def _dosed(self, question: str) -> list[str]:
        return list(dict.fromkeys(of for _, of in taken_doses(question, self._subject)
                                  if of is not None))

    def _searched(self, dosed: list[str]) -> str | None:
        return f"{' '.join(dosed)} {self._query}" if dosed and self._query else None

    def add(self, question: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and, for a dose given, the best passage stating a limit of it when none of
        the hits states one."""
        dosed = self._dosed(question)
        query, wanted = self._searched(dosed), set(dosed)
        if query is None or any(self._limit_span(h, wanted) for h in hits):
            return hits
        for hit in unseen(self._search(query), hits):
            span = self._limit_span(hit, wanted)
            if span is not None:
                # only that sentence, shown only as the limit line (``compose.limits``): the
                # passage's others were not searched for this question
                chunk, (a, b) = hit.chunk, span
                part = chunk.model_copy(update={
                    "id": f"{chunk.id}:{a}-{b}", "text": chunk.text[a:b],
                    "start": chunk.start + a, "end": chunk.start + b, "kind": LOOKED_UP,
                    "flagged": [f for f in chunk.flagged
                                if f[0] < chunk.start + b and f[1] > chunk.start + a]})
                return [*hits, replace(hit, chunk=part, sentence=None)]
        return hits

    def _limit_span(self, hit: Hit, dosed: set[str]) -> tuple[int, int] | None:
        """The first sentence of the passage stating one upper limit of a dosed substance
        (named in it or the title; an age table's rows, each with an allowance and a limit,
        state none the composer can compare with)."""
        text = hit.chunk.text
        for a, b in split_sentences(text):
            said = text[a:b]
            if any(p.search(said) for p in self._evidence) \
                    and len({d[:2] for d in doses(said)}) == 1 \
                    and dosed & {self._subject(w) for w in words(f"{said} {hit.chunk.title}")}:
                return a, b
        return None
