"""The frozen tuning/test split (``eval/splits.yaml``): choices are made on ``tune``, figures are
reported on ``test`` (and ``tune``) so nothing reported was tuned on."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.errors import InputError
from assistant.core.policy import load_yaml_model
from assistant.evaluation.suite import Suite

SplitName = Literal["all", "tune", "test"]


class Splits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    share: float = Field(gt=0, lt=1)
    suites: dict[str, list[str]] = Field(description="suite name -> case ids of the test split")
    retrieval_labels: list[str] = Field(default_factory=list, description="test label ids")


def load_splits(path: Path) -> Splits:
    return load_yaml_model(path, Splits, "eval split file", error=InputError)


def select(suites: list[Suite], splits: Splits, which: SplitName) -> list[Suite]:
    """Only the cases of the chosen split ('all' keeps everything); empty suites are dropped."""
    if which == "all":
        return suites
    chosen = []
    for suite in suites:
        test = set(splits.suites.get(suite.suite, []))
        cases = [c for c in suite.cases if (c.id in test) == (which == "test")]
        if cases:
            chosen.append(suite.model_copy(update={"cases": cases}))
    return chosen


def select_labels(ids: list[str], splits: Splits, which: SplitName) -> set[str]:
    """The label ids of the chosen split."""
    if which == "all":
        return set(ids)
    test = set(splits.retrieval_labels)
    return {i for i in ids if (i in test) == (which == "test")}
