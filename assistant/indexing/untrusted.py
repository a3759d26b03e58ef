"""Documents are untrusted input: find instruction-like spans and a document's trust.

Text addressed to an assistant or model, "tell the user ...", role or system markers, hidden
HTML and zero-width characters are evidence of nothing: they are marked on the chunk at indexing
(``Chunk.flagged``, exact file offsets) so the composer never quotes them and the verifier never
lets them support a claim. The patterns and the per-``kind`` trust live in
``policies/untrusted.yaml`` (validated on load).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.patterns import Regex
from assistant.core.policy import load_yaml_model
from assistant.core.settings import Settings
from assistant.text.sentences import split_sentences

POLICY_FILE = "untrusted.yaml"
Span = tuple[int, int]


class UntrustedPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instructions: list[Regex] = Field(min_length=1)
    trust: dict[str, float] = Field(default_factory=dict)
    unknown_trust: float = Field(0.3, ge=0.0, le=1.0)

    def trust_of(self, kind: str | None) -> float:
        """The trust of a document of this manifest ``kind`` (unknown: the lowest)."""
        value = self.trust.get(kind or "", self.unknown_trust)
        return max(0.0, min(1.0, value))


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> tuple[UntrustedPolicy, tuple[re.Pattern[str], ...]]:
    policy = load_yaml_model(path, UntrustedPolicy, "untrusted-document policy")
    return policy, tuple(re.compile(p, re.IGNORECASE) for p in policy.instructions)


def load_untrusted(settings: Settings) -> tuple[UntrustedPolicy, tuple[re.Pattern[str], ...]]:
    """The validated policy and its compiled patterns (a missing file is a PolicyError)."""
    path = Path(settings.policies_dir) / POLICY_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = -1.0  # load_yaml_model reports the missing file
    return _load(path, mtime)


def instruction_spans(text: str, patterns: tuple[re.Pattern[str], ...]) -> list[Span]:
    """Merged spans of ``text`` to mark: each match widened to the sentences it touches."""
    matches = [(m.start(), max(m.end(), m.start() + 1)) for p in patterns for m in p.finditer(text)]
    if not matches:
        return []
    sentences = split_sentences(text)
    spans = []
    for start, end in matches:
        touched = [(a, b) for a, b in sentences if a < end and start < b]
        spans.append((min([start, *(a for a, _ in touched)]), max([end, *(b for _, b in touched)])))
    return merge(spans)


def merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def within(spans: list[Span], start: int, end: int) -> list[Span]:
    """The parts of ``spans`` inside ``[start, end)``."""
    return [(max(a, start), min(b, end)) for a, b in spans if a < end and start < b]


def overlaps(spans: list[Span] | list[list[int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in spans)
