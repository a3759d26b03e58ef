"""Report plots as inline base64 PNGs (matplotlib, Agg backend, imported lazily)."""

from __future__ import annotations

import base64
import io
from typing import Any

TAG_METRICS = (
    ("pass_rate", "turns passed"),
    ("caveat_all", "all caveats"),
    ("turns_all_citations_valid", "citations valid"),
    ("source_hit_rate", "source hit"),
    ("lead_pass_rate", "lead"),
)


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def by_tag_png(by_tag: dict[str, dict[str, Any]]) -> str | None:
    """Grouped horizontal bars: a few key shares per tag."""
    if not by_tag:
        return None
    plt = _pyplot()
    tags = list(by_tag)
    height = 0.8 / len(TAG_METRICS)
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.6 * len(tags)))
    try:
        for i, (key, label) in enumerate(TAG_METRICS):
            values = [100 * (by_tag[t].get(key) or 0.0) for t in tags]
            ax.barh([y + i * height for y in range(len(tags))], values, height, label=label)
        ax.set_yticks([y + 0.4 - height / 2 for y in range(len(tags))], tags)
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of turns (missing bars: not measured or 0)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.5 / len(tags)), ncol=4,
                  fontsize="small", frameon=False)
        return _png(fig)
    finally:
        plt.close(fig)


def latency_png(latencies: list[float]) -> str | None:
    """Histogram of per-turn latency."""
    if not latencies:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3))
    try:
        ax.hist(latencies, bins=min(30, max(5, len(latencies) // 2)), color="#4a78b5")
        ax.set_xlabel("latency per turn (ms)")
        ax.set_ylabel("turns")
        return _png(fig)
    finally:
        plt.close(fig)
