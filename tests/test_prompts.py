"""Prompt templates are data files, validated on load: clear PolicyErrors for every defect."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.prompts import (
    ANSWER,
    CANNOT_ANSWER,
    CONDENSE,
    load_named_prompt,
    load_prompt,
    template_variables,
)
from assistant.core.errors import PolicyError

REPO = Path(__file__).resolve().parent.parent
GOOD_USER = "Passages:\n{passages}\n\nQuestion: {question}"
GOOD_SYSTEM = "Answer only from passages; else say exactly: {cannot_answer}"


def write(tmp_path: Path, **fields: object) -> Path:
    import yaml

    data = {"name": "answer", "version": 1, "system": GOOD_SYSTEM, "user": GOOD_USER}
    data.update(fields)
    path = tmp_path / "answer.yaml"
    path.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None}))
    return path


def test_repo_prompts_load_and_render() -> None:
    answer = load_named_prompt(REPO / "prompts", "answer")
    system, user = answer.render(passages="<passage id=\"1\">x</passage>", question="Q?",
                                 cannot_answer=CANNOT_ANSWER)
    assert CANNOT_ANSWER in system and CANNOT_ANSWER in user
    assert '<passage id="1">x</passage>' in user and "Question: Q?" in user
    assert "{" not in system + user  # every variable filled, no stray braces
    condense = load_named_prompt(REPO / "prompts", "condense")
    _, user = condense.render(history="User: a\nAssistant: b", question="and then?")
    assert "User: a" in user and "and then?" in user


def test_missing_required_variable_is_policy_error(tmp_path: Path) -> None:
    path = write(tmp_path, user="Question: {question}")  # no {passages}
    with pytest.raises(PolicyError, match=r"missing required variable.*\{passages\}"):
        load_prompt(path, ANSWER)


def test_missing_cannot_answer_phrase_is_policy_error(tmp_path: Path) -> None:
    path = write(tmp_path, system="Answer from the passages.")
    with pytest.raises(PolicyError, match=r"'system'.*\{cannot_answer\}"):
        load_prompt(path, ANSWER)


def test_unknown_variable_is_policy_error(tmp_path: Path) -> None:
    path = write(tmp_path, user=GOOD_USER + " {histroy}")
    with pytest.raises(PolicyError, match=r"unknown variable.*\{histroy\}"):
        load_prompt(path, ANSWER)


def test_condense_requires_history(tmp_path: Path) -> None:
    path = tmp_path / "condense.yaml"
    path.write_text("name: condense\nversion: 1\nsystem: Rewrite.\nuser: 'Q: {question}'\n")
    with pytest.raises(PolicyError, match=r"\{history\}"):
        load_prompt(path, CONDENSE)


@pytest.mark.parametrize("defect, message", [
    ({"user": "Passages {passages} {question"}, "not a valid template"),
    ({"system": None}, "system"),
    ({"extra": "x"}, "extra"),
    ({"name": "condense"}, "expected 'answer'"),
    ({"version": 0}, "version"),
])
def test_malformed_prompt_is_policy_error(tmp_path: Path, defect: dict[str, object],
                                          message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        load_prompt(write(tmp_path, **defect), ANSWER)


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        load_named_prompt(tmp_path, "answer")
    (tmp_path / "answer.yaml").write_text("name: [unclosed\n")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_named_prompt(tmp_path, "answer")
    (tmp_path / "answer.yaml").write_text("- just\n- a list\n")
    with pytest.raises(PolicyError, match="mapping"):
        load_named_prompt(tmp_path, "answer")
    with pytest.raises(PolicyError, match="unknown prompt kind"):
        load_named_prompt(tmp_path, "nope")


def test_literal_braces_are_allowed_when_doubled() -> None:
    assert template_variables("JSON like {{\"a\": 1}} for {question}") == {"question"}
