"""The one loader for YAML data files: policies, prompt templates, the corpus manifest, suites.

``load_yaml_model`` reads a file, parses it as YAML and validates it into a pydantic model.
Every problem (missing or unreadable file, not UTF-8, invalid YAML, a top level that is not a
mapping, a validation error) raises the given ``AssistantError`` subclass with a one-line
message naming the file and, for validation errors, the field path and the problem; never a
traceback. ``read_yaml_mapping`` and ``validate_mapping`` are its two halves, for callers that
add to the data between reading and validating.

``load_policy`` reads a file of a policies folder the same way, after writing each named word
list of the folder's ``words.yaml`` into the patterns that use it (``{=relative}`` becomes
``(?:mother|mom|…)``), so a list several patterns share is kept in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, Field, RootModel, ValidationError

from assistant.core.errors import AssistantError, PolicyError
from assistant.core.patterns import Regex

M = TypeVar("M", bound=BaseModel)

#: Validation problems listed in one message; the rest are counted.
MAX_PROBLEMS = 5


def read_yaml_mapping(
    path: Path, what: str, error: type[AssistantError] = PolicyError
) -> dict[str, Any]:
    """The top-level mapping of a YAML file (an empty file is an empty mapping)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise error(f"{what} not found: {path}") from None
    except UnicodeDecodeError as err:
        raise error(f"{what} {path} is not UTF-8 text (byte {err.start}: {err.reason})") from None
    except OSError as err:
        raise error(f"cannot read {what} {path}: {err.strerror or err}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise error(f"{what} {path} is not valid YAML: {_yaml_problem(err)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{what} {path}: expected a mapping of keys at the top level, "
                    f"got a {type(data).__name__}")
    return data


def validate_mapping(
    data: dict[str, Any], model: type[M], path: Path, what: str,
    error: type[AssistantError] = PolicyError,
) -> M:
    """``data`` validated as ``model``; a validation error names the file and each field path."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise error(f"{what} {path} is invalid: {describe(err)}") from None


def load_yaml_model(
    path: Path, model: type[M], what: str, error: type[AssistantError] = PolicyError
) -> M:
    """Read ``path`` as YAML and validate it as ``model``; any problem raises ``error``."""
    return validate_mapping(read_yaml_mapping(path, what, error), model, path, what, error)


#: The file of a policies folder that holds its named word lists.
WORDS_FILE = "words.yaml"
#: Where a pattern uses a named word list: ``{=relative}``.
_WORD_REF = re.compile(r"\{=(\w+)\}")


class WordLists(RootModel[dict[Annotated[str, Field(pattern=r"^\w+$")], list[Regex]]]):
    """``words.yaml``: name -> the words (or pattern pieces) of one alternation."""


def load_policy(policies_dir: Path, filename: str, model: type[M], what: str) -> M:
    """``policies_dir/filename`` validated as ``model``, its ``{=name}`` word lists written in.

    The word lists come from ``policies_dir/words.yaml`` (no file: none). A pattern naming a
    list the file does not define is a PolicyError naming both.
    """
    path = Path(policies_dir) / filename
    words = _word_lists(Path(policies_dir) / WORDS_FILE)
    data = _with_words(read_yaml_mapping(path, what), words, path, what)
    return validate_mapping(data, model, path, what)


def _word_lists(path: Path) -> dict[str, str]:
    """The named lists of ``path`` as alternations; read once per version of the file (the
    answer and query policies both use them)."""
    if not path.exists():
        return {}
    stat = path.stat()
    return dict(_read_word_lists(path.resolve(), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _read_word_lists(path: Path, mtime_ns: int, size: int) -> tuple[tuple[str, str], ...]:
    lists = load_yaml_model(path, WordLists, "word lists").root
    empty = [name for name, items in lists.items() if not items]
    if empty:
        raise PolicyError(f"word lists {path}: {', '.join(empty)} has no words")
    return tuple((name, "(?:" + "|".join(items) + ")") for name, items in lists.items())


def _with_words(data: Any, words: Mapping[str, str], path: Path, what: str) -> Any:
    """``data`` with every ``{=name}`` in its strings replaced by that word list."""
    if isinstance(data, dict):
        return {k: _with_words(v, words, path, what) for k, v in data.items()}
    if isinstance(data, list):
        return [_with_words(v, words, path, what) for v in data]
    if not isinstance(data, str) or "{=" not in data:
        return data

    def word_list(m: re.Match[str]) -> str:
        if m.group(1) not in words:
            known = ", ".join(sorted(words)) or f"none: no {WORDS_FILE} beside it"
            raise PolicyError(f"{what} {path}: unknown word list {m.group(0)} (known: {known})")
        return words[m.group(1)]

    return _WORD_REF.sub(word_list, data)


def describe(err: ValidationError) -> str:
    """``field.path: problem; ...`` for the first few problems of a validation error."""
    problems = err.errors()
    parts = []
    for e in problems[:MAX_PROBLEMS]:
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        parts.append(f"{where}: {msg.removeprefix('Value error, ')}")
    if len(problems) > MAX_PROBLEMS:
        parts.append(f"and {len(problems) - MAX_PROBLEMS} more")
    return "; ".join(parts)


def _yaml_problem(err: yaml.YAMLError) -> str:
    if isinstance(err, yaml.MarkedYAMLError) and err.problem_mark is not None:
        mark = err.problem_mark
        problem = err.problem or err.context or "syntax error"
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(err).replace("\n", " ")
