"""Optional LLM-judge metrics: faithfulness (answer vs. its cited quotes) and answer relevance.

Runs only on request (``--judge``) with an LLM backend configured; never required, never in CI.
(ragas 0.4.3 does not resolve with our pins: its ``instructor`` needs jiter<0.15, openai 3.54
needs jiter>=0.16.) Replies that are not a JSON object with a 0..1 ``score`` are counted as parse
failures and left out of the means, never turned into NaN or a made-up score.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from assistant.core.policy import load_yaml_model
from assistant.core.settings import Settings

METRICS = ("faithfulness", "relevance")
PLACEHOLDERS = {"faithfulness": ("{evidence}", "{answer}"), "relevance": ("{question}", "{answer}")}
JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class PromptPair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: str
    user: str


class JudgePrompts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    faithfulness: PromptPair
    relevance: PromptPair

    @model_validator(mode="after")
    def _placeholders(self) -> JudgePrompts:
        for name, needed in PLACEHOLDERS.items():
            missing = [p for p in needed if p not in getattr(self, name).user]
            if missing:
                raise ValueError(f"{name}.user lacks {', '.join(missing)}")
        return self


def load_judge_prompts(path: Path) -> JudgePrompts:
    """The judge's prompt pairs (``prompts/judge.yaml``); any problem is a PolicyError."""
    return load_yaml_model(path, JudgePrompts, "judge prompts")


def disabled_reason(settings: Settings) -> str | None:
    """Why the judge can't run with these settings (None: it can)."""
    if settings.llm.generator == "extractive" or not settings.llm.base_url:
        return "judge skipped: needs an LLM backend (--generator openai|ollama and --base-url)"
    return None


def parse_score(text: str) -> float | None:
    """The 0..1 ``score`` of the first JSON object in a reply, or None when there isn't one."""
    match = JSON_OBJECT.search(text)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    score = data.get("score") if isinstance(data, dict) else None
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        return None
    return float(score)


Complete = Callable[[str, str], str]  # (system, user) -> reply text


def chat_completer(settings: Settings) -> Complete:
    """(system, user) -> reply text through the configured LangChain chat model."""
    from langchain_core.messages import HumanMessage, SystemMessage

    from assistant.answering.generators.backends import make_chat_model
    from assistant.answering.generators.llm import content_text

    model = make_chat_model(settings)

    def complete(system: str, user: str) -> str:
        reply = model.invoke([SystemMessage(content=system), HumanMessage(content=user)])
        return content_text(reply.content)

    return complete


def judge_record(
    record: dict[str, Any], prompts: JudgePrompts, complete: Complete
) -> dict[str, Any]:
    """Scores for one answered turn: {faithfulness, relevance, parse_failures, errors}."""
    evidence = "\n".join(f"[{c['id']}] {c['quote']}" for c in record.get("citations", []))
    values = {"question": record.get("question", ""), "answer": record.get("answer", ""),
              "evidence": evidence or "(none)"}
    out: dict[str, Any] = {"parse_failures": 0, "errors": 0}
    for name in METRICS:
        pair: PromptPair = getattr(prompts, name)
        user = pair.user
        for key, value in values.items():
            user = user.replace("{" + key + "}", str(value))
        try:
            out[name] = parse_score(complete(pair.system, user))
        except Exception as err:  # a backend failure is counted, not fatal (the judge is optional)
            out[name], out["errors"] = None, out["errors"] + 1
            out.setdefault("error", f"{type(err).__name__}: {err}")
            continue
        out["parse_failures"] += out[name] is None
    return out


def summarize_judge(records: list[dict[str, Any]]) -> dict[str, Any]:
    judged = [r["judge"] for r in records if isinstance(r.get("judge"), dict)]
    summary: dict[str, Any] = {"turns_judged": len(judged),
                               "parse_failures": sum(j["parse_failures"] for j in judged),
                               "errors": sum(j["errors"] for j in judged)}
    for name in METRICS:
        scores = [j[name] for j in judged if j.get(name) is not None]
        summary[f"{name}_mean"] = round(sum(scores) / len(scores), 4) if scores else None
        summary[f"{name}_scored"] = len(scores)
    return summary


def judge_records(
    records: list[dict[str, Any]], prompts: JudgePrompts, complete: Complete,
    on_turn: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Judge every answered (not refused) turn in place (``record['judge']``); the summary."""
    for record in records:
        if not record.get("refused") and record.get("answer"):
            record["judge"] = judge_record(record, prompts, complete)
        if on_turn:
            on_turn()
    return summarize_judge(records)
