"""Load and validate eval suites (YAML, format fixed by the eval contract)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.core.errors import InputError
from assistant.core.patterns import valid_regex
from assistant.core.policy import read_yaml_mapping, validate_mapping


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compile_all(patterns: list[str]) -> list[str]:
    return [valid_regex(p) for p in patterns]


class Expect(_Strict):
    """What a turn's reply must satisfy. Every key is optional."""

    refuse: bool | None = None
    sources_any: list[str] = Field(default_factory=list)
    mention_all: list[str] = Field(default_factory=list)
    mention_none: list[str] = Field(default_factory=list)
    lead_any: list[str] = Field(default_factory=list)
    lead_none: list[str] = Field(default_factory=list)

    _check_regexes = field_validator("mention_all", "mention_none", "lead_any", "lead_none")(
        _compile_all
    )


class TurnSpec(_Strict):
    user: str = Field(min_length=1)
    expect: Expect = Field(default_factory=Expect)


class Case(_Strict):
    # The contract welcomes extra case fields (e.g. off_corpus.yaml's `absent: [...]`).
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    turns: list[TurnSpec] = Field(min_length=1)


class Suite(_Strict):
    suite: str = Field(min_length=1)
    cases: list[Case] = Field(min_length=1)
    path: str = Field("", description="Where the suite was loaded from (not part of the file).")

    @model_validator(mode="after")
    def _unique_case_ids(self) -> Suite:
        counts = Counter(c.id for c in self.cases)
        dupes = sorted(case_id for case_id, n in counts.items() if n > 1)
        if dupes:
            raise ValueError(f"duplicate case ids: {', '.join(dupes)}")
        return self


def load_suite(path: Path) -> Suite:
    """Read and validate one suite file; raise InputError with a clear message if it's bad."""
    raw = read_yaml_mapping(path, "suite file", error=InputError)
    if "path" in raw:
        raise InputError(f"suite file {path}: path: unknown key")
    return validate_mapping({**raw, "path": str(path)}, Suite, path, "suite file",
                            error=InputError)


def load_suites(paths: list[Path]) -> list[Suite]:
    """Load every suite; two files with the same suite name are an error (results would clash)."""
    if not paths:
        raise InputError("no suite files given")
    suites = [load_suite(p) for p in paths]
    names: dict[str, str] = {}
    for s in suites:
        if s.suite in names:
            raise InputError(f"suite name {s.suite!r} is in both {names[s.suite]} and {s.path}")
        names[s.suite] = s.path
    return suites
