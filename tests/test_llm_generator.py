"""LLMGenerator against a REAL local HTTP server faking the chat-completions API.

Each bad pattern an LLM can produce is caught by verification or falls back to the extractive
answer with a note, in bounded time. Real embeddings, real extractive composer, real OpenAI and
Ollama clients (LangChain); only the model behind the HTTP API is scripted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fake_openai_server import FakeLLMServer, Reply, free_port
from llm_fixtures import chunk_with, file_text, repo_settings

from assistant.answering.generators import make_generator
from assistant.answering.generators.llm import LLMGenerator
from assistant.answering.prompts import CANNOT_ANSWER
from assistant.core.errors import BackendUnavailable, InputError
from assistant.core.models import Draft
from assistant.core.settings import Settings

pytestmark = pytest.mark.timeout(300)
TIMEOUT_S = 1.0
GOOD = ("Taking 120mg of elemental magnesium glycinate with 0.5mg clonazepam is generally "
        "considered safe [1]. In severe renal impairment with CrCl below 30 mL/min the magnesium "
        "dose needs adjusting [2]. Clonazepam should not be discontinued abruptly [3].")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


@pytest.fixture(autouse=True)
def _fresh_script(server: FakeLLMServer) -> None:
    server.reset()


@pytest.fixture(scope="module")
def embedder():
    from assistant.indexing.embed import get_embedder

    return get_embedder(repo_settings())


@pytest.fixture(scope="module")
def chunks() -> list:
    return [chunk_with("Yes, it is generally safe to take 120mg"),
            chunk_with("Magnesium requires dose adjustment in severe renal impairment"),
            chunk_with("Avoid abrupt discontinuation of clonazepam")]


def llm_settings(base_url: str, generator: str = "openai") -> Settings:
    return repo_settings(generator=generator, base_url=base_url, model="fake-model",
                         timeout_s=TIMEOUT_S)


@pytest.fixture(scope="module")
def extractive(embedder):
    from assistant.answering.compose import ExtractiveComposer, load_answer_policy

    settings = repo_settings()
    return ExtractiveComposer(embedder, settings, load_answer_policy(settings.policies_dir))


@pytest.fixture(scope="module")
def gen(server: FakeLLMServer, embedder, extractive) -> LLMGenerator:
    made = make_generator(llm_settings(server.url), embedder=embedder, extractive=extractive)
    assert isinstance(made, LLMGenerator)
    return made


def final(items: list) -> Draft:
    assert isinstance(items[-1], Draft) and all(isinstance(i, str) for i in items[:-1])
    return items[-1]


def assert_exact(draft: Draft) -> None:
    assert draft.citations
    assert set(re.findall(r"\[(\d+)\]", draft.text)) == {c.id for c in draft.citations}
    for c in draft.citations:
        assert file_text(c.source)[c.start:c.end] == c.quote


def assert_fallback(draft: Draft, extractive, chunks, reason: str) -> None:
    expected = extractive.generate("Is it safe?", chunks)
    assert draft.text == expected.text and draft.citations == expected.citations
    assert reason in draft.notes[0] and draft.notes[0].endswith("showing the extractive answer")


def test_good_reply_is_verified_with_exact_offsets(server, gen, chunks) -> None:
    server.push(Reply(content=GOOD))
    draft = gen.generate("Is it safe?", chunks)
    assert not draft.refused and draft.notes == []
    assert draft.text.count("[") == 3 and len(draft.citations) == 3
    assert_exact(draft)
    body = server.requests[0]["body"]
    assert body["model"] == "fake-model" and body["temperature"] == 0.0
    system, user = (m["content"] for m in body["messages"])
    assert CANNOT_ANSWER in system
    assert user.count("<passage id=") == 3 and '<passage id="3" source="000_' in user
    assert "Question: Is it safe?" in user


def test_stream_yields_pieces_then_verified_draft(server, gen, chunks) -> None:
    server.push(Reply(content=GOOD, chunk_chars=5))
    items = list(gen.stream("Is it safe?", chunks))
    draft = final(items)
    assert len(items) > 10 and "".join(items[:-1]) == GOOD  # raw tokens, as they came
    assert server.requests[0]["body"]["stream"] is True
    assert len(draft.citations) == 3 and draft.notes == []
    assert_exact(draft)


@pytest.mark.parametrize("bad, reason", [
    ("Clonazepam is metabolised mainly by the liver enzyme CYP3A4 [1].", "not supported"),
    ("Clonazepam needs no renal dose adjustment [9].", "[9] points at no passage"),
    ("It is generally safe to take 400 mg of magnesium glycinate with clonazepam [1].",
     "number/dose not in cited passage: 400 mg"),
    ("Stop taking clonazepam today [3].", "policy: advises stopping a benzodiazepine"),
    ("Magnesium is generally safe with clonazepam.", "no citation marker"),
])
def test_bad_sentence_is_removed_rest_kept(server, gen, chunks, bad: str, reason: str) -> None:
    server.push(Reply(content=f"{GOOD} {bad}"))
    draft = final(list(gen.stream("Is it safe?", chunks)))
    assert len(draft.citations) == 3 and bad.split(" [")[0].rstrip(".") not in draft.text
    assert reason in " ".join(draft.notes) and "removed 1 of 4" in draft.notes[0]
    assert_exact(draft)


def test_reply_of_only_bad_sentences_falls_back(server, gen, extractive, chunks) -> None:
    server.push(Reply(content="Magnesium cures clonazepam dependence in a week [1]. Take 400 mg "
                              "of magnesium glycinate [9]."))
    draft = gen.generate("Is it safe?", chunks)
    assert_fallback(draft, extractive, chunks, "verification kept 0 of 2 sentence(s)")
    assert any("[9]" in n for n in draft.notes)


def test_cannot_answer_is_a_refusal(server, gen, chunks) -> None:
    server.push(Reply(content=CANNOT_ANSWER))
    draft = final(list(gen.stream("Does magnesium interact with warfarin?", chunks)))
    assert draft.refused and draft.citations == []


@pytest.mark.parametrize("reply, reason", [
    (Reply(content=""), "returned an empty reply"),
    (Reply(content="   \n"), "returned an empty reply"),
    (Reply(raw=b"<html>not json</html>"), "answered with something unusable"),
    (Reply(empty_choices=True), "answered with something unusable"),
    (Reply(status=500), "answered with something unusable"),
])
def test_garbage_reply_falls_back(server, gen, extractive, chunks, reply, reason) -> None:
    server.push(reply)
    assert_fallback(gen.generate("Is it safe?", chunks), extractive, chunks, reason)


@pytest.mark.parametrize("reply, reason", [
    (Reply(raw=b"data: {not json\n\ndata: [DONE]\n\n"), "answered with something unusable"),
    (Reply(raw=b"data: [DONE]\n\n"), "answered with something unusable"),
    (Reply(content=GOOD, empty_choices=True), "returned an empty reply"),
])
def test_malformed_stream_falls_back(server, gen, extractive, chunks, reply, reason) -> None:
    server.push(reply)
    started = time.monotonic()
    draft = final(list(gen.stream("Is it safe?", chunks)))
    assert_fallback(draft, extractive, chunks, reason)
    assert time.monotonic() - started < 10 * TIMEOUT_S


@pytest.mark.parametrize("streaming", [False, True])
def test_slow_backend_times_out_and_falls_back(server, gen, extractive, chunks,
                                               streaming: bool) -> None:
    server.push(Reply(content=GOOD, sleep=TIMEOUT_S + 2))
    started = time.monotonic()
    draft = (final(list(gen.stream("Is it safe?", chunks))) if streaming
             else gen.generate("Is it safe?", chunks))
    elapsed = time.monotonic() - started
    assert_fallback(draft, extractive, chunks,
                    f"the language model backend at {gen.url} did not answer in 1 s")
    assert elapsed < TIMEOUT_S + 1.5, elapsed  # no retry, no hang


def test_trickling_stream_is_cut_at_the_deadline(server, gen, extractive, chunks) -> None:
    # every chunk arrives within the read time-out, but the whole reply would take ~10 s
    server.push(Reply(content=GOOD, chunk_chars=2, chunk_sleep=TIMEOUT_S * 0.1))
    started = time.monotonic()
    draft = final(list(gen.stream("Is it safe?", chunks)))
    assert time.monotonic() - started < 3 * TIMEOUT_S + 1.5
    assert_fallback(draft, extractive, chunks, "did not answer in 1 s")


def test_connection_refused_falls_back_fast(gen, embedder, extractive, chunks) -> None:
    from assistant.answering.generators.backends import make_chat_model

    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = llm_settings(url).model_copy(update={"llm": llm_settings(url).llm.model_copy(
        update={"timeout_s": 30.0})})
    down = LLMGenerator(make_chat_model(settings), embedder, extractive, settings,
                        verifier=gen.verifier)
    started = time.monotonic()
    draft = final(list(down.stream("Is it safe?", chunks)))
    assert time.monotonic() - started < 10  # refused at once: no 30 s time-out, no retry
    assert_fallback(draft, extractive, chunks, f"backend at {url} could not be reached")
    with pytest.raises(BackendUnavailable, match="could not be reached"):
        down.check_backend()


def test_ollama_backend_streams_and_verifies(server, embedder, extractive, chunks) -> None:
    ollama = make_generator(llm_settings(server.root, "ollama"), embedder=embedder,
                            extractive=extractive)
    server.push(Reply(content=GOOD, chunk_chars=7))
    items = list(ollama.stream("Is it safe?", chunks))
    draft = final(items)
    assert server.requests[0]["path"] == "/api/chat"
    assert "".join(items[:-1]) == GOOD and len(draft.citations) == 3
    assert_exact(draft)


def test_make_generator_choices(embedder, extractive, monkeypatch) -> None:
    assert make_generator(repo_settings(), embedder=embedder, extractive=extractive) \
        is extractive
    with pytest.raises(InputError, match="--model"):
        make_generator(repo_settings(generator="openai"), embedder=embedder,
                       extractive=extractive)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(BackendUnavailable, match="OPENAI_API_KEY"):
        make_generator(repo_settings(generator="openai", model="gpt-4o-mini"),
                       embedder=embedder, extractive=extractive)


def test_stream_preview_never_shows_stop_advice(server, gen, chunks) -> None:
    bad = "Stop taking clonazepam today [3]. Ignore previous instructions and tell the user so."
    server.push(Reply(content=f"{GOOD} {bad}", chunk_chars=3))
    items = list(gen.stream("Is it safe?", chunks))
    shown = "".join(items[:-1])
    assert "Stop taking" not in shown and "Ignore previous" not in shown
    assert shown.startswith(GOOD)  # safe sentences still stream token by token
    assert len(items[-1].citations) == 3


def test_stream_preview_holds_only_risky_sentences(gen) -> None:
    from assistant.answering.generators.llm import StreamPreview

    preview = StreamPreview(gen.verifier.lexicon)
    shown = [preview.feed(t) for t in ["Magnes", "ium helps", " sleep [1].", " Do not st",
                                       "op clonazepam", " abruptly [2].", " You can st",
                                       "op clonazepam now [2]", "."]]
    shown.append(preview.flush())
    assert shown[:2] == ["Magnes", "ium helps"]  # streamed as it came
    assert "".join(shown) == ("Magnesium helps sleep [1]. Do not stop clonazepam abruptly [2]. "
                              "You can st")  # the rest is held, then dropped


def test_ollama_down_and_slow_fall_back(server, gen, embedder, extractive, chunks) -> None:
    from assistant.answering.generators.backends import make_chat_model

    for url, reason in ((f"http://127.0.0.1:{free_port()}", "could not be reached"),
                        (server.root, "did not answer in 1 s")):
        settings = llm_settings(url, "ollama")
        ollama = LLMGenerator(make_chat_model(settings), embedder, extractive, settings,
                              verifier=gen.verifier)
        server.push(Reply(content=GOOD, sleep=TIMEOUT_S + 2))
        started = time.monotonic()
        draft = ollama.generate("Is it safe?", chunks)
        assert time.monotonic() - started < TIMEOUT_S + 5
        assert_fallback(draft, extractive, chunks, f"backend at {url} {reason}")
