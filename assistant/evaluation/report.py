"""Write ``report.md``, a self-contained ``report.html`` and ``metrics.json`` for a run."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from assistant.evaluation import plots
from assistant.evaluation.metrics import SPECS, format_value
from assistant.evaluation.report_template import HTML
from assistant.text.markup import render_text_block

Record = dict[str, Any]
TAG_COLUMNS = {"turns": "turns", "pass_rate": "passed", "caveat_all": "3 caveats",
               "turns_all_citations_valid": "cites valid", "refusal_accuracy": "refusal acc.",
               "false_refusal_rate": "false refusals", "source_hit_rate": "source hit",
               "mention_pass_rate": "mentions", "lead_pass_rate": "lead",
               "repeated_sentence_share": "top sentence", "header_rows": "header rows",
               "fragments": "fragments", "latency_p50_ms": "p50 ms"}
TAG_KEYS = tuple(TAG_COLUMNS)
JUDGE_KEYS = ("turns_judged", "faithfulness_mean", "faithfulness_scored", "relevance_mean",
              "relevance_scored", "parse_failures", "errors")
RETRIEVAL_KEYS = ("labels", "scored", "hit@1", "hit@5", "recall@1", "recall@5", "mrr")
SAFETY_HEADING = re.compile(r"^\s*\**\s*safety notes?\s*\**\s*:?\s*\**\s*$", re.I | re.M)
PREVIEW_CHARS = 240


def _md_cell(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |",
             "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]


def _fence(text: str) -> list[str]:
    fence = "```"
    while fence in text:
        fence += "`"
    return [fence + "text", text, fence]


def _metric_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    suites = summary["by_suite"]
    return [{"label": s.label, "overall": format_value(s.key, summary["overall"][s.key]),
             "suites": [format_value(s.key, suites[n][s.key]) for n in suites]} for s in SPECS]


def _tag_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"tag": tag, "cells": [format_value(k, m[k]) for k in TAG_KEYS]}
            for tag, m in summary["by_tag"].items()]


def _failing(records: list[Record]) -> list[Record]:
    out = []
    for r in records:
        if r.get("passed"):
            continue
        valid = r.get("checks", {}).get("citations_valid", [])
        citations = [{**c, "_valid": valid[i] if i < len(valid) else True}
                     for i, c in enumerate(r.get("citations", []))]
        out.append({**r, "citations": citations})
    return out


def rendered_answer(record: Record, prefix: str) -> Markup:
    """The reply as the web chat shows it: body, then the safety notes in their own box (all
    text escaped by ``render_text_block``; markers link to the citation rows)."""
    answer = str(record.get("answer", ""))
    body = str(record.get("body") or "")
    if not body or not answer.startswith(body):
        body = answer
    notes = SAFETY_HEADING.sub("", answer[len(body):]).strip()
    ids = {str(c.get("id")) for c in record.get("citations", [])}
    html = f'<div class="body">{render_text_block(body, ids, prefix)}</div>'
    if notes:
        html += ('<div class="safety"><b>Safety notes</b>'
                 f"{render_text_block(notes, ids, prefix)}</div>")
    return Markup(html)  # built from escaped text only


def _preview(record: Record) -> str:
    text = " ".join(str(record.get("body") or record.get("answer", "")).split())
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS - 1] + "…"


def _retrieval_view(retrieval: dict[str, Any] | None) -> dict[str, Any] | None:
    if not retrieval:
        return None
    view = {k: format_value(k, retrieval.get(k), "count" if k in ("labels", "scored") else "share")
            for k in RETRIEVAL_KEYS}
    return {**view, "unlocated": retrieval.get("unlocated", []),
            "misses": retrieval.get("misses", [])}


def _judge_view(judged: dict[str, Any] | None) -> dict[str, str] | None:
    if not judged:
        return None
    return {k: format_value(k, judged.get(k), "share" if k.endswith("_mean") else "count")
            for k in JUDGE_KEYS}


def quality_view(summary: dict[str, Any]) -> dict[str, Any]:
    """The most-repeated body sentence and examples of header rows and fragments shown."""
    top = summary.get("repeated_sentence") or {}
    examples = summary.get("quality_examples") or {}
    line = (f"{top.get('answers')} of {top.get('answered')} answered turns contain: "
            f"{top.get('sentence')}" if top.get("sentence") else "no answered turn")
    return {"repeated": line, "header_rows": examples.get("header_rows", []),
            "fragments": examples.get("fragments", [])}


def _quality_lines(summary: dict[str, Any]) -> list[str]:
    view = quality_view(summary)
    lines = ["", "## Answer quality", "",
             f"Most-repeated body sentence: {_md_cell(view['repeated'])}"]
    for key, title in (("header_rows", "Header rows shown"), ("fragments", "Fragments shown")):
        lines += ["", f"{title} (first {len(view[key])}):", ""]
        lines += [f"- {_md_cell(x)}" for x in view[key]] or ["- none"]
    return lines


def render_markdown(title: str, summary: dict[str, Any], records: list[Record]) -> str:
    lines = [f"# Eval report — {title}", ""]
    failing = _failing(records)
    lines += [f"{summary['overall']['turns']} turns, {len(failing)} failing.", "", "## Metrics", ""]
    rows = _metric_rows(summary)
    lines += _md_table(["metric", "overall", *summary["by_suite"]],
                       [[r["label"], r["overall"], *r["suites"]] for r in rows])
    retrieval = _retrieval_view(summary.get("retrieval"))
    if retrieval:
        lines += ["", "## Retrieval", ""]
        lines += _md_table(list(RETRIEVAL_KEYS), [[str(retrieval[k]) for k in RETRIEVAL_KEYS]])
        if retrieval["misses"]:
            lines += ["", f"Not hit in the top 5: {', '.join(retrieval['misses'])}"]
    judged = _judge_view(summary.get("judge"))
    if judged:
        lines += ["", "## LLM judge", ""]
        lines += _md_table(list(JUDGE_KEYS), [[judged[k] for k in JUDGE_KEYS]])
    lines += _quality_lines(summary)
    lines += [*(f"- {n}" for n in summary.get("notes", [])), "", "## Metrics by tag", ""]
    lines += _md_table(["tag", *TAG_COLUMNS.values()],
                       [[r["tag"], *r["cells"]] for r in _tag_rows(summary)])
    lines += ["", f"## Failing turns ({len(failing)})", ""]
    for r in failing:
        lines += [f"### {r.get('suite')} / {r.get('case_id')} / turn {r.get('turn')}", "",
                  f"**Question:** {_md_cell(r.get('question', ''))}", "", "**Reasons:**", ""]
        lines += [f"- {_md_cell(f)}" for f in r.get("failures", [])]
        lines += ["", f"**Answer** ({'refused' if r.get('refused') else 'answered'}):", ""]
        lines += [*_fence(str(r.get("answer", ""))), ""]
        lines += [f"- [{c.get('id')}] `{c.get('source')}` {c.get('start')}:{c.get('end')}"
                  f"{'' if c['_valid'] else ' **INVALID**'} — {_md_cell(c.get('quote', ''))}"
                  for c in r["citations"]]
        lines.append("")
    return "\n".join(lines) + "\n"


def render_html(title: str, summary: dict[str, Any], records: list[Record]) -> str:
    from jinja2 import Environment  # lazy

    env = Environment(autoescape=True)
    latencies = [float(r.get("latency_ms", 0.0)) for r in records]
    failing = _failing(records)
    for i, r in enumerate(failing):
        r["_html"] = rendered_answer(r, f"f{i}-")
    records = [{**r, "_preview": _preview(r)} for r in records]
    return env.from_string(HTML).render(
        title=title, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        overall=summary["overall"], suites=list(summary["by_suite"]),
        metric_rows=_metric_rows(summary), tag_headers=list(TAG_COLUMNS.values()),
        tag_rows=_tag_rows(summary),
        retrieval=_retrieval_view(summary.get("retrieval")), retrieval_keys=RETRIEVAL_KEYS,
        judge=_judge_view(summary.get("judge")), judge_keys=JUDGE_KEYS,
        notes=summary.get("notes", []), tag_png=plots.failing_by_tag_png(records),
        latency_png=plots.latency_png(latencies), failing=failing, records=records,
        suite_rows=[(name, m) for name, m in summary["by_suite"].items()],
        quality=quality_view(summary),
    )


def write_report(out_dir: Path, summary: dict[str, Any], records: list[Record]) -> list[Path]:
    """Write the three report files; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    title = ", ".join(summary["by_suite"]) or "no suites"
    paths = [out_dir / "metrics.json", out_dir / "report.md", out_dir / "report.html"]
    paths[0].write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths[1].write_text(render_markdown(title, summary, records), encoding="utf-8")
    paths[2].write_text(render_html(title, summary, records), encoding="utf-8")
    return paths
