"""``assistant eval``: run eval suites (the default), ``compare`` two runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer
from typer.core import TyperGroup

from assistant.cli.common import run_guarded

if TYPE_CHECKING:
    from assistant.core.protocols import Answerer
    from assistant.core.settings import Settings
    from assistant.evaluation.splits import SplitName


class _RunByDefault(TyperGroup):
    """``assistant eval A.yaml ...`` means ``assistant eval run A.yaml ...``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


#: Suites where, under ``--gate promises``, a wrong refusal fails the gate (CLI default).
DEFAULT_REFUSAL_SUITES = ("off_corpus", "adversarial")

eval_app = typer.Typer(
    cls=_RunByDefault, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Run eval suites (assistant eval SUITE.yaml ... --out results.jsonl) or compare runs.",
)


def make_answerer(settings: Settings) -> Answerer:
    """The real answering pipeline (tests replace this with a scripted fake)."""
    from assistant.answering.assembly import build_assistant

    answerer: Answerer = build_assistant(settings)
    return answerer


@eval_app.command("run")
def run_command(
    suites: list[Path] = typer.Argument(..., help="Suite YAML files (anywhere on disk)."),
    out: Path = typer.Option(..., "--out", help="Result records (JSON Lines), written atomically."),
    report: Path | None = typer.Option(None, "--report", help="Write report.md/.html here."),
    labels: Path = typer.Option(
        Path("eval/retrieval_labels.yaml"), "--labels", help="Labeled retrieval questions."
    ),
    no_retrieval: bool = typer.Option(False, "--no-retrieval", help="Skip retrieval metrics."),
    generator: str | None = typer.Option(None, "--generator", help="extractive|openai|ollama"),
    base_url: str | None = typer.Option(None, "--base-url", help="LLM backend base URL."),
    model: str | None = typer.Option(None, "--model", help="LLM model name."),
    judge: bool = typer.Option(
        False, "--judge", help="Also score faithfulness/relevance with the LLM backend (optional)."
    ),
    gate: str = typer.Option(
        "all", "--gate", help="all: exit 1 when any turn fails; promises: only when a turn misses "
        "a caveat, carries an invalid citation/marker or body, errors, or refuses wrongly in "
        "a --gate-refusal-suites suite (the CI gate)."),
    split: str = typer.Option(
        "all", "--split", help="all | tune | test: only the cases (and retrieval labels) of that "
        "part of the frozen split in --splits (choose on tune, report test)."),
    splits: Path = typer.Option(Path("eval/splits.yaml"), "--splits", help="The split file."),
    quality: Path = typer.Option(Path("eval/quality_checks.yaml"), "--quality-checks",
                                 help="Word lists of the answer-quality metrics."),
    gate_known: Path | None = typer.Option(
        None, "--gate-known", help="YAML list of known wrong refusals (suite, case, turn, why) "
        "the gate excuses; a listed turn that passes now fails the gate until removed."),
    gate_refusal_suites: str = typer.Option(
        ",".join(DEFAULT_REFUSAL_SUITES), "--gate-refusal-suites",
        help="Comma-separated suite names where, with --gate promises, any wrong refusal "
        "(answered instead of refused, or refused instead of answered) fails the gate."),
) -> None:
    """Run suites. Exit 1 when any turn fails (caveat, citation, marker, expect); 2 on bad input."""

    def body() -> int:
        from rich.console import Console

        from assistant.core.settings import Settings
        from assistant.evaluation.harness import evaluate

        if gate not in ("all", "promises"):
            from assistant.core.errors import InputError

            raise InputError("--gate must be 'all' or 'promises'")
        if split not in ("all", "tune", "test"):
            from assistant.core.errors import InputError

            raise InputError("--split must be 'all', 'tune' or 'test'")
        from assistant.evaluation.known import load_known

        known = load_known(gate_known)  # a bad list is an error before any turn runs
        settings = _settings(Settings, generator, base_url, model)
        run = evaluate(settings, suites, out, make_answerer, report_dir=report,
                       labels_path=None if no_retrieval else labels, judge=judge,
                       split=cast("SplitName", split), splits_path=splits,
                       quality_path=quality)
        _print_summary(Console(), run)
        if gate == "promises":
            return _print_gate(Console(), run, _suite_names(gate_refusal_suites), known,
                               gate_known)
        return 1 if run.failed else 0

    code = run_guarded(body)
    if code:
        raise typer.Exit(code=code)


def _suite_names(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


def _print_gate(console: Any, run: Any, refusal_suites: tuple[str, ...], known: Any,
                known_path: Path | None = None) -> int:
    """Print the turns that fail the CI gate, with their gate reasons; the exit code."""
    from rich.markup import escape

    from assistant.evaluation.harness import gate_reasons
    from assistant.evaluation.known import apply_known

    ratchet = apply_known(run.records, run.gate_failures(refusal_suites), run.broken_promises,
                          known)
    failing = ratchet.failing
    ran = {r.get("suite") for r in run.records}
    for name in (n for n in refusal_suites if n not in ran):
        console.print(f"[yellow]gate: --gate-refusal-suites names {escape(name)!r}, "
                      "which this run has no turns of[/]", highlight=False)
    for r in failing:
        console.print(f"[red]GATE[/] {escape(str(r['suite']))}/{escape(str(r['case_id']))} turn "
                      f"{r['turn']}: " + escape("; ".join(gate_reasons(r, refusal_suites))),
                      highlight=False, soft_wrap=True)
    for r in ratchet.excused:
        console.print(f"[yellow]KNOWN[/] {escape(str(r['suite']))}/{escape(str(r['case_id']))} "
                      f"turn {r['turn']}: listed in {escape(str(known_path))}", highlight=False,
                      soft_wrap=True)
    for k in ratchet.stale:
        console.print(f"[red]GATE[/] {escape(k.suite)}/{escape(k.case)} turn {k.turn}: passes "
                      f"now; take it off {escape(str(known_path))}", highlight=False,
                      soft_wrap=True)
    scope = ", ".join(refusal_suites) or "no suites"
    bad = len(failing) + len(ratchet.stale)
    console.print(f"gate (promises; wrong refusals in {scope}): {bad} turn(s) fail, "
                  f"{len(ratchet.excused)} known", highlight=False)
    return 1 if bad else 0


def _settings(cls: Any, generator: str | None, base_url: str | None, model: str | None) -> Any:
    from pydantic import ValidationError

    from assistant.core.errors import InputError

    try:
        return cls().with_llm(generator, base_url, model)
    except ValidationError as err:
        raise InputError(f"invalid settings: {err.errors()[0]['msg']}") from None


def _print_summary(console: Any, run: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    from assistant.evaluation.metrics import SPECS, format_value

    table = Table(title="Eval metrics (overall)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for spec in SPECS:
        value = format_value(spec.key, run.summary["overall"][spec.key])
        table.add_row(escape(spec.label), value)
    retrieval = run.summary.get("retrieval") or {}
    for key in ("labels", "scored", "hit@1", "hit@5", "recall@1", "recall@5", "mrr"):
        if key in retrieval:
            kind = "count" if key in ("labels", "scored") else "share"
            table.add_row(f"retrieval {key}", format_value(key, retrieval[key], kind))
    judged = run.summary.get("judge") or {}
    for key in ("turns_judged", "faithfulness_mean", "relevance_mean", "parse_failures", "errors"):
        if key in judged:
            kind = "share" if key.endswith("_mean") else "count"
            table.add_row(f"judge {key}", format_value(key, judged[key], kind))
    console.print(table)
    for note in run.summary.get("notes", []):
        console.print(f"[yellow]{escape(note)}[/]")
    for r in run.failed:
        console.print(f"[red]FAIL[/] {escape(str(r['suite']))}/{escape(str(r['case_id']))} "
                      f"turn {r['turn']}: " + escape("; ".join(r["failures"])), highlight=False,
                      soft_wrap=True)  # one whole line per failing turn, however narrow
    console.print(f"{len(run.records) - len(run.failed)}/{len(run.records)} turns passed; "
                  f"wrote {', '.join(str(p) for p in run.written)}")


@eval_app.command("compare")
def compare_command(
    old: Path = typer.Argument(..., help="Earlier results.jsonl"),
    new: Path = typer.Argument(..., help="Later results.jsonl"),
    plot: Path | None = typer.Option(None, "--plot", help="Also write a PNG: pass rate by tag "
                                     "in both runs (tags that changed first)."),
) -> None:
    """Metrics side by side with deltas, and the turns that flipped pass/fail."""

    def body() -> None:
        from rich.console import Console
        from rich.markup import escape

        from assistant.evaluation.compare import compare, render
        from assistant.evaluation.runner import read_jsonl

        result = compare(read_jsonl(old), read_jsonl(new))
        console = Console()
        names = ((old.name, new.name) if old.name != new.name else (str(old), str(new)))
        for renderable in render(result, *names):
            console.print(renderable)
        if plot is not None:
            import base64

            from assistant.evaluation.metrics import summarize
            from assistant.evaluation.plots import tag_pass_rates_png

            png = tag_pass_rates_png({name: summarize(read_jsonl(path))["by_tag"]
                                      for name, path in zip(names, (old, new), strict=True)})
            plot.parent.mkdir(parents=True, exist_ok=True)
            plot.write_bytes(base64.b64decode(png or ""))
            console.print(f"wrote {escape(str(plot))}", highlight=False)

    run_guarded(body)


@eval_app.command("report")
def report_command(
    results: Path = typer.Argument(..., help="A results.jsonl written by `assistant eval`."),
    out_dir: Path = typer.Option(..., "--report", help="Output directory."),
) -> None:
    """Re-render the reports from an earlier results file (no answering, no model)."""

    def body() -> None:
        from assistant.evaluation.metrics import summarize
        from assistant.evaluation.report import write_report
        from assistant.evaluation.runner import read_jsonl

        records = read_jsonl(results)
        written = write_report(out_dir, {**summarize(records), "notes": []}, records)
        typer.echo("wrote " + ", ".join(str(p) for p in written))

    run_guarded(body)


def register(app: typer.Typer) -> None:
    """Add ``assistant eval`` (run by default, plus ``compare``) to the app."""
    app.add_typer(eval_app, name="eval")
