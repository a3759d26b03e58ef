"""Calibrate the refusal threshold on eval/calibration.yaml (kept apart from the eval suites).

For each question: the best similarity of the retrieved evidence (a chunk or its best sentence)
and whether it names a rare word the corpus never mentions. Prints false-refusal (in-corpus
refused) and false-answer (off-corpus answered) rates for a grid of ``answer.min_evidence``
thresholds.

    .venv/bin/python benchmarks/calibrate_refusal.py [--index-dir index]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from assistant.answering.assembly import build_assistant
from assistant.answering.pipeline import Assistant
from assistant.answering.refusal import EvidenceRefusal, decide
from assistant.core.settings import Settings

Row = tuple[str, float, list[str], list[str]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, default=Path("index"))
    parser.add_argument("--file", type=Path, default=Path("eval/calibration.yaml"))
    args = parser.parse_args()
    settings = Settings(index_dir=args.index_dir, data_dir=Path("/tmp/calibration-data"))
    assistant = build_assistant(settings)
    data = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    thresholds = [x / 100 for x in range(15, 61, 5)]
    rows = {label: [_measure(assistant, settings, q, thresholds) for q in data[label]]
            for label in ("in_corpus", "off_corpus")}
    _table(rows, thresholds)
    for label, items in rows.items():
        for q, best, missing, _ in items:
            print(f"{label:10} {best:.3f} {'|'.join(missing):24} {q}")


def _measure(assistant: Assistant, settings: Settings, question: str,
             thresholds: list[float]) -> Row:
    """Question, best similarity, what the default decision names, refusal per threshold."""
    standalone = assistant.condenser.condense(question, [])
    hits = assistant.retriever.search(standalone)
    best = max((max(h.dense, h.sentence_sim) for h in hits), default=0.0)
    policy = assistant.refusal
    assert isinstance(policy, EvidenceRefusal)
    verdicts = []
    for t in thresholds:
        tuned = settings.model_copy(update={"answer": settings.answer.model_copy(
            update={"min_evidence": t})})
        refuse = decide(standalone, hits, policy.vocab, tuned, policy.core).refuse
        verdicts.append("R" if refuse else "A")
    missing = policy.decide(standalone, hits).missing
    return question, best, missing, verdicts


def _table(rows: dict[str, list[Row]], thresholds: list[float]) -> None:
    table = Table(title="refusal calibration")
    for col in ("min_evidence", "false refusal (in)", "false answer (off)", "sum"):
        table.add_column(col, justify="right")
    for i, threshold in enumerate(thresholds):
        fr = _rate(rows["in_corpus"], i, "R")
        fa = _rate(rows["off_corpus"], i, "A")
        table.add_row(f"{threshold:.2f}", f"{fr:.1%}", f"{fa:.1%}", f"{fr + fa:.1%}")
    Console().print(table)


def _rate(items: list[Row], index: int, wrong: str) -> float:
    return sum(row[3][index] == wrong for row in items) / len(items) if items else 0.0


if __name__ == "__main__":
    main()
