"""Metrics over result records (overall, per tag, per suite), computed from each record's checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from assistant.core.models import CAVEAT_IDS
from assistant.evaluation.quality import body_sentences, sentence_key

Record = dict[str, Any]
EXAMPLES = 40
Value = float | int | None


@dataclass(frozen=True)
class MetricSpec:
    key: str
    label: str
    kind: Literal["share", "count", "ms"]
    higher_is_better: bool


SPECS: tuple[MetricSpec, ...] = (
    MetricSpec("turns", "turns", "count", True),
    MetricSpec("pass_rate", "turns passed", "share", True),
    MetricSpec("case_pass_rate", "cases passed (all turns)", "share", True),
    *(MetricSpec(f"caveat_{c}", f"caveat {c} present", "share", True) for c in CAVEAT_IDS),
    MetricSpec("caveat_all", "all three caveats present", "share", True),
    MetricSpec("citations", "citations", "count", True),
    MetricSpec("citation_validity", "citations valid (exact quote+offsets)", "share", True),
    MetricSpec("turns_all_citations_valid", "turns with all citations valid", "share", True),
    MetricSpec("unresolved_markers", "unresolved [n] markers", "count", False),
    MetricSpec("refusal_accuracy", "refusal accuracy (expect refuse)", "share", True),
    MetricSpec("false_refusal_rate", "false refusals (expect answer)", "share", False),
    MetricSpec("source_hit_rate", "source hit (sources_any, body citations)", "share", True),
    MetricSpec("mention_pass_rate", "mentions pass (all/none, body)", "share", True),
    MetricSpec("lead_pass_rate", "lead pass (lead_any/none)", "share", True),
    MetricSpec("answered", "answered turns (not refused)", "count", True),
    MetricSpec("repeated_sentence_share", "most-repeated body sentence (share of answered)",
               "share", False),
    MetricSpec("header_rows", "table header rows shown (body lines)", "count", False),
    MetricSpec("fragments", "dangling fragments shown (body sentences)", "count", False),
    MetricSpec("turns_with_fragments", "answered turns showing a fragment", "share", False),
    MetricSpec("conflicts_flagged", "conflicts flagged (answers, notes 'conflict:')", "count",
               True),
    MetricSpec("errors", "answerer errors", "count", False),
    MetricSpec("latency_p50_ms", "latency p50 (ms)", "ms", False),
    MetricSpec("latency_p95_ms", "latency p95 (ms)", "ms", False),
)
SPEC_BY_KEY = {s.key: s for s in SPECS}


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _share(records: list[Record], pred: Callable[[Record], bool | None]) -> float | None:
    """Share of records where pred is True, among those where it isn't None."""
    verdicts = [v for v in (pred(r) for r in records) if v is not None]
    return round(sum(verdicts) / len(verdicts), 4) if verdicts else None


def _checks(record: Record) -> dict[str, Any]:
    checks = record.get("checks")
    return checks if isinstance(checks, dict) else {}


def _expects_refuse(record: Record, value: bool) -> bool:
    return isinstance(record.get("expect"), dict) and record["expect"].get("refuse") is value


def _caveat(cid: str) -> Callable[[Record], bool]:
    return lambda r: bool(_checks(r).get("caveats", {}).get(cid))


def answered(records: list[Record]) -> list[Record]:
    """Turns that gave an answer: not refused, no answerer error, a non-empty body."""
    return [r for r in records if not r.get("refused") and not _checks(r).get("error")
            and str(r.get("body") or "").strip()]


def most_repeated(records: list[Record]) -> tuple[str | None, int, int]:
    """The body sentence found in the most answered turns (as first shown), in how many, of how
    many answered turns. Sentences are compared by ``sentence_key`` (markers, bullets, case,
    spacing and final punctuation ignored); a sentence counts once per answer."""
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    answers = answered(records)
    for r in answers:
        keys: dict[str, str] = {}
        for sentence in body_sentences(str(r.get("body"))):
            keys.setdefault(sentence_key(sentence), sentence)
        for key, sentence in keys.items():
            counts[key] = counts.get(key, 0) + 1
            shown.setdefault(key, sentence)
    if not counts:
        return None, 0, len(answers)
    top = max(counts, key=lambda k: (counts[k], k))
    return shown[top], counts[top], len(answers)


def _quality_count(records: list[Record], key: str) -> int | None:
    """Total of a per-turn quality list over answered turns (None: not measured in this run)."""
    lists = [v for r in answered(records) if isinstance(v := _checks(r).get(key), list)]
    return sum(len(v) for v in lists) if lists else None


def _conflicts(record: Record) -> bool:
    return any(str(n).lower().startswith("conflict:") for n in record.get("notes") or [])


def _case_pass_rate(records: list[Record]) -> float | None:
    cases: dict[tuple[str, str], bool] = {}
    for r in records:
        key = (str(r.get("suite")), str(r.get("case_id")))
        cases[key] = cases.get(key, True) and bool(r.get("passed"))
    return round(sum(cases.values()) / len(cases), 4) if cases else None


def compute(records: list[Record]) -> dict[str, Value]:
    """The metrics of SPECS over some records (shares in 0..1, None when nothing to measure)."""
    valid = [v for r in records for v in _checks(r).get("citations_valid", [])]
    latencies = [float(r.get("latency_ms", 0.0)) for r in records]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    answers, (_, top, _) = answered(records), most_repeated(records)
    out: dict[str, Value] = {
        "turns": len(records),
        "pass_rate": _share(records, lambda r: bool(r.get("passed"))),
        "case_pass_rate": _case_pass_rate(records),
        **{f"caveat_{c}": _share(records, _caveat(c)) for c in CAVEAT_IDS},
        "caveat_all": _share(records, lambda r: all(_caveat(c)(r) for c in CAVEAT_IDS)),
        "citations": len(valid),
        "citation_validity": round(sum(valid) / len(valid), 4) if valid else None,
        "turns_all_citations_valid": _share(
            records, lambda r: all(_checks(r).get("citations_valid", []))
        ),
        "unresolved_markers": sum(len(_checks(r).get("unresolved_markers", [])) for r in records),
        "refusal_accuracy": _share(
            [r for r in records if _expects_refuse(r, True)], lambda r: bool(r.get("refused"))
        ),
        "false_refusal_rate": _share(
            [r for r in records if _expects_refuse(r, False)], lambda r: bool(r.get("refused"))
        ),
        "source_hit_rate": _share(records, lambda r: _checks(r).get("source_hit")),
        "mention_pass_rate": _share(records, lambda r: _checks(r).get("mention_ok")),
        "lead_pass_rate": _share(records, lambda r: _checks(r).get("lead_ok")),
        "answered": len(answers),
        "repeated_sentence_share": round(top / len(answers), 4) if answers else None,
        "header_rows": _quality_count(records, "header_rows"),
        "fragments": _quality_count(records, "fragments"),
        "turns_with_fragments": _share(answers, lambda r: None if _checks(r).get("fragments")
                                       is None else bool(_checks(r)["fragments"])),
        "conflicts_flagged": sum(1 for r in answers if _conflicts(r)),
        "errors": sum(1 for r in records if _checks(r).get("error")),
        "latency_p50_ms": round(p50, 1) if p50 is not None else None,
        "latency_p95_ms": round(p95, 1) if p95 is not None else None,
    }
    return out


def _group(records: list[Record], key: Callable[[Record], list[str]]) -> dict[str, list[Record]]:
    groups: dict[str, list[Record]] = {}
    for r in records:
        for name in key(r):
            groups.setdefault(name, []).append(r)
    return dict(sorted(groups.items()))


def summarize(records: list[Record]) -> dict[str, Any]:
    """Overall, per-tag and per-suite metrics (the body of metrics.json)."""
    by_tag = _group(records, lambda r: [str(t) for t in r.get("tags", [])] or ["(untagged)"])
    by_suite = _group(records, lambda r: [str(r.get("suite", "?"))])
    sentence, count, total = most_repeated(records)
    return {
        "overall": compute(records),
        "by_tag": {tag: compute(rs) for tag, rs in by_tag.items()},
        "by_suite": {name: compute(rs) for name, rs in by_suite.items()},
        "repeated_sentence": {"sentence": sentence, "answers": count, "answered": total},
        "quality_examples": quality_examples(records),
    }


def quality_examples(records: list[Record], limit: int = EXAMPLES) -> dict[str, list[str]]:
    """Header rows and fragments shown, each as ``suite/case/turn: text`` (at most ``limit``)."""
    out: dict[str, list[str]] = {"header_rows": [], "fragments": []}
    for r in answered(records):
        where = f"{r.get('suite')}/{r.get('case_id')}/{r.get('turn')}"
        for key, items in out.items():
            items += [f"{where}: {text}" for text in _checks(r).get(key) or []]
    return {key: items[:limit] for key, items in out.items()}


def format_value(key: str, value: Value, kind: str | None = None) -> str:
    """A metric as people read it: shares as percentages, latencies in ms."""
    if value is None:
        return "—"
    kind = kind or (SPEC_BY_KEY[key].kind if key in SPEC_BY_KEY else "count")
    if kind == "share":
        return f"{100 * value:.1f}%"
    if kind == "ms":
        return f"{value:.1f}"
    return str(value)
