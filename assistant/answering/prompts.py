"""Prompt templates as data files (``prompts/*.yaml``), loaded and validated at start-up.

A template has a ``system`` and a ``user`` part using ``str.format`` variables. Each prompt kind
declares the variables each part must use and the ones it may use; a missing or unknown variable,
a malformed template or a missing file is a ``PolicyError`` with a message naming the file.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.answering.refusal import CANNOT_ANSWER
from assistant.core.errors import PolicyError
from assistant.core.policy import load_yaml_model

# The ONE refusal phrase (answering.refusal): the answer prompt tells an LLM to use it
# when the passages don't answer, the reply parser looks for it, and every refusal starts with it.
__all__ = ["CANNOT_ANSWER"]


@dataclass(frozen=True)
class PromptKind:
    """Which variables each part of a prompt must use (required) and may use (allowed)."""

    name: str
    system_required: frozenset[str]
    user_required: frozenset[str]
    allowed: frozenset[str]


ANSWER = PromptKind(
    "answer",
    system_required=frozenset({"cannot_answer"}),
    user_required=frozenset({"passages", "question"}),
    allowed=frozenset({"passages", "question", "cannot_answer"}),
)
CONDENSE = PromptKind(
    "condense",
    system_required=frozenset(),
    user_required=frozenset({"history", "question"}),
    allowed=frozenset({"history", "question"}),
)
KINDS = {kind.name: kind for kind in (ANSWER, CONDENSE)}


class PromptTemplate(BaseModel):
    """One validated prompt file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: int = Field(ge=1)
    system: str = Field(min_length=1)
    user: str = Field(min_length=1)

    def render(self, **values: str) -> tuple[str, str]:
        """The (system, user) messages with every variable filled in."""
        return self.system.format(**values), self.user.format(**values)


def template_variables(template: str) -> set[str]:
    """Names of the ``{variables}`` a format string uses (ValueError if it is malformed)."""
    names: set[str] = set()
    for _, field, spec, _ in string.Formatter().parse(template):
        if field is None:
            continue
        names.add(field)
        if spec:
            names |= template_variables(spec)
    return names


def _check_part(path: Path, part: str, text: str, required: frozenset[str],
                allowed: frozenset[str]) -> None:
    try:
        used = template_variables(text)
    except ValueError as err:
        raise PolicyError(f"prompt {path}: '{part}' is not a valid template ({err}); "
                          "write literal braces as {{ and }}") from None
    unknown = sorted(used - allowed)
    if unknown:
        raise PolicyError(f"prompt {path}: '{part}' uses unknown variable(s) "
                          f"{', '.join('{' + u + '}' for u in unknown)}; "
                          f"allowed: {', '.join('{' + a + '}' for a in sorted(allowed))}")
    missing = sorted(required - used)
    if missing:
        raise PolicyError(f"prompt {path}: '{part}' is missing required variable(s) "
                          f"{', '.join('{' + m + '}' for m in missing)}")


def load_prompt(path: Path, kind: PromptKind) -> PromptTemplate:
    """Load and validate one prompt file of the given kind."""
    prompt = load_yaml_model(path, PromptTemplate, "prompt")
    if prompt.name != kind.name:
        raise PolicyError(f"prompt {path} is named {prompt.name!r}, expected {kind.name!r}")
    _check_part(path, "system", prompt.system, kind.system_required, kind.allowed)
    _check_part(path, "user", prompt.user, kind.user_required, kind.allowed)
    return prompt


def load_named_prompt(prompts_dir: Path, name: str) -> PromptTemplate:
    """``prompts_dir/<name>.yaml``, validated as the prompt kind of that name."""
    if name not in KINDS:
        raise PolicyError(f"unknown prompt kind {name!r}; known: {', '.join(sorted(KINDS))}")
    return load_prompt(Path(prompts_dir) / f"{name}.yaml", KINDS[name])
