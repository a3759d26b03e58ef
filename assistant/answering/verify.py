"""Citation verification of LLM replies.

An LLM reply is split into sentences with ``[n]`` markers. A sentence is kept only when

1. it carries a marker pointing at a passage it was given (out-of-range markers are dropped);
2. it does not advise stopping a benzodiazepine (policy, whatever it cites);
3. the numbers/doses and drug/supplement names it states occur in a cited passage;
4. its meaning is close to a cited passage: embedding cosine similarity between the sentence and
   the best sentence span (or pair of adjacent sentences) of the passage >= ``min_support``.

Instruction-like spans in passages ("ignore previous instructions ...") are flagged and never
used as support or quoted. Each kept marker becomes a citation whose quote is the best-matching
span of the passage with exact file offsets (``chunk.start`` + offset within ``chunk.text``).
Policy data (names, units, patterns) lives in ``prompts/verify.yaml``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.answering.prompts import CANNOT_ANSWER
from assistant.core.errors import PolicyError
from assistant.core.models import Chunk, Citation
from assistant.core.patterns import valid_regex
from assistant.core.protocols import Embedder

MARKER_RE = re.compile(r"\s*\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
NUMBER_RE = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+)(?![\d])\s*(?:-|–|to)?\s*"
)
MIN_QUOTE_CHARS = 25
LIST_PREFIX = re.compile(r"^(?:\s*(?:[-*•]|\d{1,2}[.)])(?:\s+|$)|\s*\*\*[^*]{1,30}:?\*\*:?\s*)+")
RISKY_START = re.compile(r"(?i)\b(?:ignore|disregard|forget|override|tell|instruct|system)\b")


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
    """``prompts/verify.yaml``: names, units and patterns the verifier uses."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: int = Field(ge=1)
    drug_groups: list[list[str]] = Field(min_length=1)
    drug_suffix_pattern: str
    units: dict[str, list[str]] = Field(min_length=1)
    stop_advice: StopAdvicePolicy
    instruction_patterns: list[str] = Field(min_length=1)
    negation_pattern: str
    min_coverage: float = Field(ge=0.0, le=1.0)

    @field_validator("drug_suffix_pattern", "instruction_patterns", "negation_pattern")
    @classmethod
    def _compiles(cls, value: Any) -> Any:
        return _compile_all(value)


@dataclass(frozen=True)
class Claim:
    """One sentence of a reply: its text without markers and the passage numbers it cites."""

    text: str
    markers: tuple[int, ...]


@dataclass
class Decision:
    claim: Claim
    kept: bool
    reason: str = ""
    support: float = 0.0
    cites: list[tuple[int, tuple[int, int]]] = field(default_factory=list)  # (passage idx, span)


@dataclass
class VerifiedReply:
    """The verifier's verdict on a whole reply."""

    decisions: list[Decision]
    text: str
    citations: list[Citation]
    cannot_answer: bool
    flagged_passages: list[int]

    @property
    def kept(self) -> int:
        return sum(d.kept for d in self.decisions)

    @property
    def total(self) -> int:
        return len(self.decisions)

    @property
    def too_little(self) -> bool:
        """Fewer than one supported sentence, or fewer than half of them supported."""
        return self.kept < 1 or 2 * self.kept < self.total

    def notes(self) -> list[str]:
        removed = [d for d in self.decisions if not d.kept]
        notes = []
        if removed:
            reasons = "; ".join(d.reason for d in removed)
            notes.append(f"verification removed {len(removed)} of {self.total} sentence(s): "
                         f"{reasons}")
        if self.flagged_passages:
            ids = ", ".join(f"[{i + 1}]" for i in self.flagged_passages)
            notes.append(f"passage(s) {ids} contain instruction-like text; treated as data only")
        return notes


def load_policy(path: Path) -> VerifyPolicy:
    """Load and validate ``prompts/verify.yaml``; any problem is a PolicyError."""
    import yaml

    if not path.is_file():
        raise PolicyError(f"verification policy not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return VerifyPolicy.model_validate(data)
    except yaml.YAMLError as err:
        raise PolicyError(f"verification policy {path} is not valid YAML: {err}") from None
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise PolicyError(f"verification policy {path} is invalid: {problems}") from None


# ---------------------------------------------------------------- sentence spans


def _segment(text: str) -> list[str]:
    import pysbd

    return list(pysbd.Segmenter(language="en", clean=False).segment(text))


def _shared_spans(text: str) -> list[tuple[int, int]] | None:
    """Spans from the chunking engineer's ``text.normalize.split_sentences`` if present."""
    try:
        from assistant.text.normalize import split_sentences
    except ImportError:
        return None
    try:
        spans = [(int(a), int(b)) for a, b in split_sentences(text, 0)]
    except (TypeError, ValueError):
        return None
    ok = all(0 <= a <= b <= len(text) for a, b in spans)
    return spans if ok else None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``, whitespace-trimmed; lines never merge."""
    spans = _shared_spans(text)
    if spans is None:
        spans = []
        for line in re.finditer(r"[^\n]+", text):
            cursor = line.start()
            for piece in _segment(line.group(0)):
                piece = piece.strip()
                if not piece:
                    continue
                at = text.find(piece, cursor, line.end())
                if at < 0:  # segmenter changed the text: take the rest of the line
                    spans.append((cursor, line.end()))
                    break
                spans.append((at, at + len(piece)))
                cursor = at + len(piece)
    return [(s, e) for s, e in (_trim(text, a, b) for a, b in spans) if e > s]


CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[—–-])\s+(?=(?:and|but|which|while|though|although|"
                          r"so|because|whereas|with|particularly|especially)\b)|[;—]\s*"
                          r"|\t+|\s+\|\s+")  # table cells are clauses too


def clause_spans(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """Clauses of a long sentence (each at least MIN_QUOTE_CHARS), for finer support windows."""
    start, end = span
    if end - start < 2 * MIN_QUOTE_CHARS:
        return []
    cuts = list(CLAUSE_BREAK.finditer(text, start, end))
    if not cuts:
        return []
    bounds = [start] + [m.end() for m in cuts] + [end]
    ends = [m.start() for m in cuts] + [end]
    out = []
    for a, b in zip(bounds[:-1], ends, strict=True):
        a, b = _trim(text, a, b)
        if b - a >= MIN_QUOTE_CHARS:
            out.append((a, b))
    return [c for c in out if c != span]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in "•·*-–"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# ---------------------------------------------------------------- reply parsing


def _is_cannot_answer(sentence: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[^a-z]+", " ", s.lower()).strip()

    return norm(CANNOT_ANSWER) in norm(sentence)


def parse_reply(reply: str) -> tuple[list[Claim], bool]:
    """Claims of a reply and whether it used the CANNOT_ANSWER phrase."""
    pieces: list[str] = []
    for line in reply.splitlines():
        for sentence in _segment(line):
            sentence = sentence.strip()
            if not sentence:
                continue
            lead = re.match(r"^(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+", sentence)
            if lead and pieces:  # "Claim. [1]" split after the period: marker belongs before
                pieces[-1] += " " + lead.group(0)
                sentence = sentence[lead.end():].strip()
            if sentence:
                pieces.append(sentence)
    claims: list[Claim] = []
    cannot = False
    for piece in pieces:
        markers = tuple(int(n) for m in MARKER_RE.finditer(piece)
                        for n in re.split(r"\s*[,;]\s*", m.group(1)))
        text = MARKER_RE.sub("", piece).strip()
        text = re.sub(r"\s+([.!?;:,])", r"\1", text)
        text = LIST_PREFIX.sub("", text)  # "- claim", "2. claim", "**Answer:** claim"
        if _is_cannot_answer(text):
            cannot = True
            continue
        if not markers and text.endswith(":"):
            continue  # a lead-in ("Here is what the passages say:"), not a claim
        if re.search(r"\w", text):
            claims.append(Claim(text=text, markers=markers))
    return claims, cannot


# ---------------------------------------------------------------- lexical checks


class Lexicon:
    """Compiled policy: numbers with units, drug names, stop advice, instruction patterns."""

    def __init__(self, policy: VerifyPolicy) -> None:
        alias = {a.lower(): unit for unit, aliases in policy.units.items() for a in aliases}
        ordered = sorted(alias, key=len, reverse=True)
        self._unit_alias = alias
        self._unit_re = re.compile(
            r"(?:" + "|".join(re.escape(a) for a in ordered) + r")(?![a-z])", re.IGNORECASE
        )
        self._groups = [tuple(n.lower() for n in g) for g in policy.drug_groups]
        names = sorted({n for g in self._groups for n in g}, key=len, reverse=True)
        self._name_re = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b",
                                   re.IGNORECASE)
        self._suffix_re = re.compile(policy.drug_suffix_pattern)
        self._stop = policy.stop_advice
        self._instructions = [re.compile(p) for p in policy.instruction_patterns]
        self._negation = re.compile(policy.negation_pattern)

    def negated(self, text: str) -> bool:
        return bool(self._negation.search(text))

    def quantities(self, text: str) -> set[tuple[float, str | None]]:
        """(value, normalized unit or None) for every number in the text."""
        found: set[tuple[float, str | None]] = set()
        for m in NUMBER_RE.finditer(text):
            value = float(m.group(1).replace(",", ""))
            unit_m = self._unit_re.match(text, m.end())
            unit = self._unit_alias[unit_m.group(0).lower()] if unit_m else None
            found.add((value, unit))
        return found

    def missing_quantities(self, sentence: str, evidence: str) -> list[str]:
        have = self.quantities(evidence)
        values = {v for v, _ in have}
        missing = []
        for value, unit in sorted(self.quantities(sentence), key=lambda q: q[0]):
            ok = (value, unit) in have if unit else value in values
            if unit and not ok:  # "120 to 240 mg", or a table cell wrapped between 2 and hours
                ok = (value, None) in have and self._has_unit(evidence, unit)
            if not ok:
                missing.append(f"{value:g}{' ' + unit if unit else ''}")
        return missing

    def _has_unit(self, text: str, unit: str) -> bool:
        return any(self._unit_alias[m.group(0).lower()] == unit
                   for m in re.finditer(r"(?<![a-z])" + self._unit_re.pattern, text, re.I))

    def _name_keys(self, text: str) -> set[str]:
        keys = set()
        for m in self._name_re.finditer(text):
            word = m.group(0).lower()
            keys.add(next(g[0] for g in self._groups if word in g))
        keys |= {m.group(0).lower() for m in self._suffix_re.finditer(text)}
        return keys

    def missing_names(self, sentence: str, evidence: str) -> list[str]:
        return sorted(self._name_keys(sentence) - self._name_keys(evidence))

    @staticmethod
    def coverage(sentence: str, evidence: str) -> float:
        """Share of the sentence's content words (5-letter stems) that occur in the evidence."""
        from assistant.answering.vocabulary import content_words

        have = {w[:5] for w in content_words(evidence)}
        words = content_words(sentence)
        return sum(w[:5] in have for w in words) / len(words) if words else 1.0

    def advises_stopping_benzo(self, sentence: str) -> bool:
        if not re.search(self._stop.drug, sentence) or re.search(self._stop.taper, sentence):
            return False
        return any(not re.search(self._stop.negation_before_verb, sentence[: m.start()])
                   for m in re.finditer(self._stop.verb, sentence))

    def may_turn_unsafe(self, partial: str) -> bool:
        """An unfinished sentence that could still become stop advice or injected text."""
        return bool(re.search(self._stop.verb, partial) or RISKY_START.search(partial))

    def is_unsafe(self, sentence: str) -> bool:
        return self.advises_stopping_benzo(sentence) or self.is_instruction(sentence)

    def is_instruction(self, text: str) -> bool:
        return any(p.search(text) for p in self._instructions)


# ---------------------------------------------------------------- the verifier


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


@dataclass
class _Passage:
    windows: list[tuple[int, int]]  # candidate support spans in chunk.text
    vectors: list[list[float]]
    evidence: str  # text (instruction spans removed) + title: names and wording
    body: str  # text (instruction spans removed): numbers and doses
    flagged: bool


class Verifier:
    """Checks an LLM reply against the passages it was given. Reusable and thread-compatible."""

    def __init__(self, embedder: Embedder, min_support: float, policy: VerifyPolicy) -> None:
        self.embedder = embedder
        self.min_support = min_support
        self.lexicon = Lexicon(policy)
        self.min_coverage = policy.min_coverage
        self._cache: dict[str, _Passage] = {}

    @classmethod
    def from_settings(cls, settings: Any, embedder: Embedder) -> Verifier:
        policy = load_policy(Path(settings.prompts_dir) / "verify.yaml")
        return cls(embedder, settings.llm.min_support, policy)

    def passage_is_flagged(self, chunk: Chunk) -> bool:
        return self._passage(chunk).flagged

    def _passage(self, chunk: Chunk) -> _Passage:
        return self._passages([chunk])[0]

    def _passages(self, chunks: Sequence[Chunk]) -> list[_Passage]:
        """Support windows of each chunk, embedded in one batch for the ones not cached."""
        todo: dict[str, tuple[Chunk, list[tuple[int, int]], list[tuple[int, int]], bool]] = {}
        for chunk in chunks:
            if chunk.id in self._cache or chunk.id in todo:
                continue
            spans = sentence_spans(chunk.text)
            clean = [s for s in spans if not self.lexicon.is_instruction(chunk.text[s[0]:s[1]])]
            windows = list(clean)
            windows += [(a[0], b[1]) for a, b in itertools.pairwise(clean)
                        if chunk.text[a[1]:b[0]].count("\n") == 0]
            windows += [c for s in clean for c in clause_spans(chunk.text, s)]
            todo[chunk.id] = (chunk, clean, windows, len(clean) < len(spans))
        texts = [c.text[a:b] for c, _, windows, _ in todo.values() for a, b in windows]
        vectors = self.embedder.embed(texts) if texts else []
        found = {c.id: self._cache[c.id] for c in chunks if c.id in self._cache}
        at = 0
        for cid, (chunk, clean, windows, flagged) in todo.items():
            body = " ".join(chunk.text[a:b] for a, b in clean)
            found[cid] = _Passage(windows, vectors[at:at + len(windows)],
                                  f"{body}\n{chunk.title}", body, flagged)
            at += len(windows)
        if len(self._cache) + len(todo) > 4096:
            self._cache.clear()
        self._cache.update(found)
        return [found[c.id] for c in chunks]

    def similarity(self, sentence: str, chunk: Chunk) -> tuple[float, tuple[int, int] | None]:
        """Best cosine between the sentence and a support window of the chunk, and that window."""
        passage = self._passage(chunk)
        if not passage.windows:
            return -1.0, None
        (vec,) = self.embedder.embed([sentence])
        return self._best(vec, passage)

    @staticmethod
    def _best(vec: Sequence[float], passage: _Passage) -> tuple[float, tuple[int, int] | None]:
        scores = [_cosine(vec, v) for v in passage.vectors]
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return scores[order[0]], passage.windows[order[0]]

    def _support(self, vec: Sequence[float], passage: _Passage, text: str, negated: bool
                 ) -> tuple[float, tuple[int, int], bool]:
        """(score, window, same negation) for the best window. Only the best one: a weaker
        window that happens to agree in polarity would let negation flips through."""
        score, window = self._best(vec, passage)
        assert window is not None
        return score, window, self.lexicon.negated(text[window[0]:window[1]]) == negated

    def verify(self, reply: str, chunks: Sequence[Chunk]) -> VerifiedReply:
        claims, cannot = parse_reply(reply)
        passages = self._passages(chunks)
        vectors = self.embedder.embed([c.text for c in claims]) if claims else []
        decisions = [self._decide(c, v, chunks, passages)
                     for c, v in zip(claims, vectors, strict=True)]
        text, citations = self._render(decisions, chunks)
        flagged = [i for i, p in enumerate(passages) if p.flagged]
        return VerifiedReply(decisions, text, citations, cannot, flagged)

    def _decide(self, claim: Claim, vec: Sequence[float], chunks: Sequence[Chunk],
                passages: list[_Passage]) -> Decision:
        if not claim.markers:
            return Decision(claim, False, "no citation marker")
        valid = sorted({m for m in claim.markers if 1 <= m <= len(chunks)})
        if not valid:
            bad = ", ".join(f"[{m}]" for m in claim.markers)
            return Decision(claim, False, f"marker {bad} points at no passage (have "
                                          f"{len(chunks)})")
        if self.lexicon.advises_stopping_benzo(claim.text):
            return Decision(claim, False, "policy: advises stopping a benzodiazepine")
        negated = self.lexicon.negated(claim.text)
        scored = [(*self._support(vec, passages[m - 1], chunks[m - 1].text, negated), m)
                  for m in valid if passages[m - 1].windows]
        best = max((s for s, _, _, _ in scored), default=-1.0)
        supporting = [(m, w) for s, w, _, m in scored if s >= self.min_support]
        if not supporting:
            return Decision(claim, False, f"not supported by cited passage (similarity "
                                          f"{best:.2f} < {self.min_support:.2f})", best)
        evidence = "\n".join(passages[m - 1].evidence for m, _ in supporting)
        coverage = self.lexicon.coverage(claim.text, evidence)
        if coverage < self.min_coverage:
            return Decision(claim, False, f"words not in cited passage (coverage "
                                          f"{coverage:.2f} < {self.min_coverage:.2f})", best)
        same_polarity = [(m, w) for s, w, ok, m in scored if s >= self.min_support and ok]
        if not same_polarity:
            return Decision(claim, False, "negation differs from the cited passage", best)
        supporting = same_polarity
        body = "\n".join(passages[m - 1].body for m, _ in supporting)
        missing = self.lexicon.missing_quantities(claim.text, body)
        if missing:
            return Decision(claim, False, f"number/dose not in cited passage: "
                                          f"{', '.join(missing)}", best)
        names = self.lexicon.missing_names(claim.text, evidence)
        if names:
            return Decision(claim, False, f"name not in cited passage: {', '.join(names)}", best)
        cites = [(m - 1, _quote_window(chunks[m - 1].text, w, passages[m - 1].windows))
                 for m, w in supporting]
        return Decision(claim, True, "", best, cites)

    @staticmethod
    def _render(decisions: list[Decision], chunks: Sequence[Chunk]) -> tuple[str, list[Citation]]:
        ids: dict[tuple[int, tuple[int, int]], str] = {}
        citations: list[Citation] = []
        sentences = []
        for d in (d for d in decisions if d.kept):
            marks = []
            for key in d.cites:
                if key not in ids:
                    ids[key] = str(len(ids) + 1)
                    chunk, (a, b) = chunks[key[0]], key[1]
                    citations.append(Citation(
                        id=ids[key], source=chunk.source, title=chunk.title,
                        section=" > ".join(chunk.section), quote=chunk.text[a:b],
                        start=chunk.start + a, end=chunk.start + b))
                marks.append(f"[{ids[key]}]")
            body = d.claim.text
            end = body[-1] if body[-1] in ".!?" else "."
            sentences.append(f"{body.rstrip('.!?').rstrip()} {''.join(marks)}{end}")
        return " ".join(sentences), citations


def _quote_window(text: str, window: tuple[int, int], windows: list[tuple[int, int]]
                  ) -> tuple[int, int]:
    """The window itself, or (if it is shorter than a clause) the window joined to the next."""
    if window[1] - window[0] >= MIN_QUOTE_CHARS:
        return window
    longer = [w for w in windows if w[0] == window[0] and w[1] > window[1]]
    return min(longer, key=lambda w: w[1]) if longer else window
