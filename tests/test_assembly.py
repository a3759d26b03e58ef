"""The pipeline assembled from its protocol steps: fakes in, the real wiring's contract out."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import (
    FakeCondenser,
    FakeGenerator,
    FakeGuard,
    FakeRefusal,
    FakeRetriever,
    InMemorySessionStore,
    cite,
    make_chunk,
    make_hit,
)

from assistant.answering.antecedent import ReferenceWords
from assistant.answering.compose import ExtractiveComposer, load_answer_policy
from assistant.answering.condense import Condenser as RuleCondenser
from assistant.answering.condense_llm import LLMCondenser
from assistant.answering.guard import CaveatGuard
from assistant.answering.pipeline import ERROR_REPLY, Assistant
from assistant.answering.refusal import CANNOT_ANSWER, EvidenceRefusal
from assistant.answering.sessions import SqlSessionStore
from assistant.answering.validation import validate_message
from assistant.answering.vocabulary import CorpusVocabulary
from assistant.core import protocols as p
from assistant.core.errors import InputError, SessionNotFound
from assistant.core.models import CAVEAT_IDS, Draft
from assistant.core.settings import Settings
from assistant.retrieval.hybrid import HybridRetriever

ROOT = Path(__file__).resolve().parents[1]
CHUNK = make_chunk("The widget needs a rest of two hours between uses.")
OTHER = make_chunk("Widgets are kept dry.", source="doc-b.txt", title="Document B")
ANSWER = Draft(text="Rest the widget for two hours between uses [1].", citations=[cite(CHUNK)])


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(corpus_dir=ROOT / "corpus", prompts_dir=ROOT / "prompts")


@pytest.fixture(scope="module")
def guard(settings: Settings) -> CaveatGuard:
    return CaveatGuard.from_settings(settings)


def build(settings: Settings, guard: p.Guard, *, generator: FakeGenerator | None = None,
          refusal: FakeRefusal | None = None) -> Assistant:
    return Assistant(
        settings, retriever=FakeRetriever([make_hit(CHUNK), make_hit(OTHER, 0.5)]),
        generator=generator or FakeGenerator(ANSWER), guard=guard,
        condenser=FakeCondenser(prefix="about the widget: "), refusal=refusal or FakeRefusal(),
        sessions=InMemorySessionStore(),
        titles={CHUNK.source: CHUNK.title, OTHER.source: OTHER.title})


def test_answers_from_the_generator_through_the_guard(settings: Settings,
                                                       guard: CaveatGuard) -> None:
    a = build(settings, guard)
    streamed = list(a.stream("  How long should the widget rest?  "))
    pieces, answer = streamed[:-1], streamed[-1]
    assert "".join(str(x) for x in pieces) == ANSWER.text
    assert not isinstance(answer, str) and not answer.refused
    assert answer.body == ANSWER.text
    assert answer.answer.startswith(ANSWER.text) and len(answer.answer) > len(ANSWER.text)
    assert answer.caveats == list(CAVEAT_IDS)  # the real guard added all three notes
    assert answer.citations[0] == ANSWER.citations[0] and len(answer.citations) >= 2
    assert [r.chunk_id for r in answer.retrieved] == [CHUNK.id, OTHER.id]
    assert answer.generator == "fake" and answer.question == "How long should the widget rest?"
    assert isinstance(a.generator, FakeGenerator)
    assert a.generator.calls == [("How long should the widget rest?", [CHUNK.id, OTHER.id])]


def test_refusal_skips_the_generator_and_is_guarded(settings: Settings,
                                                    guard: CaveatGuard) -> None:
    generator = FakeGenerator(ANSWER)
    refusal = FakeRefusal(True, "names something the documents never mention", ["gizmo"])
    a = build(settings, guard, generator=generator, refusal=refusal)
    answer = a.ask("Can the widget run with a gizmo?")
    assert answer.refused and generator.calls == []
    assert refusal.calls == [("Can the widget run with a gizmo?", 2)]
    assert answer.body.startswith(CANNOT_ANSWER) and "gizmo" in answer.body
    assert "Document A; Document B" in answer.body  # what the documents do cover
    assert answer.caveats == list(CAVEAT_IDS)
    assert answer.notes == ["names something the documents never mention"]


def test_a_declining_generator_becomes_a_refusal(settings: Settings, guard: CaveatGuard) -> None:
    declined = Draft(text="", refused=True, notes=["nothing fits"])
    answer = build(settings, guard, generator=FakeGenerator(declined)).ask("Why is it blue?")
    assert answer.refused and answer.body.startswith(CANNOT_ANSWER)
    assert answer.notes == ["no sentence of the evidence answers it", "nothing fits"]


def test_turns_are_stored_and_condensed_with_history(settings: Settings) -> None:
    a = build(settings, FakeGuard())
    sid = a.new_session()
    first = a.ask("How long should it rest?", sid)
    second = a.ask("And when wet?", sid)
    assert first.session_id == second.session_id == sid
    assert second.standalone_question == "about the widget: And when wet?"
    assert isinstance(a.condenser, FakeCondenser)
    assert a.condenser.calls == [("How long should it rest?", 0), ("And when wet?", 1)]
    turns = a.history(sid)
    assert [t.user for t in turns] == ["How long should it rest?", "And when wet?"]
    assert turns[1].standalone_question == "about the widget: And when wet?"
    assert turns[0].answer == first.answer and turns[0].answer.endswith(FakeGuard.NOTE)


def test_a_generator_exception_becomes_the_error_reply(settings: Settings,
                                                      guard: CaveatGuard) -> None:
    a = build(settings, guard, generator=FakeGenerator(error=RuntimeError("boom")))
    sid = a.new_session()
    answer = a.ask("How long should the widget rest?", sid)
    assert answer.refused and answer.body == ERROR_REPLY and "boom" not in answer.answer
    assert answer.caveats == list(CAVEAT_IDS) and answer.notes == ["error reply"]
    assert [t.answer for t in a.history(sid)] == [answer.answer]


def test_bad_input_is_a_guarded_reply_not_stored_and_unknown_sessions_raise(
        settings: Settings, guard: CaveatGuard) -> None:
    a = build(settings, guard)
    sid = a.new_session()
    for bad in ["", " \n ", "a\x00b", "x" * (settings.answer.max_message_chars + 1)]:
        reply = a.ask(bad, sid)
        assert reply.refused and "can't read that message" in reply.body
        assert reply.caveats == list(CAVEAT_IDS)
    assert a.history(sid) == []
    with pytest.raises(SessionNotFound):
        a.ask("hello", "no-such-session")


def test_warm_up_queries_a_document_title_not_a_literal(settings: Settings) -> None:
    a = build(settings, FakeGuard())
    a.warm_up()
    assert isinstance(a.retriever, FakeRetriever) and a.retriever.queries == [CHUNK.title]


@pytest.mark.parametrize(("message", "reason"), [
    (42, "must be text"), ("\x00", "binary"), ("   ", "empty"), ("x" * 5000, "too long"),
])
def test_one_validator_with_one_wording(settings: Settings, message: object, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        validate_message(message, settings)
    assert validate_message("  a question? ", settings) == "a question?"


def test_real_steps_and_fakes_satisfy_the_protocols(settings: Settings, guard: CaveatGuard,
                                                     tmp_path: Path) -> None:
    vocab = CorpusVocabulary([CHUNK.embed_text])
    rules = RuleCondenser(vocab, frozenset(), ReferenceWords())
    store = SqlSessionStore(tmp_path / "s.db")
    real: list[tuple[object, type]] = [
        (HybridRetriever(settings=settings, store=None, embedder=None), p.Retriever),
        (rules, p.Condenser),
        (LLMCondenser(settings, fallback=rules, chat_model=object()), p.Condenser),
        (EvidenceRefusal(vocab, settings), p.RefusalPolicy),
        (guard, p.Guard),
        (store, p.SessionStore),
        (ExtractiveComposer(embedder=None, settings=settings,
                            policy=load_answer_policy(settings.policies_dir)), p.Generator),
        (build(settings, guard), p.Answerer),
    ]
    fakes: list[tuple[object, type]] = [
        (FakeRetriever(), p.Retriever), (FakeCondenser(), p.Condenser),
        (FakeRefusal(), p.RefusalPolicy), (FakeGuard(), p.Guard),
        (InMemorySessionStore(), p.SessionStore), (FakeGenerator(), p.Generator),
    ]
    for obj, proto in real + fakes:
        assert isinstance(obj, proto), (type(obj).__name__, proto.__name__)
    assert not isinstance(FakeGuard(), p.Retriever)  # the check can fail
    store.close()


def test_fake_session_store_behaves_like_the_sqlite_one(tmp_path: Path) -> None:
    from assistant.core.models import Turn

    for store in (InMemorySessionStore(), SqlSessionStore(tmp_path / "s.db")):
        sid = store.new()
        assert store.ensure(sid) == sid and store.history(sid) == []
        for i in range(3):
            store.add(sid, Turn(user=f"q{i}", standalone_question=f"q{i}", answer="a",
                                refused=False))
        assert [t.user for t in store.history(sid, 2)] == ["q1", "q2"]
        assert store.history(sid, 0) == []
        with pytest.raises(SessionNotFound):
            store.history("unknown-id")
        with pytest.raises(InputError):
            store.ensure("bad id!")
