"""The Verifier: keeps the sentences of an LLM reply that their cited passages support."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.answering.verify.claims import Claim, parse_reply
from assistant.answering.verify.lexicon import Lexicon
from assistant.answering.verify.policy import VerifyPolicy, load_policy
from assistant.answering.verify.spans import MIN_QUOTE_CHARS, clause_spans, sentence_spans
from assistant.core.models import Chunk, Citation
from assistant.core.protocols import Embedder
from assistant.indexing.untrusted import overlaps


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

    def __init__(self, embedder: Embedder, min_support: float, policy: VerifyPolicy,
                 instructions: Sequence[re.Pattern[str]] = ()) -> None:
        self.embedder = embedder
        self.min_support = min_support
        self.lexicon = Lexicon(policy, instructions)
        self.min_coverage = policy.min_coverage
        self._cache: dict[str, _Passage] = {}

    @classmethod
    def from_settings(cls, settings: Any, embedder: Embedder) -> Verifier:
        from assistant.indexing.untrusted import load_untrusted

        policy = load_policy(Path(settings.policies_dir) / "verify.yaml")
        return cls(embedder, settings.llm.min_support, policy, load_untrusted(settings)[1])

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
            clean = [s for s in spans if not self.lexicon.is_instruction(chunk.text[s[0]:s[1]])
                     and not overlaps(chunk.flagged, chunk.start + s[0], chunk.start + s[1])]
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
