"""Chat-model backends built on LangChain: any OpenAI-compatible server, or Ollama.

Both are opt-in (``settings.llm.generator``); the default assistant never touches the network.
Imports of the LangChain integrations happen inside the functions.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from assistant.core.errors import BackendUnavailable, InputError
from assistant.core.settings import LLMSettings, Settings

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"
#: Sent when the endpoint needs no key (llama.cpp server, vLLM, LM Studio ...).
PLACEHOLDER_KEY = "not-needed"
MAX_RETRIES = 0  # a failed answer falls back to the extractive one at once


def backend_url(llm: LLMSettings) -> str:
    """The URL the configured backend talks to (for messages and notes)."""
    if llm.base_url:
        return llm.base_url
    return OLLAMA_DEFAULT_URL if llm.generator == "ollama" else OPENAI_DEFAULT_URL


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The LangChain chat model for ``settings.llm`` (generator 'openai' or 'ollama')."""
    llm = settings.llm
    if llm.generator == "extractive":
        raise InputError("the extractive generator uses no language model")
    if not llm.model:
        raise InputError(f"the {llm.generator} generator needs a model name: pass --model NAME "
                         "or set ASSISTANT_LLM__MODEL")
    if llm.generator == "ollama":
        return _ollama(llm)
    return _openai(llm)


def _openai(llm: LLMSettings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    key = os.environ.get("OPENAI_API_KEY")
    if not key and not llm.base_url:
        raise BackendUnavailable(
            "OPENAI_API_KEY is not set: set it to use api.openai.com, or pass --base-url for a "
            "local OpenAI-compatible server (llama.cpp, vLLM) that needs no key")
    return ChatOpenAI(
        model=str(llm.model),
        base_url=backend_url(llm),
        api_key=SecretStr(key or PLACEHOLDER_KEY),
        timeout=llm.timeout_s,
        max_retries=MAX_RETRIES,
        temperature=llm.temperature,
        stream_usage=False,
    )


def _ollama(llm: LLMSettings) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=str(llm.model),
        base_url=backend_url(llm),
        temperature=llm.temperature,
        client_kwargs={"timeout": llm.timeout_s},
    )
