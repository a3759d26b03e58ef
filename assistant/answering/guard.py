"""The caveat guard: every reply ends with all three safety caveats, each with a corpus citation.

The policy lives in ``policies/caveats.yaml`` and is validated on load: a backing quote that is
not exact text of its source file, or a note line its own check would not recognise, is a
start-up error. A cited sentence carries a caveat only when it names the caveat's subject AND
makes its claim ("stop clonazepam abruptly", not "stop magnesium cold turkey"). The Safety notes
block always lists all three, whatever the body says. The guard only looks at the reply it is
given (never at the user's message), so nothing a user says can switch it off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.core.errors import PolicyError
from assistant.core.models import CAVEAT_IDS, Citation, Draft, Guarded
from assistant.core.patterns import valid_regex
from assistant.core.policy import load_yaml_model
from assistant.core.settings import Settings
from assistant.text.sentences import split_claims

MARKER = re.compile(r"\[(\d+)\]")
#: In a claim pattern, stands for any of the caveat's subject terms.
SUBJECT_SLOT = "{subject}"


class CaveatSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    label: str = Field(min_length=1)
    source: str = Field(min_length=1)
    quote: str = Field(min_length=15)
    subject: list[str] = Field(min_length=1)
    claims: list[str] = Field(min_length=1)

    @field_validator("subject")
    @classmethod
    def _compile_subject(cls, patterns: list[str]) -> list[str]:
        return [valid_regex(p) for p in patterns]

    @field_validator("claims")
    @classmethod
    def _compile_claims(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            valid_regex(p.replace(SUBJECT_SLOT, "(?:subject)"))
        return patterns


class CaveatPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    heading: str = "Safety notes"
    caveats: list[CaveatSpec]

    @field_validator("caveats")
    @classmethod
    def _all_three(cls, caveats: list[CaveatSpec]) -> list[CaveatSpec]:
        ids = [c.id for c in caveats]
        if sorted(ids) != sorted(CAVEAT_IDS):
            raise ValueError(f"caveat ids must be exactly {list(CAVEAT_IDS)}, got {ids}")
        return caveats


@dataclass(frozen=True)
class _Resolved:
    spec: CaveatSpec
    subject: tuple[re.Pattern[str], ...]
    claims: tuple[re.Pattern[str], ...]
    citation: Citation  # id is a placeholder, renumbered per reply

    def carried_by(self, sentence: str) -> bool:
        """The sentence names the subject and makes the claim about it."""
        return (any(p.search(sentence) for p in self.subject)
                and any(p.search(sentence) for p in self.claims))

    def note(self, marker: str) -> str:
        """The caveat's line in the Safety notes block."""
        return f"- {self.spec.label} {self.spec.quote} [{marker}]."


def load_policy(settings: Settings, titles: dict[str, str] | None = None) -> list[_Resolved]:
    """Read and validate the caveat policy against the corpus files."""
    path = Path(settings.policies_dir) / "caveats.yaml"
    policy = load_yaml_model(path, CaveatPolicy, "caveat policy")
    return [_resolve(spec, settings, titles or {}) for spec in policy.caveats]


def _resolve(spec: CaveatSpec, settings: Settings, titles: dict[str, str]) -> _Resolved:
    file = Path(settings.corpus_dir) / spec.source
    try:
        text = file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PolicyError(f"caveat {spec.id!r}: cannot read backing source {file}: {err}") from None
    start = text.find(spec.quote)
    if start < 0:
        raise PolicyError(
            f"caveat {spec.id!r}: backing quote is not in {spec.source}: {spec.quote!r}"
        )
    citation = Citation(id="0", source=spec.source, title=titles.get(spec.source, spec.source),
                        section="", quote=spec.quote, start=start, end=start + len(spec.quote))
    subject = "(?:" + "|".join(f"(?:{p})" for p in spec.subject) + ")"
    resolved = _Resolved(
        spec=spec, citation=citation,
        subject=tuple(re.compile(p, re.IGNORECASE) for p in spec.subject),
        claims=tuple(re.compile(p.replace(SUBJECT_SLOT, subject), re.IGNORECASE)
                     for p in spec.claims))
    if not resolved.carried_by(resolved.note("1")):
        raise PolicyError(f"caveat {spec.id!r}: its own note line has no subject and claim its "
                          f"check recognises: {resolved.note('1')!r}")
    return resolved


class CaveatGuard:
    """Finds the caveats a reply carries; appends all three as cited Safety notes."""

    def __init__(self, policy: list[_Resolved], heading: str = "Safety notes") -> None:
        self._policy = policy
        self._heading = heading

    @classmethod
    def from_settings(cls, settings: Settings, titles: dict[str, str] | None = None) -> CaveatGuard:
        return cls(load_policy(settings, titles))

    def detect(self, text: str, citations: list[Citation]) -> list[str]:
        """Caveat ids carried by a sentence that also has a marker resolving to a citation."""
        known = {c.id for c in citations}
        found: set[str] = set()
        for unit in split_claims(text):
            if not any(m in known for m in MARKER.findall(unit)):
                continue
            found.update(item.spec.id for item in self._policy if item.carried_by(unit))
        return [cid for cid in CAVEAT_IDS if cid in found]

    def apply(self, draft: Draft) -> Guarded:
        body = draft.text.strip()
        citations = list(draft.citations)
        notes = [item.note(_citation_id(citations, item.citation)) for item in self._policy]
        answer = f"{body}\n\n**{self._heading}**\n" + "\n".join(notes)
        return Guarded(body=body, answer=answer, citations=citations,
                       caveats=self.detect(answer, citations))


def _citation_id(citations: list[Citation], wanted: Citation) -> str:
    """Reuse a citation of the same span, else append one with the next free id."""
    for c in citations:
        if (c.source, c.start, c.end) == (wanted.source, wanted.start, wanted.end):
            return c.id
    next_id = str(max((int(c.id) for c in citations if c.id.isdigit()), default=0) + 1)
    citations.append(wanted.model_copy(update={"id": next_id}))
    return next_id
