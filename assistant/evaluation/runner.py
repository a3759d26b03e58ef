"""Run suites against an Answerer: one fresh conversation per case, one result record per turn."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from assistant.core.errors import IndexMismatch, IndexMissing, InputError, PolicyError
from assistant.core.protocols import Answerer
from assistant.evaluation.checks import Checker
from assistant.evaluation.suite import Case, Suite, TurnSpec

# Configuration problems abort the run; anything else a turn raises is recorded as its failure.
FATAL = (IndexMissing, IndexMismatch, PolicyError)

OnTurn = Callable[[dict[str, Any]], None]


def count_turns(suites: Iterable[Suite]) -> int:
    return sum(len(case.turns) for s in suites for case in s.cases)


def _ask(answerer: Answerer, spec: TurnSpec, session_id: str) -> tuple[dict[str, Any], str | None]:
    """The answer-side fields of the record, or empty ones plus an error message."""
    try:
        answer = answerer.ask(spec.user, session_id)
    except FATAL:
        raise
    except Exception as err:  # one broken turn must not hide the rest of the run
        empty = {"question": spec.user, "standalone_question": "", "answer": "", "body": "",
                 "refused": False,
                 "citations": [], "caveats": [], "retrieved": []}
        return empty, f"{type(err).__name__}: {err}"
    record = answer.record()
    record["question"] = record.get("question") or spec.user
    record["generator"] = answer.generator
    record["notes"] = list(answer.notes)
    return record, None


def run_case(
    suite: Suite, case: Case, answerer: Answerer, checker: Checker, on_turn: OnTurn | None = None
) -> list[dict[str, Any]]:
    """All turns of one case, in order, in one new conversation."""
    session_id = answerer.new_session()
    records = []
    for index, spec in enumerate(case.turns):
        started = time.perf_counter()
        fields, error = _ask(answerer, spec, session_id)
        latency_ms = (time.perf_counter() - started) * 1000
        checks = checker.check(fields, spec.expect, error)
        record = {
            "suite": suite.suite, "case_id": case.id, "turn": index, **fields,
            "latency_ms": round(latency_ms, 2),
            "passed": not checks.failures, "failures": checks.failures,
            "tags": list(case.tags), "expect": spec.expect.model_dump(exclude_defaults=True),
            "checks": checks.as_dict(), "session_id": session_id,
        }
        records.append(record)
        if on_turn:
            on_turn(record)
    return records


def run_suites(
    suites: list[Suite], answerer: Answerer, checker: Checker, on_turn: OnTurn | None = None
) -> list[dict[str, Any]]:
    """Every case of every suite, in file order."""
    return [record for s in suites for case in s.cases
            for record in run_case(s, case, answerer, checker, on_turn)]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    """Write records as JSON Lines atomically (temp file in the same directory, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Result records from a JSON Lines file; a clear InputError when it isn't one."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read results {path}: {err}") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{path}:{number} is not JSON: {err.msg}") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{number} is not a JSON object")
        records.append(record)
    return records
