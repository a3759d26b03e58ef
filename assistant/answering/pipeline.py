"""The whole answering pipeline: message -> standalone question -> retrieval -> refusal check ->
generator -> caveat guard -> Answer. One typed Answer feeds the CLI, web app, API and eval."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Generator as Gen
from dataclasses import dataclass

from assistant.answering.framing import CreativeFraming
from assistant.answering.language import LanguageReader
from assistant.answering.refusal import (
    MAX_TITLES,
    NOT_ENGLISH,
    PARTIAL,
    WEAK,
    refusal_text,
    unmentioned_note,
)
from assistant.answering.sessions import new_session_id
from assistant.answering.topic import asked_with_topic
from assistant.answering.validation import validate_message
from assistant.core.errors import AssistantError, InputError
from assistant.core.models import Answer, Decision, Draft, Hit, RetrievedChunk, Turn, unseen
from assistant.core.protocols import (
    Condenser,
    Generator,
    Guard,
    MoreEvidence,
    RefusalPolicy,
    Retriever,
    SessionStore,
)
from assistant.core.settings import Settings

log = logging.getLogger(__name__)
ERROR_REPLY = "Sorry, something went wrong while answering. Please try again."


@dataclass
class _Prepared:
    session_id: str
    question: str
    standalone: str
    hits: list[Hit]
    decision: Decision
    timings: dict[str, float]
    history: list[Turn]
    preface: str = ""


class Assistant:
    """Satisfies ``core.protocols.Answerer``; every step is a ``core.protocols`` boundary.

    ``answering.assembly.build_assistant(settings)`` wires the real steps; tests pass small
    fakes. Call ``warm_up()`` before the first question.
    """

    def __init__(self, settings: Settings, *, retriever: Retriever, generator: Generator,
                 guard: Guard, condenser: Condenser, refusal: RefusalPolicy,
                 sessions: SessionStore, titles: dict[str, str],
                 warmers: Sequence[Callable[[], None]] = (),
                 reader: LanguageReader | None = None,
                 prefetch: Callable[[list[str]], None] | None = None,
                 framing: CreativeFraming | None = None,
                 more_evidence: Sequence[MoreEvidence] = ()) -> None:
        self.settings = settings
        self.retriever = retriever
        self.generator = generator
        self.guard = guard
        self.condenser = condenser
        self.refusal = refusal
        self.sessions = sessions
        self.titles = titles
        self.warmers = list(warmers)  # more to load or embed at warm-up (vocabulary prototypes)
        self.reader = reader
        self.prefetch = prefetch  # embeds what the answer needs in one call (assembly)
        self.framing = framing  # "Write a story where …": answers what it is about
        #: passages the question needs beside its own search's (a stated condition's other
        #: source, a given dose's upper limit)
        self.more_evidence = list(more_evidence)

    def warm_up(self) -> None:
        """Load models and indexes now rather than on the first question (a neutral query: the
        first document title, so no corpus fact is written here)."""
        self.retriever.search(next(iter(self.titles.values()), "") or "warm up")
        for warm in self.warmers:
            warm()

    # --- sessions -------------------------------------------------------------------------
    def new_session(self) -> str:
        return self.sessions.new()

    def open_session(self, session_id: str) -> str:
        """Use this id, creating the conversation if it is new (CLI --session)."""
        return self.sessions.ensure(session_id)

    def history(self, session_id: str) -> list[Turn]:
        return self.sessions.history(session_id)

    # --- answering ------------------------------------------------------------------------
    def ask(self, message: str, session_id: str | None = None) -> Answer:
        answer: Answer | None = None
        for item in self.stream(message, session_id):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, message: str, session_id: str | None = None) -> Iterator[str | Answer]:
        """Text pieces of the reply, then the final Answer (caveats included) as the last item."""
        started = time.perf_counter()
        fresh = session_id is None
        session_id = self._session(session_id)
        try:
            prep = self._prepare(message, session_id, fresh)
        except InputError as err:
            yield self._error_reply(message, session_id, f"I can't read that message: {err}.",
                                    started, save=False)
            return
        except AssistantError as err:
            yield self._error_reply(message, session_id, f"{ERROR_REPLY} ({err})", started)
            return
        try:
            draft = yield from self._draft(prep)
        except Exception:  # a reply (with caveats) beats a stack trace
            log.exception("answering failed")
            yield self._error_reply(prep.question, session_id, ERROR_REPLY, started)
            return
        yield self._finish(prep, draft, started)

    def _session(self, session_id: str | None) -> str:
        if session_id is None:  # stored with the answer's turn (``SessionStore.add``)
            return new_session_id()
        self.sessions.history(session_id, limit=0)  # raises SessionNotFound / InputError
        return session_id

    def _prepare(self, message: str, session_id: str, fresh: bool = False) -> _Prepared:
        timings: dict[str, float] = {}
        question = validate_message(message, self.settings)
        t = time.perf_counter()
        history = [] if fresh else self.sessions.history(session_id,
                                                         self.settings.answer.max_history_turns)
        reading = self.reader.read(question) if self.reader else None
        if reading is not None and not reading.names:
            return _Prepared(session_id, question, question, [], Decision(True, NOT_ENGLISH),
                             timings, history)
        preface = ""
        framed = self.framing.read(question) if self.framing and reading is None else None
        if reading is not None:
            standalone = reading.question
            preface = (f"I can only read English well, so I answered this as a question about "
                       f"{', '.join(reading.names)}. Please ask again in English if you meant "
                       "something else.")
        else:
            standalone = self.condenser.condense(framed.topic if framed else question, history)
            preface = framed.preface if framed else ""
        timings["condense_ms"] = _ms(t)
        t = time.perf_counter()
        focus = asked_with_topic(standalone)
        more = [q for m in self.more_evidence if (q := m.query(standalone))]
        if self.prefetch is not None:  # every text the answer may embed, in one call
            self.prefetch(list(dict.fromkeys([standalone, focus, *more])))
        hits = self.retriever.search(standalone)
        timings["retrieve_ms"] = _ms(t)
        decision = self.refusal.decide(standalone, hits)
        if framed and decision.refuse and decision.reason.startswith(PARTIAL):
            # what a story claims ("feels fine afterwards") is its premise, not a thing asked
            decision = Decision(False, "", [], decision.evidence)
        if decision.refuse and decision.reason.startswith(WEAK) and focus != standalone:
            # "Respond only in JSON …: is magnesium ok with klonopin?": the framing around the
            # question dilutes it; the question part alone may have the evidence.
            focus_hits = self.retriever.search(focus)
            focus_decision = self.refusal.decide(focus, focus_hits)
            if not focus_decision.refuse:
                hits, decision = focus_hits, focus_decision
                # a long story keeps its facts ("she's 79", "on a water pill") for the answer;
                # padding ("please please …") or a framing instruction does not
                if not _long_before(" ".join(dict.fromkeys(standalone.split())), focus):
                    standalone = focus
        if _long_before(standalone, focus) and not decision.refuse:
            # a message that tells a lot before its question is also searched by the part that
            # asks (embedded in the same forward pass): its best passages join the others
            hits = hits + unseen(self.retriever.search(focus)[:ASKED_EXTRA], hits)
        for m in self.more_evidence if not decision.refuse else ():
            hits = m.add(standalone, hits)
        return _Prepared(session_id, question, standalone, hits, decision, timings, history,
                         preface)

    def _draft(self, prep: _Prepared) -> Gen[str, None, Draft]:
        """Yields text pieces; returns the Draft (via StopIteration.value)."""
        t = time.perf_counter()
        draft: Draft | None = None
        if not prep.decision.refuse:
            if prep.preface:
                yield f"{prep.preface}\n\n"
            for piece in self.generator.stream(prep.standalone, [h.chunk for h in prep.hits],
                                               prep.history):
                if isinstance(piece, Draft):
                    draft = piece
                else:
                    yield piece
            note = unmentioned_note(prep.decision)
            if note and draft is not None and not draft.refused and draft.text.strip():
                yield f"\n\n{note}"  # what the message names that the documents never do
                draft = draft.model_copy(update={"text": f"{draft.text.rstrip()}\n\n{note}"})
        if draft is None or draft.refused or not draft.text.strip():
            decision = prep.decision if prep.decision.refuse else Decision(
                True, "no sentence of the evidence answers it", [], prep.decision.evidence)
            if not prep.decision.refuse and draft is not None and len(draft.uncovered) == 2:
                subject, asked = draft.uncovered
                decision = Decision(True, f"{PARTIAL} ({subject})", [asked],
                                    prep.decision.evidence)
            draft = Draft(text=refusal_text(decision, self._top_titles(prep.hits)), refused=True,
                          notes=[decision.reason, *(draft.notes if draft else [])])
        elif prep.preface:
            draft = draft.model_copy(update={"text": f"{prep.preface}\n\n{draft.text}"})
        prep.timings["generate_ms"] = _ms(t)
        return draft

    def _top_titles(self, hits: list[Hit]) -> list[str]:
        """Titles of the documents of the best hits (at most MAX_TITLES), else the first ones."""
        sources = list(dict.fromkeys(h.chunk.source for h in hits)) or list(self.titles)
        return [self.titles.get(s, s) for s in sources[:MAX_TITLES]]

    def _finish(self, prep: _Prepared, draft: Draft, started: float) -> Answer:
        guarded = self.guard.apply(draft)
        answer = Answer(
            question=prep.question, standalone_question=prep.standalone, answer=guarded.answer,
            body=guarded.body, refused=draft.refused, citations=guarded.citations,
            caveats=guarded.caveats, retrieved=[_retrieved(h) for h in prep.hits],
            latency_ms=_ms(started), timings=prep.timings, session_id=prep.session_id,
            generator=self.generator.name, notes=list(draft.notes))
        self.sessions.add(prep.session_id, Turn(
            user=prep.question, standalone_question=prep.standalone, answer=answer.answer,
            refused=answer.refused, citations=answer.citations))
        return answer

    def _error_reply(self, message: object, session_id: str, text: str, started: float,
                     save: bool = True) -> Answer:
        guarded = self.guard.apply(Draft(text=text, refused=True))
        question = message[:500] if isinstance(message, str) else ""
        answer = Answer(question=question, standalone_question=question, answer=guarded.answer,
                        body=guarded.body, refused=True, citations=guarded.citations,
                        caveats=guarded.caveats, latency_ms=_ms(started), session_id=session_id,
                        generator=self.generator.name, notes=["error reply"])
        if save and question.strip():
            self.sessions.add(session_id, Turn(user=question, standalone_question=question,
                                               answer=answer.answer, refused=True,
                                               citations=answer.citations))
        else:  # no turn saved, but the conversation the reply names must exist
            self.sessions.ensure(session_id)
        return answer


def _retrieved(hit: Hit) -> RetrievedChunk:
    c = hit.chunk
    return RetrievedChunk(source=c.source, chunk_id=c.id, score=round(float(hit.score), 4),
                          start=c.start, end=c.end, section=" > ".join(c.section), text=c.text)


#: Passages the asking part of a long message may add to those of the whole message.
ASKED_EXTRA = 2
#: ... a message of at least this many words, at least this many times its asking part.
LONG_MESSAGE_WORDS = 20
LONG_MESSAGE_RATIO = 2


def _long_before(message: str, asked: str) -> bool:
    words, asked_words = len(message.split()), len(asked.split())
    return words >= LONG_MESSAGE_WORDS and words >= LONG_MESSAGE_RATIO * asked_words


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
