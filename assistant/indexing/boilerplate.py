"""Non-evidence regions of a document (web boilerplate, reference lists), from a data file.

``policies/boilerplate.yaml`` declares three kinds of rules, validated on load:

* ``lines``  - a line whose stripped text fully matches the regex is dropped;
* ``inline`` - the matched text inside a line is dropped (e.g. "(See What Is ...)" links);
* ``blocks`` - a line fully matching ``start`` opens a dropped region that runs to the end of
  the following paragraph (``extent: paragraph``) or to the next line matching ``until``, or the
  end of the file (``extent: section``; used for "References" / "Works cited").

``find_excluded`` returns the dropped spans; the chunker never lets a chunk touch them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.core.errors import PolicyError
from assistant.core.patterns import valid_regex
from assistant.core.policy import load_yaml_model

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    note: str = ""


def _compile(value: str) -> str:
    return valid_regex(value)


class LineRule(_Rule):
    pattern: str
    _check = field_validator("pattern")(_compile)


class InlineRule(_Rule):
    pattern: str
    _check = field_validator("pattern")(_compile)


class BlockRule(_Rule):
    start: str
    extent: Literal["paragraph", "section"]
    until: str | None = None
    kind: Literal["boilerplate", "references"] = "boilerplate"
    _check = field_validator("start", "until")(lambda v: v if v is None else _compile(v))


class BoilerplatePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    lines: list[LineRule] = Field(default_factory=list)
    inline: list[InlineRule] = Field(default_factory=list)
    blocks: list[BlockRule] = Field(default_factory=list)

    def rule_ids(self) -> list[str]:
        return [r.id for r in (*self.lines, *self.inline, *self.blocks)]


@dataclass(frozen=True)
class Excluded:
    """A dropped span ``[start, end)`` of the document text and the rule that dropped it."""

    start: int
    end: int
    rule: str
    kind: str = "boilerplate"


def resolve_policy_path(path: Path) -> Path:
    """A relative path is tried from the working directory, then from the project root."""
    if path.is_absolute() or path.exists():
        return path
    return PACKAGE_ROOT / path


def load_policy(path: Path) -> BoilerplatePolicy:
    """Read and validate the boilerplate policy; any problem is a PolicyError naming the file."""
    path = resolve_policy_path(path)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = -1  # the loader reports the missing or unreadable file
    return _load_policy_cached(path, mtime)


@functools.lru_cache(maxsize=8)
def _load_policy_cached(path: Path, _mtime: int) -> BoilerplatePolicy:
    policy = load_yaml_model(path, BoilerplatePolicy, "boilerplate policy")
    ids = policy.rule_ids()
    if len(ids) != len(set(ids)):
        raise PolicyError(f"boilerplate policy {path} has duplicate rule ids")
    return policy


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # end of the text, newline excluded
    text: str


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        out.append(_Line(pos, pos + len(body), body))
        pos += len(raw)
    return out


def find_excluded(text: str, policy: BoilerplatePolicy) -> list[Excluded]:
    """All dropped spans of ``text``, sorted and non-overlapping."""
    lines = _lines(text)
    spans = _block_spans(lines, policy) + _line_spans(lines, policy)
    spans += _inline_spans(lines, policy)
    return _merge(spans)


def _line_spans(lines: list[_Line], policy: BoilerplatePolicy) -> list[Excluded]:
    rules = [(r.id, re.compile(r.pattern)) for r in policy.lines]
    out = []
    for line in lines:
        stripped = line.text.strip()
        for rule_id, rx in rules:
            if stripped and rx.fullmatch(stripped):
                out.append(Excluded(line.start, line.end, rule_id))
                break
    return out


def _inline_spans(lines: list[_Line], policy: BoilerplatePolicy) -> list[Excluded]:
    out = []
    for rule in policy.inline:
        rx = re.compile(rule.pattern)
        for line in lines:
            for m in rx.finditer(line.text):
                if m.end() > m.start():
                    out.append(Excluded(line.start + m.start(), line.start + m.end(), rule.id))
    return out


def _block_spans(lines: list[_Line], policy: BoilerplatePolicy) -> list[Excluded]:
    out = []
    for rule in policy.blocks:
        start_rx = re.compile(rule.start)
        for i, line in enumerate(lines):
            if line.text.strip() and start_rx.fullmatch(line.text.strip()):
                last = _block_end(lines, i, rule)
                out.append(Excluded(line.start, lines[last].end, rule.id, rule.kind))
    return out


def _block_end(lines: list[_Line], first: int, rule: BlockRule) -> int:
    """Index of the last line of a block opened at ``first``."""
    if rule.extent == "section":
        until = re.compile(rule.until) if rule.until else None
        for j in range(first + 1, len(lines)):
            if until and until.search(lines[j].text):
                return _last_nonblank(lines, first, j)
        return _last_nonblank(lines, first, len(lines))
    seen_body = False
    for j in range(first + 1, len(lines)):
        if lines[j].text.strip():
            seen_body = True
        elif seen_body:
            return j - 1
    return _last_nonblank(lines, first, len(lines))


def _last_nonblank(lines: list[_Line], first: int, stop: int) -> int:
    for j in range(stop - 1, first, -1):
        if lines[j].text.strip():
            return j
    return first


def _merge(spans: list[Excluded]) -> list[Excluded]:
    out: list[Excluded] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out and span.start <= out[-1].end:
            prev = out[-1]
            if span.end > prev.end:
                out[-1] = Excluded(prev.start, span.end, prev.rule, prev.kind)
            continue
        out.append(span)
    return out


def evidence_spans(text: str, excluded: list[Excluded]) -> list[tuple[int, int]]:
    """The complement of ``excluded``: spans of ``text`` that may carry evidence."""
    out, pos = [], 0
    for span in excluded:
        if span.start > pos:
            out.append((pos, span.start))
        pos = max(pos, span.end)
    if pos < len(text):
        out.append((pos, len(text)))
    return out
