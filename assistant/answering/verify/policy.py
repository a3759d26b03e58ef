"""The verification policy (``policies/verify.yaml``): its model and its loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.core.patterns import valid_regex
from assistant.core.policy import load_yaml_model


def _compile_all(value: Any) -> Any:
    for pattern in value if isinstance(value, list) else [value]:
        valid_regex(pattern)
    return value


class StopAdvicePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verb: str
    drug: str
    negation_before_verb: str
    taper: str

    @field_validator("verb", "drug", "negation_before_verb", "taper")
    @classmethod
    def _compiles(cls, value: Any) -> Any:
        return _compile_all(value)


class VerifyPolicy(BaseModel):
    """``policies/verify.yaml``: names, units and patterns the verifier uses."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: int = Field(ge=1)
    drug_groups: list[list[str]] = Field(min_length=1)
    drug_suffix_pattern: str
    units: dict[str, list[str]] = Field(min_length=1)
    stop_advice: StopAdvicePolicy
    negation_pattern: str
    min_coverage: float = Field(ge=0.0, le=1.0)

    @field_validator("drug_suffix_pattern", "negation_pattern")
    @classmethod
    def _compiles(cls, value: Any) -> Any:
        return _compile_all(value)


def load_policy(path: Path) -> VerifyPolicy:
    """Load and validate ``policies/verify.yaml``; any problem is a PolicyError."""
    return load_yaml_model(path, VerifyPolicy, "verification policy")
