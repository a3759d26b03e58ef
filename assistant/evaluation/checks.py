"""Per-turn checks, made independently of what the answerer claims (we read the corpus files).

A turn fails on: a missing caveat (not listed, or listed but not detectable in the answer text),
an invalid citation (unknown source, bad offsets, quote not the file's text, quote shorter than a
clause), an inline marker without a citation, an answerer error, or a missed ``expect``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.core.models import CAVEAT_IDS
from assistant.evaluation.caveats import CaveatPatterns
from assistant.evaluation.corpus import CorpusFiles
from assistant.evaluation.suite import Expect

MARKER = re.compile(r"\[(\d+)\]")
MIN_QUOTE_WORDS = 3
MIN_QUOTE_CHARS = 15


@dataclass
class TurnChecks:
    """Structured verdicts for one turn; stored in the result record under ``checks``."""

    caveats: dict[str, bool] = field(default_factory=dict)
    citations_valid: list[bool] = field(default_factory=list)
    unresolved_markers: list[str] = field(default_factory=list)
    refuse_ok: bool | None = None
    source_hit: bool | None = None
    body_source_hit: bool | None = None  # same, not counting the caveats' own citations
    mention_ok: bool | None = None
    error: str | None = None
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("failures")
        return data


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def citation_problem(citation: dict[str, Any], corpus: CorpusFiles) -> str | None:
    """Why a citation is invalid, or None when its quote is the cited file's text at its offsets."""
    source, quote = str(citation.get("source", "")), str(citation.get("quote", ""))
    start, end = citation.get("start"), citation.get("end")
    text = corpus.text(source)
    if text is None:
        return f"source not in corpus: {_short(source, 40)}"
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
        return f"offsets out of range: {start}:{end}"
    if text[start:end] != quote:
        at = text.find(quote) if quote else -1
        if at >= 0:
            return f"wrong offsets {start}:{end} (quote is at {at}:{at + len(quote)})"
        return f"quote is not in {source}: {_short(quote)!r}"
    if len(quote.split()) < MIN_QUOTE_WORDS or len(quote.strip()) < MIN_QUOTE_CHARS:
        return f"quote too short to be a clause: {quote!r}"
    return None


class Checker:
    """Checks result records against the corpus, the caveat patterns and a turn's ``expect``."""

    def __init__(
        self, corpus: CorpusFiles, caveat_patterns: CaveatPatterns,
        caveat_quotes: frozenset[str] = frozenset(),
    ) -> None:
        self.corpus = corpus
        self.caveat_patterns = caveat_patterns
        self.caveat_quotes = caveat_quotes

    def check(self, record: dict[str, Any], expect: Expect, error: str | None = None) -> TurnChecks:
        out = TurnChecks(error=error)
        if error:
            out.failures.append(f"error: {error}")
        answer = str(record.get("answer", ""))
        citations = [c for c in record.get("citations", []) if isinstance(c, dict)]
        self._caveats(out, answer, record.get("caveats", []))
        self._citations(out, answer, citations)
        self._expect(out, answer, citations, bool(record.get("refused")), expect)
        return out

    def _caveats(self, out: TurnChecks, answer: str, listed: list[str]) -> None:
        for cid in CAVEAT_IDS:
            patterns = self.caveat_patterns.get(cid, [])
            in_text = not patterns or any(p.search(answer) for p in patterns)
            out.caveats[cid] = cid in listed and in_text
            if cid not in listed:
                out.failures.append(f"missing caveat: {cid}")
            elif not in_text:
                out.failures.append(f"caveat {cid} listed but not found in the answer text")

    def _citations(self, out: TurnChecks, answer: str, citations: list[dict[str, Any]]) -> None:
        ids = {str(c.get("id")) for c in citations}
        for marker in dict.fromkeys(MARKER.findall(answer)):
            if marker not in ids:
                out.unresolved_markers.append(marker)
                out.failures.append(f"dangling marker [{marker}]: no citation with that id")
        for c in citations:
            problem = citation_problem(c, self.corpus)
            out.citations_valid.append(problem is None)
            if problem:
                out.failures.append(f"citation [{c.get('id')}]: {problem}")

    def _expect(
        self, out: TurnChecks, answer: str, citations: list[dict[str, Any]], refused: bool,
        expect: Expect,
    ) -> None:
        if expect.refuse is not None:
            out.refuse_ok = refused == expect.refuse
            if not out.refuse_ok:
                out.failures.append(
                    "expected a refusal, got an answer" if expect.refuse
                    else "expected an answer, got a refusal"
                )
        if expect.sources_any:
            cited = {str(c.get("source")) for c in citations}
            out.source_hit = bool(cited & set(expect.sources_any))
            body = {str(c.get("source")) for c in citations
                    if c.get("quote") not in self.caveat_quotes}
            out.body_source_hit = bool(body & set(expect.sources_any))
            if not out.source_hit:
                out.failures.append(f"no citation from any of: {', '.join(expect.sources_any)}")
        if expect.mention_all or expect.mention_none:
            missing = [p for p in expect.mention_all if not re.search(p, answer)]
            forbidden = [(p, m) for p in expect.mention_none if (m := re.search(p, answer))]
            out.mention_ok = not missing and not forbidden
            out.failures += [f"missing mention /{p}/" for p in missing]
            out.failures += [f"forbidden mention /{p}/ (matched {_short(m.group(0), 30)!r})"
                             for p, m in forbidden]
