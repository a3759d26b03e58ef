"""The weights of ``policies/answer.yaml`` (``weights:``): how a sentence is scored against the
question and how the lead and the supporting points are chosen (``compose.scoring``,
``compose.lead``, ``compose.select``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    similarity: float = Field(0.55, ge=0)
    coverage: float = Field(0.35, ge=0)
    numbers: float = Field(0.05, ge=0)
    kind: float = Field(0.08, ge=0)
    #: For a sentence about a risk the user states about themselves ("my kidneys are not
    #: great"); a risk that is only the question's topic ("cramps during pregnancy") counts
    #: ``risk_topic`` instead: its word already counts in coverage.
    risk: float = Field(0.15, ge=0)
    risk_topic: float = Field(0.15, ge=0)
    core_term: float = Field(0.3, ge=0, le=1)
    #: An everyday word of the question ("take", "help", "need") counts this much in coverage.
    everyday_term: float = Field(1.0, ge=0, le=1)
    #: Choosing the lead only: a bonus for a sentence of the asked kind, and for the share of
    #: the question's focus terms it names (added to its score, never a hard filter).
    lead_kind: float = Field(0.08, ge=0)
    lead_focus: float = Field(0.1, ge=0)
    #: ... and the weight of the fitted term (``Scored.answers``: how far its wording answers
    #: the question's) when it chooses the lead.
    lead_fit: float = Field(1.0, ge=0)
    #: ... and a malus for the sentence the previous answer already quoted (a follow-up asks
    #: for something more; it may still lead when nothing else comes close).
    lead_repeat: float = Field(0.0, ge=0)
    #: Choosing the lead: a hub sentence (one close to the corpus as a whole: "The American
    #: College of Oncology emphasizes … clonazepam … magnesium glycinate at 120mg …" is near
    #: every question on the two subjects) loses this much per unit of its similarity to the
    #: corpus centroid above ``hub_floor``; evidence on a risk the user states does not.
    hub: float = Field(0.0, ge=0)
    hub_floor: float = Field(0.4, ge=-1, le=1)
    #: A sentence opening the answer to a question heading ("I get vivid dreams on
    #: magnesium—is that normal or should I stop?") gains up to this much when the user's
    #: question is that close to the heading (similarity above ``asked_floor``, scaled to 1)
    #: and asks for the same kind of answer, or a kind the heading does not name.
    asked: float = Field(0.0, ge=0)
    asked_floor: float = Field(0.8, ge=-1, lt=1)
    #: A risk that leads only when ``asked`` (``Risk.leads``), for a question asking no kind:
    #: its evidence leads when it is within this much of the closest unit (score + answers).
    risk_margin: float = Field(0.1, ge=0)
