"""Known wrong refusals: the gate's ratchet (``eval/gate_known.yaml``).

The CI gate fails on every wrong refusal in the refusal suites except the turns listed here,
each with the reason and the issue that owns it. Only refusal failures can be listed: a missing
caveat or a bad citation can never be. A listed turn that now refuses correctly also fails the
gate until it is taken off the list, so the list only shrinks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.errors import InputError
from assistant.core.policy import load_yaml_model

Key = tuple[str, str, int]


class KnownFailure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    suite: str = Field(min_length=1)
    case: str = Field(min_length=1)
    turn: int = Field(0, ge=0)
    why: str = Field(min_length=10, description="What goes wrong and which issue owns the fix.")

    @property
    def key(self) -> Key:
        return (self.suite, self.case, self.turn)


class KnownFailures(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    known: list[KnownFailure] = Field(default_factory=list)


def load_known(path: Path | None) -> KnownFailures:
    """The list at ``path`` (no path: an empty list). A bad file is an InputError."""
    if path is None:
        return KnownFailures()
    return load_yaml_model(path, KnownFailures, "known gate failures file", error=InputError)


def record_key(record: dict[str, Any]) -> Key:
    return (str(record.get("suite")), str(record.get("case_id")), int(record.get("turn", 0)))


@dataclass(frozen=True)
class Ratchet:
    failing: list[dict[str, Any]]  # gate failures that are not excused
    excused: list[dict[str, Any]]  # known wrong refusals, still failing as listed
    stale: list[KnownFailure]  # listed turns that ran and no longer fail: take them off


def apply_known(records: Iterable[dict[str, Any]], failures: Iterable[dict[str, Any]],
                promise_broken: Iterable[dict[str, Any]], known: KnownFailures) -> Ratchet:
    """Split gate failures into excused and failing; find listed turns that pass now."""
    listed = {k.key: k for k in known.known}
    broken = {record_key(r) for r in promise_broken}
    failing: list[dict[str, Any]] = []
    excused: list[dict[str, Any]] = []
    failed_keys: set[Key] = set()
    for record in failures:
        key = record_key(record)
        failed_keys.add(key)
        (excused if key in listed and key not in broken else failing).append(record)
    ran = {record_key(r) for r in records}
    stale = [k for key, k in listed.items() if key in ran and key not in failed_keys]
    return Ratchet(failing=failing, excused=excused, stale=stale)
