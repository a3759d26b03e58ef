"""Report plots as inline base64 PNGs (matplotlib, Agg backend, imported lazily)."""

from __future__ import annotations

import base64
import io
from typing import Any


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def failing_by_tag_png(records: list[dict[str, Any]]) -> str | None:
    """Horizontal bars: failing turns per tag, most first, next to each tag's turn count.
    None when nothing fails (a chart of 100 % bars says nothing)."""
    turns: dict[str, int] = {}
    failing: dict[str, int] = {}
    for r in records:
        for tag in r.get("tags") or ["(untagged)"]:
            turns[tag] = turns.get(tag, 0) + 1
            if not r.get("passed"):
                failing[tag] = failing.get(tag, 0) + 1
    if not failing:
        return None
    tags = sorted(failing, key=lambda t: (-failing[t], t))
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.35 * len(tags)))
    try:
        ax.barh(tags, [turns[t] for t in tags], color="#d9d9d9", label="turns with this tag")
        ax.barh(tags, [failing[t] for t in tags], color="#b00020", label="failing")
        for y, t in enumerate(tags):
            ax.text(turns[t], y, f" {failing[t]}/{turns[t]}", va="center", fontsize="small")
        ax.invert_yaxis()
        ax.set_xlabel("turns")
        ax.legend(loc="lower right", fontsize="small", frameon=False)
        return _png(fig)
    finally:
        plt.close(fig)


def tag_pass_rates_png(runs: dict[str, dict[str, dict[str, Any]]]) -> str | None:
    """Grouped bars: pass rate by tag in each run (``eval compare``); tags whose pass rate
    changed come first, then the lowest."""
    tags = sorted({t for by_tag in runs.values() for t in by_tag})
    if not tags or not runs:
        return None

    def rate(name: str, tag: str) -> float:
        return 100 * float(runs[name].get(tag, {}).get("pass_rate") or 0.0)

    names = list(runs)
    tags.sort(key=lambda t: (-abs(rate(names[-1], t) - rate(names[0], t)), rate(names[-1], t)))
    plt = _pyplot()
    height = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.45 * len(tags) * len(names) / 2))
    try:
        for i, name in enumerate(names):
            ax.barh([y + i * height for y in range(len(tags))], [rate(name, t) for t in tags],
                    height, label=name)
        ax.set_yticks([y + 0.4 - height / 2 for y in range(len(tags))], tags)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the tag's turns passed")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08 - 0.4 / len(tags)),
                  ncol=len(names), fontsize="small", frameon=False)
        return _png(fig)
    finally:
        plt.close(fig)


def latency_png(latencies: list[float]) -> str | None:
    """Histogram of per-turn latency with the median and 95th percentile marked."""
    if not latencies:
        return None
    import statistics

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3))
    try:
        ax.hist(latencies, bins=min(30, max(5, len(latencies) // 2)), color="#4a78b5")
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        for value, label, style in ((statistics.median(latencies), "median", "-"),
                                    (p95, "95th percentile", "--")):
            ax.axvline(value, color="#b00020", linestyle=style,
                       label=f"{label}: {value:.0f} ms")
        ax.set_xlabel("latency per turn (ms)")
        ax.set_ylabel("turns")
        ax.legend(fontsize="small", frameon=False)
        return _png(fig)
    finally:
        plt.close(fig)
