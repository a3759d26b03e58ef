"""Re-check an older results file with today's checks (no answering), so two runs made under
different versions of the harness can be compared figure by figure with `assistant eval compare`.

A record without `body` (written before the contract had it) gets the answer above its
safety-notes heading as its body.

    python benchmarks/rescore.py OLD.jsonl eval/suites/*.yaml --out OLD.rescored.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.core.settings import Settings
from assistant.evaluation.harness import make_checker
from assistant.evaluation.known import record_key
from assistant.evaluation.suite import load_suites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("suites", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--heading", default="\n\n**Safety notes**")
    args = parser.parse_args()
    checker = make_checker(Settings())
    expects = {(s.suite, c.id, i): t.expect for s in load_suites(args.suites)
               for c in s.cases for i, t in enumerate(c.turns)}
    out = []
    for line in args.results.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        record.setdefault("body", record["answer"].split(args.heading)[0])
        expect = expects[record_key(record)]
        checks = checker.check(record, expect, record.get("error"))
        record.update(passed=not checks.failures, failures=checks.failures,
                      checks=checks.as_dict())
        out.append(json.dumps(record, ensure_ascii=False))
    args.out.write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"rescored {len(out)} records -> {args.out}")


if __name__ == "__main__":
    main()
