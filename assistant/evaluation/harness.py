"""Orchestrates one eval run: load suites, run them with progress, write results and reports."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from assistant.core.errors import AssistantError, InputError
from assistant.core.protocols import Answerer
from assistant.core.settings import Settings
from assistant.evaluation import retrieval
from assistant.evaluation.checks import Checker
from assistant.evaluation.corpus import CorpusFiles
from assistant.evaluation.metrics import summarize
from assistant.evaluation.quality import load_quality_checks
from assistant.evaluation.runner import count_turns, run_suites, write_jsonl
from assistant.evaluation.splits import SplitName, Splits, load_splits, select, select_labels
from assistant.evaluation.suite import Suite, load_suites

QUALITY_CHECKS = Path("eval/quality_checks.yaml")
RetrieveFactory = Callable[[Settings, int], retrieval.RetrieveFn]
JudgeFactory = Callable[[Settings], Callable[[str, str], str]]


#: Failure kinds that break a product promise (the CI gate), as opposed to answer quality.
PROMISE_FAILURES = ("missing caveat", "caveat ", "dangling marker", "citation [", "error:",
                    "body is not")
#: Wrong refusals, which also break the gate in the suites given by ``--gate-refusal-suites``.
REFUSAL_FAILURES = ("expected a refusal", "expected an answer")


@dataclass
class EvalRun:
    records: list[dict[str, Any]]
    summary: dict[str, Any]
    written: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.records if not r.get("passed")]

    @property
    def broken_promises(self) -> list[dict[str, Any]]:
        """Turns that miss a caveat, carry an invalid citation or marker, or errored."""
        return [r for r in self.records if gate_reasons(r, ())]

    def gate_failures(self, refusal_suites: Collection[str]) -> list[dict[str, Any]]:
        """The turns that fail the CI gate: broken promises anywhere, and wrong refusals
        (answered when it should refuse, or the reverse) in ``refusal_suites``."""
        return [r for r in self.records if gate_reasons(r, refusal_suites)]


def gate_reasons(record: dict[str, Any], refusal_suites: Collection[str]) -> list[str]:
    """Why a turn fails the CI gate (empty: it passes)."""
    refusal = record.get("suite") in refusal_suites
    return [f for f in record.get("failures", [])
            if f.startswith(PROMISE_FAILURES) or (refusal and f.startswith(REFUSAL_FAILURES))]


def check_writable(out: Path, report_dir: Path | None) -> None:
    """Fail before a long run, not after it, when the outputs can't be written."""
    if out.is_dir():
        raise InputError(f"--out {out} is a directory; give a file path like {out}/results.jsonl")
    for directory in (out.parent, report_dir):
        if directory is None:
            continue
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"cannot create {directory}: {err.strerror or err}") from None
        if not os.access(directory, os.W_OK):
            raise InputError(f"cannot write to {directory}")


def make_checker(settings: Settings, quality_path: Path | None = QUALITY_CHECKS) -> Checker:
    """The checker, detecting caveats with the answerer's own policy and check, and measuring
    answer quality with the data file at ``quality_path`` (None: no quality facts).

    A missing or invalid policy raises PolicyError, a bad quality file InputError (the CLI: a
    clear message, exit 2).
    """
    from assistant.answering.guard import CaveatGuard, load_policy
    from assistant.indexing.untrusted import load_untrusted

    quality = load_quality_checks(quality_path) if quality_path is not None else None
    return Checker(CorpusFiles(settings.corpus_dir), CaveatGuard(load_policy(settings)),
                   load_untrusted(settings)[1], quality)


def _run_with_progress(
    suites: list[Suite], answerer: Answerer, checker: Checker, console: Console
) -> list[dict[str, Any]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("eval", total=count_turns(suites))

        def on_turn(record: dict[str, Any]) -> None:
            mark = "[green]✓[/]" if record["passed"] else "[red]✗[/]"
            progress.update(task, advance=1,
                            description=f"{mark} {record['suite']}/{record['case_id']}")

        return run_suites(suites, answerer, checker, on_turn)


def retrieval_metrics(
    settings: Settings, labels_path: Path, factory: RetrieveFactory, console: Console,
    splits: Splits | None = None, split: SplitName = "all",
) -> tuple[dict[str, Any] | None, str | None]:
    """Scores on the labeled questions (of ``split``), or None and the reason they were skipped."""
    if not labels_path.is_file():
        return None, f"retrieval metrics skipped: no labels at {labels_path}"
    labels = retrieval.load_labels(labels_path, settings.corpus_dir)
    if splits is not None:
        keep = select_labels([label.id for label in labels.labels], splits, split)
        labels = replace(labels, labels=[x for x in labels.labels if x.id in keep])
    try:
        with console.status("scoring retrieval on labeled questions…"):
            retrieve = factory(settings, 5)
            scores = retrieval.score(labels, retrieve)
    except (ImportError, AssistantError) as err:
        return None, f"retrieval metrics skipped: {err}"
    return scores, None


def judge_metrics(
    settings: Settings, records: list[dict[str, Any]], complete_factory: JudgeFactory,
    console: Console,
) -> tuple[dict[str, Any] | None, str | None]:
    """LLM-judge scores added to the records in place, or None and why they were skipped."""
    from assistant.evaluation import judge

    reason = judge.disabled_reason(settings)
    if reason:
        return None, reason
    prompts = judge.load_judge_prompts(settings.prompts_dir / "judge.yaml")
    complete = complete_factory(settings)
    with console.status("judging answers with the LLM…") as status:
        done = [0]

        def tick() -> None:
            done[0] += 1
            status.update(f"judging answers with the LLM… {done[0]}/{len(records)}")

        return judge.judge_records(records, prompts, complete, tick), None


def _default_completer(settings: Settings) -> Callable[[str, str], str]:
    from assistant.evaluation.judge import chat_completer

    return chat_completer(settings)


def evaluate(
    settings: Settings,
    suite_paths: list[Path],
    out: Path,
    answerer_factory: Callable[[Settings], Answerer],
    report_dir: Path | None = None,
    labels_path: Path | None = None,
    retrieve_factory: RetrieveFactory = retrieval.retriever_fn,
    console: Console | None = None,
    judge: bool = False,
    judge_factory: JudgeFactory = _default_completer,
    split: SplitName = "all",
    splits_path: Path = Path("eval/splits.yaml"),
    quality_path: Path | None = QUALITY_CHECKS,
) -> EvalRun:
    """Run the suites (only the cases of ``split``), write results (and reports). Bad input:
    AssistantError, nothing written."""
    console = console or Console(stderr=True)
    suites = load_suites(suite_paths)
    splits = load_splits(splits_path) if split != "all" else None
    if splits is not None:
        suites = select(suites, splits, split)
        if not suites:
            raise InputError(f"no case of these suites is in the {split!r} split")
    check_writable(out, report_dir)
    checker = make_checker(settings, quality_path)
    with console.status("loading the assistant (model and index)…"):
        answerer = answerer_factory(settings)
    records = _run_with_progress(suites, answerer, checker, console)
    notes: list[str] = []
    judged, note = None, None
    if judge:
        judged, note = judge_metrics(settings, records, judge_factory, console)
    notes += [note] if note else []
    write_jsonl(out, records)
    run = EvalRun(records=records, summary=summarize(records), written=[out])
    run.summary["judge"] = judged
    if labels_path is not None:
        scores, note = retrieval_metrics(settings, labels_path, retrieve_factory, console,
                                         splits, split)
        run.summary["retrieval"] = scores
        notes += [note] if note else []
    run.summary["notes"] = notes
    if report_dir is not None:
        from assistant.evaluation.report import write_report

        run.written += write_report(report_dir, run.summary, records)
    return run
