"""Answer generators: the extractive composer (default, offline) or an LLM with verification.

``make_generator(settings, embedder=..., extractive=...)`` returns the generator chosen by
``settings.llm.generator``. Nothing heavy is imported until an LLM backend is requested.
"""

from __future__ import annotations

from assistant.core.protocols import Embedder, Generator
from assistant.core.settings import Settings


def make_generator(settings: Settings, *, embedder: Embedder, extractive: Generator) -> Generator:
    """The configured generator; LLM ones fall back to ``extractive`` when they fail."""
    if settings.llm.generator == "extractive":
        return extractive
    from assistant.answering.generators.backends import make_chat_model
    from assistant.answering.generators.llm import LLMGenerator

    return LLMGenerator(make_chat_model(settings), embedder, extractive, settings)


__all__ = ["make_generator"]
