"""Honest refusal: no evidence, no answer.

A question is declined when retrieval finds nothing close enough (evidence strength), or when it
names something the documents never mention (a rare word such as "warfarin" that no chunk
contains, even after spelling repair), which is the hard near-domain case: magnesium interaction
passages come back for "magnesium with warfarin", but none of them is about warfarin.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from assistant.answering.vocabulary import CorpusVocabulary
from assistant.core.models import Decision, Hit
from assistant.core.settings import Settings
from assistant.text.words import stem, stems, words, zipf

#: Words rarer than this (Zipf scale) are treated as named things: drugs, supplements, tests.
NAMED_ZIPF = 3.0

#: The one phrase every refusal starts with (used by the composer, the LLM prompt and tests).
CANNOT_ANSWER = "The documents I have don't cover"


class _Chunkish(Protocol):
    @property
    def embed_text(self) -> str: ...


class _Scored(Protocol):
    @property
    def dense(self) -> float: ...

    @property
    def chunk(self) -> _Chunkish: ...


def decide(question: str, hits: Sequence[_Scored], vocab: CorpusVocabulary,
           settings: Settings) -> Decision:
    """Answer or decline, with the reason recorded on the answer."""
    best = max((h.dense for h in hits), default=0.0)
    missing = vocab.unknown_entities(question)
    if missing:
        return Decision(True, "names something the documents never mention", missing, best)
    if not hits or best < settings.answer.min_evidence:
        return Decision(True, f"weak evidence (best similarity {best:.2f})", [], best)
    apart = _never_together(question, hits, vocab)
    if apart:
        return Decision(True, "the evidence never discusses these together", apart, best)
    return Decision(False, "", [], best)


class EvidenceRefusal:
    """``decide`` as a ``core.protocols.RefusalPolicy``: the vocabulary and settings bound."""

    def __init__(self, vocab: CorpusVocabulary, settings: Settings) -> None:
        self.vocab = vocab
        self.settings = settings

    def decide(self, question: str, hits: Sequence[Hit]) -> Decision:
        return decide(question, hits, self.vocab, self.settings)


def _never_together(question: str, hits: Sequence[_Scored], vocab: CorpusVocabulary) -> list[str]:
    """The two rarest named things of the question, when the evidence has both but never in the
    same passage (e.g. clonazepam and omeprazole): the pairing itself is not covered."""
    passages = [stems(words(h.chunk.embed_text)) for h in hits]
    named = [e for e in vocab.entities(question) if zipf(e) < NAMED_ZIPF and vocab.is_named(e)
             and any(stem(e) in p for p in passages)]
    pair = sorted(named, key=zipf)[:2]
    if len(pair) < 2 or any(all(stem(e) in p for e in pair) for p in passages):
        return []
    return pair


def refusal_text(decision: Decision, titles: Sequence[str]) -> str:
    """A plain decline that names what is missing and says what the documents do cover."""
    joiner = " together with " if decision.reason.startswith("the evidence never") else ", "
    topic = _quote_terms(decision.missing, joiner) if decision.missing else "this question"
    cover = "; ".join(titles)
    return (f"{CANNOT_ANSWER} {topic}, so I can't answer it from them. "
            f"They cover: {cover}.")


def _quote_terms(terms: Sequence[str], joiner: str = ", ") -> str:
    safe = [re.sub(r"[^a-z0-9-]", "", t.lower())[:40] for t in terms[:4]]
    return joiner.join(f"“{t}”" for t in safe if t)
