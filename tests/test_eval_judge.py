"""Optional LLM-judge metrics against a real local HTTP server faking an OpenAI-compatible LLM."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_openai_server import FakeLLMServer, Reply

from assistant.core.errors import PolicyError
from assistant.core.settings import Settings
from assistant.evaluation.judge import (
    chat_completer,
    disabled_reason,
    judge_records,
    load_judge_prompts,
    parse_score,
)

REPO = Path(__file__).resolve().parent.parent


def llm_settings(base_url: str | None) -> Settings:
    return Settings(prompts_dir=REPO / "prompts").with_llm("openai", base_url, "judge-model")


def record(refused: bool = False) -> dict[str, Any]:
    return {"question": "Is it safe?", "answer": "It is generally safe [1].", "refused": refused,
            "citations": [{"id": "1", "quote": "it is generally safe to take 120mg"}]}


@pytest.mark.parametrize(("reply", "score"), [
    ('{"score": 0.8, "reason": "ok"}', 0.8),
    ('Sure! ```json\n{"score": 1, "reason": "x"}\n```', 1.0),
    ("I think it's about 0.7", None),
    ('{"score": 7}', None),
    ('{"score": "high"}', None),
    ('{"score": true}', None),
    ("{not json}", None),
])
def test_parse_score_accepts_only_a_json_score_in_range(reply: str, score: float | None) -> None:
    assert parse_score(reply) == score


def test_judge_scores_and_counts_parse_failures_over_http() -> None:
    prompts = load_judge_prompts(REPO / "prompts" / "judge.yaml")
    with FakeLLMServer() as server:
        server.push(Reply(content='{"score": 0.9, "reason": "supported"}'),
                    Reply(content="very relevant!"),  # unparseable: counted, not scored
                    Reply(content='{"score": 0.5, "reason": "half"}'),
                    Reply(status=500))  # backend error: counted as an error
        records = [record(), record(refused=True), record()]
        summary = judge_records(records, prompts, chat_completer(llm_settings(server.url)))
        bodies = [r["body"] for r in server.requests]
    assert len(bodies) == 4  # the refused turn is not judged
    assert "[1] it is generally safe to take 120mg" in bodies[0]["messages"][-1]["content"]
    assert records[0]["judge"] == {"faithfulness": 0.9, "relevance": None,
                                   "parse_failures": 1, "errors": 0}
    assert "judge" not in records[1]
    assert records[2]["judge"]["faithfulness"] == 0.5 and records[2]["judge"]["errors"] == 1
    assert summary["turns_judged"] == 2 and summary["parse_failures"] == 1
    assert summary["errors"] == 1
    assert summary["faithfulness_mean"] == 0.7 and summary["faithfulness_scored"] == 2
    assert summary["relevance_mean"] is None and summary["relevance_scored"] == 0


def test_judge_needs_a_configured_backend_and_valid_prompts(tmp_path: Path) -> None:
    assert disabled_reason(Settings()) is not None
    assert disabled_reason(llm_settings(None)) is not None
    assert disabled_reason(llm_settings("http://127.0.0.1:9/v1")) is None
    bad = tmp_path / "judge.yaml"
    bad.write_text("faithfulness: {system: s, user: 'no placeholders'}\n"
                   "relevance: {system: s, user: '{question} {answer}'}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="lacks"):
        load_judge_prompts(bad)
