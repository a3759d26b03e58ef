"""Where wrong leads come from: for each answered turn with lead checks, is a sentence that would
pass them among the evidence the composer was handed (then choosing it is the composer's job,
issue 11), or not (then retrieval never brought it, issue 12)? A diagnostic, used to report, not
to choose: it replays an eval results file like ``tune_composer.py``.

    python benchmarks/lead_ceiling.py RESULTS.jsonl eval/suites/*.yaml [--split tune|test]

Per split it prints: leads that pass; failing leads whose pool holds a passing sentence (and
how far down the composer's own ranking the first one is); failing leads whose pool has none.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from tune_composer import lead_ok, load_turns  # noqa: E402

from assistant.answering.compose.composer import write  # noqa: E402
from assistant.answering.compose.profile import read_question  # noqa: E402
from assistant.answering.compose.scoring import question_focus  # noqa: E402
from assistant.evaluation.checks import lead_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("suites", type=Path, nargs="+")
    parser.add_argument("--split", choices=("tune", "test"), default="tune")
    parser.add_argument("--show", action="store_true", help="print each failing lead")
    args = parser.parse_args()
    composer, turns = load_turns(args.results, args.suites, args.split)
    passed, in_pool, above_floor, missing, ranks = 0, 0, 0, 0, []
    for question, got, history, expect in turns:
        plan = composer.plan(question, got, history)
        if lead_ok(lead_of(write(plan).text if plan else ""), expect):
            passed += 1
            continue
        profile = read_question(question, [t.user for t in history], composer.policy,
                                composer.core)
        focus = question_focus(question, profile, composer.policy, composer.core)
        scored = composer.select(question, got, profile, focus)
        rank = next((i for i, s in enumerate(scored) if lead_ok(s.unit.display, expect)), None)
        if rank is None:
            missing += 1
        else:
            in_pool += 1
            ranks.append(rank + 1)
            above_floor += scored[rank].score >= composer.policy.min_relevance
        if args.show:
            where = "not in pool" if rank is None else f"pool rank {rank + 1}"
            print(f"{where:>14} | {question[:100]}")
    n = len(turns)
    print(f"{args.split}: {n} answered turns with lead checks")
    print(f"  lead passes                              {passed:4d}  {passed / n:.1%}")
    print(f"  fails, a passing sentence in the pool    {in_pool:4d}  {in_pool / n:.1%}"
          f"  (above the relevance floor: {above_floor}; its rank in the composer's order:"
          f" median {median(ranks) if ranks else 0}, max {max(ranks, default=0)})")
    print(f"  fails, no passing sentence in the pool   {missing:4d}  {missing / n:.1%}")


if __name__ == "__main__":
    main()
