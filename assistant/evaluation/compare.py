"""Compare two runs: metrics side by side with deltas, and the turns whose verdict flipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.evaluation.metrics import SPECS, Value, compute, format_value, most_repeated

Record = dict[str, Any]
TurnKey = tuple[str, str, int]


@dataclass
class MetricDelta:
    key: str
    label: str
    old: Value
    new: Value
    delta: float | None
    better: bool | None  # None: unchanged or not comparable


@dataclass
class Comparison:
    metrics: list[MetricDelta]
    broke: list[Record] = field(default_factory=list)  # passed before, fail now (new records)
    fixed: list[Record] = field(default_factory=list)  # failed before, pass now (new records)
    only_old: list[TurnKey] = field(default_factory=list)
    only_new: list[TurnKey] = field(default_factory=list)
    #: (sentence, answers containing it, answered turns) of each run
    repeated: tuple[tuple[str | None, int, int], ...] = ()


def _key(r: Record) -> TurnKey:
    return str(r.get("suite")), str(r.get("case_id")), int(r.get("turn", 0))


def compare(old: list[Record], new: list[Record]) -> Comparison:
    before, after = compute(old), compute(new)
    deltas = []
    for spec in SPECS:
        a, b = before[spec.key], after[spec.key]
        delta = None if a is None or b is None else round(float(b) - float(a), 4)
        better = None if not delta else (delta > 0) == spec.higher_is_better
        deltas.append(MetricDelta(spec.key, spec.label, a, b, delta, better))
    old_by, new_by = {_key(r): r for r in old}, {_key(r): r for r in new}
    result = Comparison(metrics=deltas, repeated=(most_repeated(old), most_repeated(new)))
    for key, r in new_by.items():
        if key not in old_by:
            result.only_new.append(key)
        elif old_by[key].get("passed") and not r.get("passed"):
            result.broke.append(r)
        elif not old_by[key].get("passed") and r.get("passed"):
            result.fixed.append(r)
    result.only_old = [k for k in old_by if k not in new_by]
    return result


def format_delta(d: MetricDelta) -> str:
    if d.delta is None:
        return "—"
    kind = next(s.kind for s in SPECS if s.key == d.key)
    if kind == "share":
        return f"{100 * d.delta:+.1f} pt"
    return f"{d.delta:+.1f}" if kind == "ms" else f"{d.delta:+g}"


def render(result: Comparison, old_name: str, new_name: str) -> list[Any]:
    """Rich renderables: the metrics table, then the flipped turns."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Metrics")
    for column in ("metric", escape(old_name), escape(new_name), "delta"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for d in result.metrics:
        style = "" if d.better is None else ("green" if d.better else "red")
        table.add_row(escape(d.label), format_value(d.key, d.old), format_value(d.key, d.new),
                      format_delta(d), style=style)
    flips = Table(title="Turns that flipped")
    for column in ("change", "suite", "case", "turn", "reasons now"):
        flips.add_column(column)
    for label, style, rows in (("pass → fail", "red", result.broke),
                               ("fail → pass", "green", result.fixed)):
        for r in rows:
            cells = (str(r.get("suite")), str(r.get("case_id")), str(r.get("turn")),
                     "; ".join(r.get("failures", [])) or "—")
            flips.add_row(label, *(escape(c) for c in cells), style=style)
    out: list[Any] = [table]
    for name, (sentence, count, total) in zip((old_name, new_name), result.repeated, strict=False):
        out.append(Text(f"Most-repeated body sentence in {name}: "
                        + (f"{count} of {total} answers: {sentence}" if sentence else "none")))
    out.append(flips if flips.row_count else "No turn flipped.")
    if result.only_old or result.only_new:
        out.append(Text(f"{len(result.only_old)} turns only in {old_name}, "
                        f"{len(result.only_new)} only in {new_name}."))
    return out
