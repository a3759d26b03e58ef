"""Choose the composer's weights on the TUNE split only, fast: replays the answered turns of an
eval results file (their standalone questions, retrieved chunks and earlier turns) through the
extractive composer under each setting and scores the lead checks (``lead_any``/``lead_none``)
and the points shown, without re-running retrieval or the rest of the pipeline.

    python benchmarks/tune_composer.py RESULTS.jsonl eval/suites/*.yaml [--split tune]

RESULTS.jsonl must come from ``assistant eval … --split tune`` (test turns are refused here
unless ``--split test`` is given, which is for reporting, never for choosing).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answering.assembly import build_assistant  # noqa: E402
from assistant.answering.compose.composer import ExtractiveComposer, write  # noqa: E402
from assistant.core.models import Citation, Turn  # noqa: E402
from assistant.core.settings import Settings  # noqa: E402
from assistant.evaluation.checks import lead_of  # noqa: E402
from assistant.evaluation.splits import load_splits, select  # noqa: E402
from assistant.evaluation.suite import load_suites  # noqa: E402

GRID: dict[str, list[Any]] = {
    "weights.lead_kind": [0.0, 0.04, 0.08],
    "weights.lead_focus": [0.0, 0.1, 0.2],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("suites", type=Path, nargs="+")
    parser.add_argument("--split", choices=("tune", "test"), default="tune")
    parser.add_argument("--show", action="store_true",
                        help="only the current policy; print every failing lead")
    args = parser.parse_args()
    composer, turns = load_turns(args.results, args.suites, args.split)
    print(f"{len(turns)} answered {args.split} turns with lead checks")
    base = composer.policy
    rows = []
    grid = {} if args.show else GRID
    for values in itertools.product(*grid.values()):
        policy = base
        for name, value in zip(grid, values, strict=True):
            policy = _set(policy, name, value)
        composer.policy = policy
        passed, points = 0, 0
        for question, got, history, expect in turns:
            plan = composer.plan(question, got, history)
            text = write(plan).text if plan else ""
            lead = lead_of(text)
            ok = lead_ok(lead, expect)
            passed += ok
            if args.show and not ok:
                print(f"FAIL {question[:90]!r}\n   want {expect.lead_any} not {expect.lead_none}"
                      f"\n   lead {lead[:160]!r}")
            points += len(plan.points) if plan else 0
        rows.append((passed / len(turns), points / len(turns),
                     dict(zip(grid, values, strict=True))))
    for share, points, setting in sorted(rows, key=lambda r: -r[0]):
        print(f"lead {share:.3f}  points/answer {points:.2f}  {setting}")


LeadTurn = tuple[str, list[Any], list[Turn], Any]  # standalone question, chunks, history, expect


def load_turns(results: Path, suite_paths: list[Path], split: str
               ) -> tuple[ExtractiveComposer, list[LeadTurn]]:
    """The warmed extractive composer, and the answered turns of ``split`` with lead checks:
    each turn's standalone question, retrieved chunks, earlier turns and expectations."""
    suites = select(load_suites(suite_paths), load_splits(ROOT / "eval" / "splits.yaml"), split)
    expects = {(s.suite, c.id, i): t.expect for s in suites for c in s.cases
               for i, t in enumerate(c.turns)}
    records = [json.loads(line) for line in results.open(encoding="utf-8")]
    by_key = {(r["suite"], r["case_id"], r["turn"]): r for r in records}
    assistant = build_assistant(Settings())
    assistant.warm_up()
    composer = assistant.generator
    assert isinstance(composer, ExtractiveComposer)
    chunks = {c.id: c for c in assistant.retriever.chunks}  # type: ignore[attr-defined]
    turns: list[LeadTurn] = []
    for key, rec in by_key.items():
        expect = expects.get(key)
        if expect is None or rec["refused"] or not (expect.lead_any or expect.lead_none):
            continue
        history = [_turn(by_key[(key[0], key[1], t)]) for t in range(key[2])
                   if (key[0], key[1], t) in by_key]
        got = [chunks[r["chunk_id"]] for r in rec["retrieved"] if r["chunk_id"] in chunks]
        turns.append((rec["standalone_question"], got, history, expect))
    return composer, turns


def lead_ok(lead: str, expect: Any) -> bool:
    """The eval contract's lead check: matches one of ``lead_any`` (if any), none of
    ``lead_none``."""
    return (not expect.lead_any or any(re.search(p, lead) for p in expect.lead_any)) \
        and not any(re.search(p, lead) for p in expect.lead_none)


def _set(policy: Any, dotted: str, value: Any) -> Any:
    head, _, rest = dotted.partition(".")
    if not rest:
        return policy.model_copy(update={head: value})
    return policy.model_copy(update={head: _set(getattr(policy, head), rest, value)})


def _turn(rec: dict[str, Any]) -> Turn:
    return Turn(user=rec["question"], standalone_question=rec["standalone_question"],
                answer=rec["answer"], refused=rec["refused"],
                citations=[Citation(**{k: c[k] for k in ("id", "source", "title", "quote",
                                                         "start", "end") if k in c})
                           for c in rec["citations"]])


if __name__ == "__main__":
    main()
