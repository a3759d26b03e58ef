"""The query vocabulary policy (``policies/query_terms.yaml``): synonyms, the prototypes that
tell a named medical thing from an everyday word, the conditions users state, the signs they
describe conditions by, and the patterns that say what a message pairs or asks."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.patterns import Regex
from assistant.core.policy import load_policy

#: Zipf frequency under which an English word is treated as a named thing (drug, supplement...).
ENTITY_ZIPF = 4.0


class Described(BaseModel):
    """A condition people describe by its signs ("I snore and I'm sleepy all day"): the name
    the documents use for it joins the question's topic."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    signs: list[Regex] = Field(min_length=1)


class QueryTerms(BaseModel):
    """``policies/query_terms.yaml``."""

    model_config = ConfigDict(extra="forbid")

    synonyms: dict[str, str] = Field(default_factory=dict)
    named_prototypes: list[str] = Field(min_length=1)
    general_prototypes: list[str] = Field(min_length=1)
    very_rare_zipf: float = 2.4
    rare_zipf: float = 4.0
    named_margin: float = 0.06
    phrase_margin: float = 0.0
    conditions: list[Regex] = Field(default_factory=list)
    #: How one is, said after a linking verb ("my dreams have gone bonkers", "i feel floaty"):
    #: the word there names no thing the documents lack.
    states: list[Regex] = Field(default_factory=list)
    #: Frames whose first group is the name of a product ("kava tea", "what about kratom?"):
    #: a rare word there the documents never use is a named thing, whatever the embedder
    #: makes of the word alone.
    named_frames: list[Regex] = Field(default_factory=list)
    described: list[Described] = Field(default_factory=list)
    other_languages: list[str] = Field(default_factory=list)
    language_margin: float = Field(1.0, gt=0)
    min_named_terms: int = Field(2, ge=1)
    noise: list[Regex] = Field(default_factory=list)
    focus_max_zipf: float = 0.0
    topic_max_zipf: float = Field(ENTITY_ZIPF, gt=0)
    creative: list[Regex] = Field(default_factory=list)
    creative_preface: str = ""
    pairing: list[Regex] = Field(default_factory=list)
    combining: list[Regex] = Field(default_factory=list)
    joint: list[Regex] = Field(default_factory=list)
    solo: list[Regex] = Field(default_factory=list)


def load_query_terms(policies_dir: Path) -> QueryTerms:
    """``policies_dir/query_terms.yaml``, validated; any problem is a PolicyError."""
    return load_policy(policies_dir, "query_terms.yaml", QueryTerms, "query vocabulary policy")
