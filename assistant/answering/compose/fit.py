"""Fitted lead weights: how far a unit's wording answers a question's, learned from examples.

The hand-written lead rules (``lead.lead_pool``) decide which units may lead; among them the
best by ``lead.lead_value`` leads. Similarity to the question favours a neighbouring sentence
on the same topic over the one that answers ("how long before bed?" -> a sentence on doses).
A low-rank bilinear form over the embedding model's vectors, fitted on the tuning probes
(questions with the sentence a good answer leads with, ``eval/probes/fit_lead.py``), adds
what similarity misses: which kinds of sentence answer which kinds of question::

    answers(q, u) = q · (diagonal ∘ u) + (Q q) · (W u)

The same value orders the supporting points (``select.plan_answer``); the rules still decide
which units may be points at all. It is a validated data file (``policies/lead_fit.yaml``) for
one embedding model; without the file, or for another model, every unit's ``answers`` is 0
and the rules alone choose.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.core.policy import load_yaml_model

FILE_NAME = "lead_fit.yaml"


class LeadFit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The embedding model (``settings.embedding.model``) whose vectors the weights read.
    model: str = Field(min_length=1)
    dimension: int = Field(ge=1)
    #: Where the weights came from (data and command), for the reader.
    fitted_on: str = ""
    diagonal: list[float]
    #: ``rank`` rows of ``dimension`` weights each: the question's and the unit's projections.
    question: list[list[float]]
    unit: list[list[float]]

    @model_validator(mode="after")
    def _shapes(self) -> LeadFit:
        if len(self.diagonal) != self.dimension:
            raise ValueError(f"diagonal has {len(self.diagonal)} weights, not {self.dimension}")
        if len(self.question) != len(self.unit):
            raise ValueError("question and unit need the same number of rows (the rank)")
        for name, rows in (("question", self.question), ("unit", self.unit)):
            if any(len(row) != self.dimension for row in rows):
                raise ValueError(f"every {name} row needs {self.dimension} weights")
        return self


class AnswerFit:
    """The weights as arrays; ``scores`` rates units' vectors against a question's."""

    def __init__(self, fit: LeadFit) -> None:
        self.model = fit.model
        self.dimension = fit.dimension
        self._diagonal = np.asarray(fit.diagonal, dtype=np.float32)
        self._question = np.asarray(fit.question, dtype=np.float32).reshape(-1, fit.dimension)
        self._unit = np.asarray(fit.unit, dtype=np.float32).reshape(-1, fit.dimension)

    def scores(self, question: np.ndarray, units: np.ndarray) -> np.ndarray:
        """One value per row of ``units`` (shape n x dimension) for the question vector."""
        if question.shape[-1] != self.dimension or units.shape[-1] != self.dimension:
            return np.zeros(len(units), dtype=np.float32)
        projected = self._question @ question
        result: np.ndarray = (units @ (question * self._diagonal)
                              + (units @ self._unit.T) @ projected)
        return result


def load_answer_fit(policies_dir: Path, model: str) -> AnswerFit | None:
    """``policies_dir/lead_fit.yaml`` when it exists and was fitted for ``model``, else None;
    a file that is there but invalid is a PolicyError."""
    path = Path(policies_dir) / FILE_NAME
    if not path.is_file():
        return None
    fit = load_yaml_model(path, LeadFit, "lead fit")
    return AnswerFit(fit) if fit.model == model else None
