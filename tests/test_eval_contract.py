"""The repo's copy of the eval contract is the shared one, and the schema follows it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]
COPY = ROOT / "eval" / "eval-contract.md"
SHARED = ROOT.parent / "shared" / "eval-contract.md"
SCHEMA = json.loads((ROOT / "eval" / "contract.schema.json").read_text(encoding="utf-8"))
HEADINGS = ["# Eval contract", "## Suite file (YAML)",
            "## Result file (JSON Lines, one object per turn)"]


def _fenced(text: str, language: str) -> str:
    match = re.search(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert match, f"no ```{language} block in the contract"
    return match.group(1)


def test_repo_copy_is_the_shared_contract_byte_for_byte() -> None:
    copy = COPY.read_bytes()
    if SHARED.is_file():
        assert copy == SHARED.read_bytes(), f"{COPY} differs from {SHARED}: copy it again"
    else:  # outside the shared workspace: the copy must still be the contract document
        headings = [line for line in copy.decode("utf-8").splitlines() if line.startswith("#")]
        assert headings == HEADINGS


def test_contract_examples_fit_the_schema_and_the_suite_loader(tmp_path: Path) -> None:
    from assistant.evaluation.suite import load_suite

    text = COPY.read_text(encoding="utf-8")
    record = json.loads(_fenced(text, "json"))
    jsonschema.validate(record, SCHEMA)
    assert set(SCHEMA["required"]) <= set(record)
    suite = tmp_path / "suite.yaml"
    suite.write_text(_fenced(text, "yaml"), encoding="utf-8")
    loaded = load_suite(suite)
    expect = loaded.cases[0].turns[0].expect
    assert expect.lead_any and expect.lead_none and expect.mention_none
    assert yaml.safe_load(suite.read_text(encoding="utf-8"))["suite"] == loaded.suite
