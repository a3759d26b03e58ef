"""Write eval/splits.yaml once, before any tuning: the frozen test split of every suite and of
the retrieval labels. Test = the 30% (rounded up) of each suite's cases, and of each source
file's labels, with the smallest sha1 of "<suite>/<id>". Re-running reproduces the same file; a
case or label added later lands in the tuning part unless this is re-run deliberately.

    python benchmarks/make_splits.py [--out eval/splits.yaml]
"""

from __future__ import annotations

import argparse
import hashlib
import math
from collections import defaultdict
from pathlib import Path

import yaml

SHARE = 0.3


def _key(group: str, item: str) -> str:
    return hashlib.sha1(f"{group}/{item}".encode()).hexdigest()


def pick(group: str, ids: list[str]) -> list[str]:
    n = math.ceil(SHARE * len(ids))
    return sorted(sorted(ids, key=lambda i: _key(group, i))[:n])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("eval/splits.yaml"))
    args = parser.parse_args()
    suites: dict[str, list[str]] = {}
    for path in sorted(Path("eval/suites").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        suites[data["suite"]] = pick(data["suite"], [c["id"] for c in data["cases"]])
    labels = yaml.safe_load(Path("eval/retrieval_labels.yaml").read_text(encoding="utf-8"))
    by_source: dict[str, list[str]] = defaultdict(list)
    for q in labels["questions"]:
        by_source[q["source"]].append(q["id"])
    label_test = sorted(i for src, ids in sorted(by_source.items()) for i in pick(src, ids))
    header = ("# Frozen test split (written by benchmarks/make_splits.py before any tuning).\n"
              "# Choices (thresholds, weights, word lists, prompts) are made on the other cases\n"
              "# only; figures are reported for both. `assistant eval --split test|tune`.\n")
    body = yaml.safe_dump({"version": 1, "share": SHARE, "suites": suites,
                           "retrieval_labels": label_test}, sort_keys=False, width=100)
    args.out.write_text(header + body, encoding="utf-8")
    print(f"wrote {args.out}: {sum(map(len, suites.values()))} test cases, "
          f"{len(label_test)} test labels")


if __name__ == "__main__":
    main()
