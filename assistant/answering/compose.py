"""The extractive answer composer: the offline default generator.

It picks the sentences, bullets and table rows of the retrieved chunks that answer the question
(similarity to the question plus term and number overlap), drops near-duplicates across sources
and writes a short answer: the direct answer first, then the supporting points. Every sentence is
shown without the source's own markup and reference markers, and carries an inline marker whose
citation quotes the exact file text with its offsets. Spans marked instruction-like at indexing
are never quoted; sentences of less trusted documents (manifest ``kind``) rank lower.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answering.condense import split_carried
from assistant.core.lru import LRUCache
from assistant.core.models import Chunk, Citation, Draft
from assistant.core.protocols import Embedder
from assistant.core.settings import Settings
from assistant.indexing.untrusted import overlaps
from assistant.text.normalize import display_text
from assistant.text.sentences import split_sentences
from assistant.text.tables import is_table_rule
from assistant.text.words import content_words, stem, zipf

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
MIN_UNIT_CHARS = 25
#: Weight of a follow-up's carried-over topic terms against the user's own words.
CARRIED_WEIGHT = 0.5
#: Bound of the unit-vector cache (keyed by corpus spans; a few thousand units per corpus).
VECTOR_CACHE_SIZE = 8192
#: How much a fully untrusted document's sentence loses against a fully trusted one's.
TRUST_WEIGHT = 0.1


@dataclass(frozen=True)
class Unit:
    """A quotable span (sentence, bullet or table row) of a retrieved chunk."""

    chunk: Chunk
    rank: int
    start: int
    end: int
    quote: str
    display: str


@dataclass(frozen=True)
class Scored:
    unit: Unit
    score: float
    vector: np.ndarray


class ExtractiveComposer:
    """Satisfies ``assistant.core.protocols.Generator``."""

    name = "extractive"

    def __init__(self, embedder: Embedder, settings: Settings,
                 cache_size: int = VECTOR_CACHE_SIZE) -> None:
        self.embedder = embedder
        self.settings = settings
        self._vectors: LRUCache[tuple[str, int, int], np.ndarray] = LRUCache(cache_size)

    def generate(self, question: str, chunks: Sequence[Chunk]) -> Draft:
        chosen = self.select(question, chunks)
        if not chosen:
            return Draft(text="", refused=True, notes=["no answering sentence in the evidence"])
        return _write(chosen)

    def stream(self, question: str, chunks: Sequence[Chunk]) -> Iterator[str | Draft]:
        draft = self.generate(question, chunks)
        yield from draft.text.splitlines(keepends=True)
        yield draft

    def select(self, question: str, chunks: Sequence[Chunk]) -> list[Scored]:
        """The answering units, best first, near-duplicates removed."""
        units = [u for rank, chunk in enumerate(chunks) for u in _units(chunk, rank)]
        if not units:
            return []
        scored = self._score(question, units)
        return _pick(scored, self.settings.answer.max_sentences)

    def _embed_units(self, units: list[Unit]) -> np.ndarray:
        """Unit vectors, embedding only spans not seen lately (the corpus is fixed per index)."""
        found = [self._vectors.get(_key(u)) for u in units]
        missing = [i for i, vec in enumerate(found) if vec is None]
        if missing:
            fresh = self.embedder.embed([units[i].display for i in missing])
            for i, vec in zip(missing, fresh, strict=True):
                array = np.asarray(vec, dtype=np.float32)
                self._vectors.put(_key(units[i]), array)
                found[i] = array
        return np.stack([vec for vec in found if vec is not None])

    def _score(self, question: str, units: list[Unit]) -> list[Scored]:
        query = np.asarray(self.embedder.embed([question])[0], dtype=np.float32)
        vectors = self._embed_units(units)
        sims = vectors @ query
        q_terms = _weighted_terms(question)
        q_numbers = set(_NUMBER.findall(question))
        out = []
        for unit, sim, vec in zip(units, sims, vectors, strict=True):
            coverage = _coverage(q_terms, unit.display)
            numbers = 1.0 if q_numbers & set(_NUMBER.findall(unit.display)) else 0.0
            prior = 0.05 / (1 + unit.rank)
            distrust = TRUST_WEIGHT * (1.0 - unit.chunk.trust)
            score = 0.55 * float(sim) + 0.35 * coverage + 0.05 * numbers + prior - distrust
            out.append(Scored(unit=unit, score=score, vector=vec))
        return sorted(out, key=lambda s: -s.score)


def _key(unit: Unit) -> tuple[str, int, int]:
    return (unit.chunk.source, unit.start, unit.end)


def _units(chunk: Chunk, rank: int) -> list[Unit]:
    units = []
    for start, end in split_sentences(chunk.text, chunk.start):
        if overlaps(chunk.flagged, start, end):
            continue  # instruction-like text of an untrusted document: never quoted
        quote = chunk.text[start - chunk.start:end - chunk.start]
        shown = _labelled_row(chunk, start - chunk.start, quote) or display_text(quote)
        if len(shown) < MIN_UNIT_CHARS or shown.endswith(("?", ":")) or len(shown.split()) < 5:
            continue
        if _looks_like_heading(quote, shown):
            continue
        units.append(Unit(chunk=chunk, rank=rank, start=start, end=end, quote=quote,
                          display=shown))
    return units


def _labelled_row(chunk: Chunk, offset: int, quote: str) -> str | None:
    """A pipe-table row shown as 'Header: cell; Header: cell' (its header is in the chunk text
    above it, or in the chunk's context when the table was split across chunks)."""
    if quote.count("|") < 2 or is_table_rule(quote):
        return None
    lines = (chunk.context + "\n" + chunk.text[:offset]).splitlines()
    header = next((lines[i - 1] for i in range(len(lines) - 1, 0, -1)
                   if is_table_rule(lines[i]) and "|" in lines[i - 1]), None)
    if header is None:
        return None
    names, cells = _cells(header), _cells(quote)
    if len(names) != len(cells) or not any(names):
        return None
    pairs = [f"{name}: {cell}" if name else cell for name, cell in zip(names, cells, strict=True)
             if cell]
    return "; ".join(pairs) + "." if pairs else None


def _cells(line: str) -> list[str]:
    return [display_text(cell).strip(" .") for cell in line.strip().strip("|").split("|")]


def _looks_like_heading(quote: str, shown: str) -> bool:
    """A short line without final punctuation that is not a table row (a title, a heading)."""
    is_row = "|" in quote or "\t" in quote
    return not is_row and shown[-1] not in ".!?:;)\"'”" and len(shown.split()) <= 14


def _weighted_terms(question: str) -> dict[str, float]:
    """Question terms by stem: rare words count double, and the topic terms a follow-up carries
    over from earlier turns count half of the user's own words."""
    own, carried = split_carried(question)
    terms = {stem(w): CARRIED_WEIGHT * _rarity(w) for w in content_words(carried)}
    terms.update({stem(w): _rarity(w) for w in content_words(own)})
    return terms


def _rarity(word: str) -> float:
    return 2.0 if zipf(word) < 4.0 else 1.0


def _coverage(terms: dict[str, float], text: str) -> float:
    if not terms:
        return 0.0
    present = {stem(w) for w in content_words(text)}
    return sum(weight for term, weight in terms.items() if term in present) / sum(terms.values())


def _pick(scored: list[Scored], limit: int) -> list[Scored]:
    top = scored[0].score
    chosen: list[Scored] = []
    for cand in scored:
        if len(chosen) >= limit or cand.score < 0.6 * top:
            break
        if any(_duplicate(cand, c) for c in chosen):
            continue
        chosen.append(cand)
    return chosen


def _duplicate(a: Scored, b: Scored) -> bool:
    if a.unit.chunk.source == b.unit.chunk.source and a.unit.start < b.unit.end \
            and b.unit.start < a.unit.end:
        return True
    if float(a.vector @ b.vector) > 0.9:
        return True
    wa, wb = set(content_words(a.unit.display)), set(content_words(b.unit.display))
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) > 0.6


def _write(chosen: list[Scored]) -> Draft:
    citations: list[Citation] = []
    lines = []
    for item in chosen:
        marker = _cite(citations, item.unit)
        lines.append(_with_marker(item.unit.display, marker))
    text = lines[0]
    if len(lines) > 1:
        text += "\n\n" + "\n".join(f"- {x}" for x in lines[1:])
    return Draft(text=text, citations=citations)


def _cite(citations: list[Citation], unit: Unit) -> str:
    for c in citations:
        if (c.source, c.start, c.end) == (unit.chunk.source, unit.start, unit.end):
            return c.id
    cid = str(len(citations) + 1)
    citations.append(Citation(id=cid, source=unit.chunk.source, title=unit.chunk.title,
                              section=" > ".join(unit.chunk.section), quote=unit.quote,
                              start=unit.start, end=unit.end))
    return cid


def _with_marker(sentence: str, marker: str) -> str:
    """'Text.' -> 'Text [1].'; text without final punctuation gets the marker appended."""
    sentence = sentence.rstrip()
    if sentence and sentence[-1] in ".!":
        return f"{sentence[:-1]} [{marker}]{sentence[-1]}"
    return f"{sentence} [{marker}]"
