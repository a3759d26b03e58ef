"""Rewrite a follow-up into a standalone question with the configured chat model.

Uses ``prompts/condense.yaml``. Any failure (backend down, slow, empty or implausible output)
falls back to the rule-based condenser, so a question is never lost.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from assistant.answering.prompts import CANNOT_ANSWER, PromptTemplate, load_named_prompt
from assistant.core.models import Turn
from assistant.core.protocols import Condenser
from assistant.core.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

log = logging.getLogger(__name__)
MAX_ANSWER_CHARS = 400  # of each earlier answer shown to the model
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def format_history(history: list[Turn]) -> str:
    lines = []
    for turn in history:
        answer = turn.answer.split("\n\n")[0][:MAX_ANSWER_CHARS]
        lines.append(f"User: {turn.standalone_question}\nAssistant: {answer}")
    return "\n".join(lines)


class LLMCondenser:
    """``condense(message, history) -> str``, by the LLM when there is history to resolve."""

    def __init__(self, settings: Settings, fallback: Condenser, *,
                 chat_model: BaseChatModel | None = None,
                 prompt: PromptTemplate | None = None) -> None:
        from assistant.answering.generators.backends import make_chat_model

        self.fallback = fallback
        self.prompt = prompt or load_named_prompt(settings.prompts_dir, "condense")
        self.chat_model = chat_model or make_chat_model(settings)
        self.last_note = ""

    def condense(self, message: str, history: list[Turn]) -> str:
        if not history:
            return self.fallback.condense(message, history)
        system, user = self.prompt.render(history=format_history(history), question=message)
        try:
            from langchain_core.messages import HumanMessage, SystemMessage

            reply = self.chat_model.invoke([SystemMessage(content=system),
                                            HumanMessage(content=user)])
            rewritten = clean_rewrite(_text(reply.content), message)
        except Exception as err:  # any failure: rule-based condenser
            log.info("LLM condense failed (%s); using the rule-based condenser", err)
            self.last_note = f"LLM condense failed ({type(err).__name__}); used rules"
            return self.fallback.condense(message, history)
        self.last_note = ""
        return rewritten


def clean_rewrite(reply: str, message: str) -> str:
    """The rewritten question, or ValueError if it is empty or implausible."""
    lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
    if not lines:
        raise ValueError("empty rewrite")
    text = re.sub(r"^(?:standalone question|question)\s*:\s*", "", lines[0], flags=re.I)
    text = text.strip().strip('"“”\'').strip()
    if not text or CANNOT_ANSWER.lower() in text.lower():
        raise ValueError("no question in the rewrite")
    if len(text) > 3 * len(message) + 300:
        raise ValueError("rewrite too long")
    lost = set(NUMBER.findall(message)) - set(NUMBER.findall(text))
    if lost:
        raise ValueError(f"rewrite dropped the number(s) {sorted(lost)}")
    return text


def _text(content: Any) -> str:
    from assistant.answering.generators.llm import content_text

    return content_text(content)
