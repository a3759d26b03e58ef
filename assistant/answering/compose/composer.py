"""The extractive answer composer: the offline default generator.

It reads what the question asks and which risks the user has stated (``profile``), scores the
sentences, bullets and table rows of the retrieved chunks (``units``, ``scoring``), plans the
answer (``select``: the lead that answers the question, a threshold comparison, a conflict line,
at most a few supporting points above a relevance floor) and writes it with inline markers whose
citations quote the exact file text with its offsets. Spans marked instruction-like at indexing
are never quoted; sentences of less trusted documents (manifest ``kind``) rank lower.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

import numpy as np

from assistant.answering.compose.doses import dose_note
from assistant.answering.compose.fit import AnswerFit
from assistant.answering.compose.limits import with_limits
from assistant.answering.compose.plan import Plan
from assistant.answering.compose.policy import AnswerPolicy, matches
from assistant.answering.compose.profile import Profile, names_thing, read_question
from assistant.answering.compose.scoring import Scored, question_focus, score_units
from assistant.answering.compose.select import plan_answer
from assistant.answering.compose.stored import StoredVectors, match_key
from assistant.answering.compose.units import Unit, chunk_units, embedded_text
from assistant.answering.topic import split_carried
from assistant.core.lru import LRUCache
from assistant.core.models import LOOKED_UP, Chunk, Citation, Draft, Turn
from assistant.core.protocols import Embedder
from assistant.core.settings import Settings
from assistant.text.sentences import asking_part, part_before, points_back, question_parts
from assistant.text.words import stem, term_words

#: Bound of the unit-vector cache (keyed by corpus spans; a few thousand units per corpus).
VECTOR_CACHE_SIZE = 8192
UNIT_CACHE_SIZE = 4096  # chunks


class ExtractiveComposer:
    """Satisfies ``assistant.core.protocols.Generator``. ``core``: stems of the corpus's core
    subjects (``answering.subjects``), which weigh less than a question's own focus terms;
    ``classes``: class stem -> the core subjects the texts put in it (``subject_classes``);
    ``names``: a core subject's stems -> the one its names share (``subjects.core_names``);
    ``forms``: a core subject's stem -> the core subjects that are forms of it
    (``subjects.subject_forms``: magnesium -> glycinate).
    ``stored``: the unit vectors computed at index time (``answering.derived``); a unit not
    among them is embedded (and kept in a bounded cache)."""

    name = "extractive"

    def __init__(self, embedder: Embedder, settings: Settings, policy: AnswerPolicy,
                 core: frozenset[str] = frozenset(),
                 cache_size: int = VECTOR_CACHE_SIZE,
                 stored: StoredVectors | None = None,
                 classes: Mapping[str, frozenset[str]] | None = None,
                 names: Mapping[str, str] | None = None,
                 forms: Mapping[str, frozenset[str]] | None = None,
                 pairing: Sequence[str] = (),
                 medicines: frozenset[str] = frozenset(),
                 fit: AnswerFit | None = None) -> None:
        self.embedder = embedder
        #: Fitted lead weights (``compose.fit``): how far a unit answers the question's wording.
        self.fit = fit
        #: The corpus's words for medicines (``answering.drug_names``).
        self.medicines = medicines
        #: Words after which a named thing is one the user takes (policy query_terms).
        self.pairing = list(pairing)
        self.stored = stored
        self.settings = settings
        self.policy = policy
        self.core = core
        self.classes = dict(classes or {})
        self.names = dict(names or {})
        self.forms = dict(forms or {})
        self._vectors: LRUCache[tuple[str, int, int, bool], np.ndarray] = LRUCache(cache_size)
        #: A chunk's units (as rank 0) by chunk id: splitting and cleaning them is the
        #: composer's main cost, and the same chunks come back for many questions.
        self._units: LRUCache[str, list[Unit]] = LRUCache(UNIT_CACHE_SIZE)

    def generate(self, question: str, chunks: Sequence[Chunk],
                 history: Sequence[Turn] = ()) -> Draft:
        plan = self.plan(question, chunks, history)
        if plan is None:
            return Draft(text="", refused=True, notes=["no answering sentence in the evidence"])
        if plan.declines:
            own, carried = split_carried(question)
            subject = next((w for w in (*term_words(own), *term_words(carried))
                            if stem(w) in self.core), "")
            return Draft(text="", refused=True, uncovered=[subject, self._asked(own, plan)],
                         notes=[f"said only of another subject: {plan.lead.unit.display[:60]}"])
        return write(plan)

    def stream(self, question: str, chunks: Sequence[Chunk],
               history: Sequence[Turn] = ()) -> Iterator[str | Draft]:
        draft = self.generate(question, chunks, history)
        yield from draft.text.splitlines(keepends=True)
        yield draft

    def plan(self, question: str, chunks: Sequence[Chunk],
             history: Sequence[Turn] = ()) -> Plan | None:
        profile = read_question(question, [t.user for t in history], self.policy, self.core,
                                self.pairing, self.medicines)
        focus = question_focus(question, profile, self.policy, self.core)
        scored = self.select(question, chunks, profile, focus)
        if not scored:
            return None
        # a sentence looked up for the limit line is that line or nothing
        plan = plan_answer([s for s in scored if s.unit.chunk.kind != LOOKED_UP], profile,
                           self.policy, _shown_before(history), self.core, self.classes, focus,
                           self.names, self.medicines, self.forms)
        own = split_carried(question)[0]
        if plan is not None and not plan.declines:
            with_limits(plan, own, scored, profile, self.policy, self._subject)
        if plan is not None and plan.comparison is None:
            plan.comparison = dose_note(_asked_doses(own), plan.lead.unit.display,
                                        self.policy.dose_note, self._subject)
        return plan

    def _asked(self, question: str, plan: Plan) -> str:
        """What the question asks that the evidence does not say of its subject: the label of a
        kind asked in its exact words, else its focus
        words the nearest evidence names, in the question's order, else the words stating the
        condition in the documents' words ("pregnant") or its name ("pregnancy"), else the words
        saying what kind of answer it wants ("half-life"), the last said."""
        kind = self.policy.kind_named(plan.kind) if plan.kind else None
        if kind is not None and kind.label and matches(kind.exact, question):
            return kind.label  # "maximum dose", not the words that asked it (nor "per day")
        named = [w for w in term_words(question) if stem(w) in plan.uncovered]
        if named:
            return " ".join(dict.fromkeys(named))
        if plan.condition is not None:  # the condition in the documents' words as the user
            # wrote them where they state it ("pregnant"), not a measure ("for 2 years") nor a
            # word of the story ("… every night for years": no age), else its name: "7 weeks
            # along" or "a positive test" is not what the documents lack
            stating = [m for p in plan.condition.user for m in re.finditer(p, question, re.I)]
            written = [m for p in plan.condition.evidence for m in re.finditer(p, question, re.I)
                       if not re.search(r"\d\s*$", question[:m.start()])
                       and any(s.start() <= m.start() and m.end() <= s.end() for s in stating)
                       ] or [m for m in stating  # else the user's own word ("breastmilk")
                             if len(m.group(0).split()) == 1]
            return (max(written, key=lambda m: m.start()).group(0) if written
                    else plan.condition.id)
        spans = [m for p in (kind.ask if kind else []) for m in re.finditer(p, question, re.I)]
        if spans:
            return max(spans, key=lambda m: m.start()).group(0)
        return "what is asked"

    def _subject(self, word: str) -> str | None:
        """The substance a word names: a core subject (one stem for all its names), else a
        word rare enough to be a name ("ambien"), or None."""
        return self.core_subject(word) or (stem(word.lower()) if names_thing(word) else None)

    def core_subject(self, word: str) -> str | None:
        """The core subject a word names (one stem for all its names), or None."""
        root = stem(word.lower())
        return self.names.get(root, root) if root in self.core else None

    def select(self, question: str, chunks: Sequence[Chunk], profile: Profile | None = None,
               focus: frozenset[str] | None = None) -> list[Scored]:
        """Every unit of the evidence scored, best first (``focus``: the question's focus
        stems, when the caller has them)."""
        units = [u for rank, chunk in enumerate(chunks) for u in self._chunk_units(chunk, rank)]
        if not units:
            return []
        if profile is None:
            profile = read_question(question, [], self.policy, self.core, self.pairing,
                                    self.medicines)
        # a long message is also read by the part that asks (the pipeline embeds both in its
        # one forward pass): what the user tells before the question does not pull the lead
        asked = asking_part(question)
        texts = [question] if asked == question else [question, asked]
        queries = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        vectors = self._embed_units(units)
        sims = _closest(vectors, queries)
        heading = [i for i, u in enumerate(units) if u.asked]
        headings = np.zeros(len(units))
        if heading and self.policy.weights.asked > 0:  # how close the question is to the one
            # a unit's heading asks (the FAQ entry it answers)
            headings[heading] = _closest(self._embed_units([units[i] for i in heading],
                                                           asked=True), queries)
        centroid = self._centroid()
        hubness = vectors @ centroid if centroid is not None else None
        answers = self.fit.scores(queries[0], vectors) if self.fit is not None else None
        return score_units(question, units, sims, vectors, profile, self.policy,
                           self.core, focus, self.names, self.classes, hubness, headings,
                           answers)

    def _centroid(self) -> np.ndarray | None:
        """The stored answer units' centroid (``StoredVectors.centroid``), or None without
        stored vectors or a hub weight."""
        if self.policy.weights.hub <= 0 or self.stored is None:
            return None
        return self.stored.centroid()

    def warm_up(self) -> None:
        """Read the stored vectors' centroid at start-up, not on the first question."""
        self._centroid()

    def _chunk_units(self, chunk: Chunk, rank: int) -> list[Unit]:
        units = self._units.get_or_compute(chunk.id,
                                           lambda _key: chunk_units(chunk, 0, self.policy))
        return [replace(u, chunk=chunk, rank=rank) for u in units] if rank else units

    def _embed_units(self, units: list[Unit], asked: bool = False) -> np.ndarray:
        """Unit vectors (with ``asked``: of the questions their headings ask): stored at
        index time, else embedded (and cached by span)."""
        found = [self._vector(u, asked) for u in units]
        missing = [i for i, vec in enumerate(found) if vec is None]
        if missing:
            fresh = self.embedder.embed([embedded_text(units[i], asked) for i in missing])
            for i, vec in zip(missing, fresh, strict=True):
                array = np.asarray(vec, dtype=np.float32)
                self._vectors.put(_key(units[i], asked), array)
                found[i] = array
        return np.stack([vec for vec in found if vec is not None])

    def _vector(self, unit: Unit, asked: bool = False) -> np.ndarray | None:
        """The unit's vector from the bounded cache or the index's stored ones, else None."""
        cached = self._vectors.get(_key(unit, asked))
        if cached is not None or self.stored is None:
            return cached
        stored = self.stored.get(match_key(unit.chunk.source, unit.start, unit.end,
                                           embedded_text(unit, asked)))
        if stored is not None:  # the next question retrieving this chunk finds it here
            self._vectors.put(_key(unit, asked), stored)
        return stored


def _asked_doses(message: str) -> str:
    """The part of a message whose doses are the ones asked about: its question, and the
    sentence right before it when the question points back at it ("I take 800mg. Is that too
    much?"); a dose told in the story ("my prenatal has 100mg in it") is no dose asked about."""
    parts = question_parts(message)
    asked = " ".join(parts)
    if points_back(asked):
        asked = f"{part_before(message, parts[0])} {asked}"
    return asked


def _closest(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Each vector's similarity to the question: to the whole message, or to the part that
    asks when that is closer (the asked part may add, never take)."""
    both = vectors @ queries.T
    closest: np.ndarray = np.maximum(both[:, 0], both.mean(axis=1))
    return closest


def _key(unit: Unit, asked: bool = False) -> tuple[str, int, int, bool]:
    return (unit.chunk.source, unit.start, unit.end, asked)


def _shown_before(history: Sequence[Turn]) -> frozenset[tuple[str, int, int]]:
    """The spans the previous answer of the conversation quoted (not repeated as points)."""
    last = next((t for t in reversed(history) if not t.refused), None)
    if last is None:
        return frozenset()
    return frozenset((c.source, c.start, c.end) for c in last.citations)


def write(plan: Plan) -> Draft:
    """The answer text: the lead (with its comparison), then the points as a list."""
    citations: list[Citation] = []
    text = _with_marker(plan.lead.unit.display, _cite(citations, plan.lead.unit))
    if plan.comparison:
        text += " " + plan.comparison
    lines = []
    if plan.conflict is not None:
        other = _with_marker(plan.conflict.unit.display, _cite(citations, plan.conflict.unit))
        lines.append(plan.conflict_line.format(other=other))
    if plan.aside is not None:
        unit = plan.aside.scored.unit
        lines.append(f"{_with_marker(unit.display, _cite(citations, unit))} {plan.aside.text}")
    lines += [_with_marker(p.unit.display, _cite(citations, p.unit)) for p in plan.points]
    if lines:
        text += "\n\n" + "\n".join(f"- {x}" for x in lines)
    if plan.ask:
        text += "\n\n" + plan.ask
    return Draft(text=text, citations=citations, notes=list(plan.notes))


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
