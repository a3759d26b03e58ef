"""Coordinate search over the composer's weights on TUNING sets only: replays answered turns
(their standalone questions, retrieved chunks and earlier turns) through the extractive composer
under each setting, without retrieval, and scores

* lead-note: on probe sets with notes, whether the lead quotes a sentence the note names
  (``eval/probes/lead_match.py``'s overlap test), and
* lead: on the tune split, the suites' ``lead_any``/``lead_none`` checks.

    python benchmarks/search_weights.py TUNE_RESULTS.jsonl --probes DIR1 DIR2 … \
        [--watch DIR …] [--rounds 1] [--names similarity,coverage,…]

Each probe DIR holds ``results.jsonl`` of ``assistant eval run eval/probes/probeN.yaml`` and must
be named so that ``probeN`` can be found in ``eval/probes`` (``…-pN`` or ``…probeN…``). ``--watch``
sets are scored and printed, never optimised. The objective is the lead-note share plus the tune
lead share; a step is taken when it gains more than 1.5 turns of lead-note. Session 19 took its
``weights.everyday_term`` 0.25 (9c9c0f9) and reverted it (d745779): a gain this small on the
tuning sets did not carry over to held-out probes graded blind. Slow: ~20 s per setting.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "eval" / "probes"))

import lead_match  # noqa: E402
import tune_composer as tc  # noqa: E402

from assistant.answering.assembly import build_assistant  # noqa: E402
from assistant.answering.compose.composer import write  # noqa: E402
from assistant.core.settings import Settings  # noqa: E402
from assistant.evaluation.checks import lead_of  # noqa: E402

NAMES = ("similarity,coverage,numbers,kind,risk,risk_topic,core_term,everyday_term,lead_kind,"
         "lead_focus,lead_repeat,hub,hub_floor,asked,asked_floor")
#: Weights that are shares (0, 1].
SHARES = {"core_term", "everyday_term"}


def probe_turns(chunks: dict[str, Any], run_dir: Path) -> list[tuple[str, list[Any], list[Any],
                                                                     list[str]]]:
    """The answered turns of one probe run that have quoted sentences in their notes."""
    number = re.search(r"(?:-p|probe)(\d+)", run_dir.name)
    if number is None:
        raise SystemExit(f"{run_dir}: cannot tell which probe set it is")
    notes = json.loads((ROOT / "eval" / "probes" / f"probe{number.group(1)}-notes.json")
                       .read_text(encoding="utf-8"))
    records = [json.loads(line) for line in (run_dir / "results.jsonl")
               .read_text(encoding="utf-8").splitlines()]
    by_key = {(r["case_id"], r["turn"]): r for r in records}
    out = []
    for r in records:
        note = notes.get(f"{r['case_id']}#{r['turn']}", "")
        sentences = re.findall(r'"([^"]{20,})"', note)
        if r["refused"] or note.startswith("not covered") or not sentences:
            continue
        history = [tc._turn(by_key[(r["case_id"], t)]) for t in range(r["turn"])
                   if (r["case_id"], t) in by_key]
        got = [chunks[x["chunk_id"]] for x in r["retrieved"] if x["chunk_id"] in chunks]
        out.append((r["standalone_question"], got, history, sentences))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tune_results", type=Path)
    parser.add_argument("--probes", type=Path, nargs="+", required=True)
    parser.add_argument("--watch", type=Path, nargs="*", default=[])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--names", default=NAMES)
    args = parser.parse_args()
    suites = sorted((ROOT / "eval" / "suites").glob("*.yaml"))
    composer, tune = tc.load_turns(args.tune_results, suites, "tune")
    chunks = {c.id: c for c in build_assistant(Settings()).retriever.chunks}  # type: ignore[attr-defined]
    fit = [t for d in args.probes for t in probe_turns(chunks, d)]
    watch = [t for d in args.watch for t in probe_turns(chunks, d)]

    def leads(turns: list[Any]) -> int:
        n = 0
        for q, got, hist, sentences in turns:
            plan = composer.plan(q, got, hist)
            n += plan is not None and lead_match._matches(plan.lead.unit.text, sentences)
        return n

    def score(policy: Any) -> tuple[int, int, int]:
        composer.policy = policy
        tuned = sum(tc.lead_ok(lead_of(write(p).text if (p := composer.plan(q, got, h)) else ""),
                               expect) for q, got, h, expect in tune)
        return leads(fit), tuned, leads(watch)

    def objective(s: tuple[int, int, int]) -> float:
        return s[0] / max(len(fit), 1) + s[1] / max(len(tune), 1)

    current = composer.policy
    best_score = score(current)
    best = objective(best_score)
    print(f"{len(fit)} probe turns, {len(tune)} tune turns, {len(watch)} watched")
    print(f"start: lead-note {best_score[0]}, tune lead {best_score[1]}, watched {best_score[2]}")
    for _ in range(args.rounds):
        for name in args.names.split(","):
            value = getattr(current.weights, name)
            if name.endswith("floor"):
                steps = [value - 0.1, value - 0.05, value + 0.05, value + 0.1]
            elif value == 0:
                steps = [0.03, 0.08, 0.15]
            else:
                steps = [0.0, value * 0.5, value * 0.75, value * 1.33, value * 2]
            for step in steps:
                if name in SHARES and not 0 < step <= 1:
                    continue
                policy = tc._set(current, f"weights.{name}", round(step, 4))
                got = score(policy)
                gain = objective(got) > best + 1.5 / max(len(fit), 1)
                print(f"{name}={step:.4g}: lead-note {got[0]}, tune lead {got[1]}, "
                      f"watched {got[2]}{'  taken' if gain else ''}", flush=True)
                if gain:
                    current, best = policy, objective(got)
    print("final weights:", current.weights)


if __name__ == "__main__":
    main()
