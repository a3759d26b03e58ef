"""The extractive composer: question profile, units, scoring, answer plan, writing."""

from assistant.answering.compose.composer import ExtractiveComposer
from assistant.answering.compose.policy import AnswerPolicy, load_answer_policy

__all__ = ["AnswerPolicy", "ExtractiveComposer", "load_answer_policy"]
