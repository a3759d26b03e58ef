"""Write eval/splits.yaml once, before any tuning: the frozen test split of every suite and of
the retrieval labels. Test = the 30% (rounded up) of each suite's cases, and of each source
file's labels, with the smallest sha1 of "<suite>/<id>". Re-running reproduces the same file; a
case or label added later lands in the tuning part unless this is re-run deliberately.

    python benchmarks/make_splits.py [--out eval/splits.yaml]

Issue 12 turned the retrieval labels into a tuning HALF and a test HALF, once, before any
measurement, without moving a frozen test id back to tuning:

    python benchmarks/make_splits.py --extend-labels --new-from r000-snoring

keeps every test label id already in the file and, per source file, adds test ids (smallest
sha1 first) until the test part holds half (rounded up) of the labels written before NEW_FROM
and half of the labels from NEW_FROM on (the patient-style set), so both strata are split.
"""

from __future__ import annotations

import argparse
import hashlib
import math
from collections import defaultdict
from pathlib import Path

import yaml

SHARE = 0.3
LABEL_SHARE = 0.5
HEADER = ("# Frozen test split (written by benchmarks/make_splits.py before any tuning).\n"
          "# Choices (thresholds, weights, word lists, prompts) are made on the other cases\n"
          "# only; figures are reported for both. `assistant eval --split test|tune`.\n")
LABELS_NOTE = ("# retrieval_labels: half of each source file's labels (issue 12; extended with\n"
               "# --extend-labels, the 30% frozen first kept in test).\n")


def _key(group: str, item: str) -> str:
    return hashlib.sha1(f"{group}/{item}".encode()).hexdigest()


def pick(group: str, ids: list[str], share: float = SHARE) -> list[str]:
    n = math.ceil(share * len(ids))
    return sorted(sorted(ids, key=lambda i: _key(group, i))[:n])


def extend(group: str, ids: list[str], frozen: set[str], share: float) -> list[str]:
    """Test ids of ``ids``: every frozen one, then the smallest sha1 ones up to ``share``."""
    test = [i for i in ids if i in frozen]
    rest = sorted((i for i in ids if i not in frozen), key=lambda i: _key(group, i))
    return test + rest[: max(0, math.ceil(share * len(ids)) - len(test))]


def extend_labels(labels: list[dict[str, str]], frozen: set[str], new_from: str) -> list[str]:
    """Frozen test labels plus, per source file and per stratum (before / from ``new_from``),
    enough others for a LABEL_SHARE test part."""
    ids = [q["id"] for q in labels]
    if new_from not in ids:
        raise SystemExit(f"--new-from {new_from}: no such label id")
    cut = ids.index(new_from)
    strata: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for n, q in enumerate(labels):
        strata[(q["source"], n >= cut)].append(q["id"])
    return sorted(i for (src, _), group in sorted(strata.items())
                  for i in extend(src, group, frozen, LABEL_SHARE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("eval/splits.yaml"))
    parser.add_argument("--extend-labels", action="store_true",
                        help="keep the file's splits; extend its retrieval labels to halves")
    parser.add_argument("--new-from", default="r000-snoring",
                        help="first label id of the later-written stratum")
    args = parser.parse_args()
    labels = yaml.safe_load(Path("eval/retrieval_labels.yaml").read_text(encoding="utf-8"))
    if args.extend_labels:
        current = yaml.safe_load(args.out.read_text(encoding="utf-8"))
        label_test = extend_labels(labels["questions"], set(current["retrieval_labels"]),
                                   args.new_from)
        current["retrieval_labels"] = label_test
        args.out.write_text(HEADER + LABELS_NOTE + yaml.safe_dump(current, sort_keys=False,
                            width=100), encoding="utf-8")
        print(f"wrote {args.out}: {len(label_test)} of {len(labels['questions'])} labels in test")
        return
    suites: dict[str, list[str]] = {}
    for path in sorted(Path("eval/suites").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        suites[data["suite"]] = pick(data["suite"], [c["id"] for c in data["cases"]])
    by_source: dict[str, list[str]] = defaultdict(list)
    for q in labels["questions"]:
        by_source[q["source"]].append(q["id"])
    label_test = sorted(i for src, ids in sorted(by_source.items()) for i in pick(src, ids))
    body = yaml.safe_dump({"version": 1, "share": SHARE, "suites": suites,
                           "retrieval_labels": label_test}, sort_keys=False, width=100)
    args.out.write_text(HEADER + body, encoding="utf-8")
    print(f"wrote {args.out}: {sum(map(len, suites.values()))} test cases, "
          f"{len(label_test)} test labels")


if __name__ == "__main__":
    main()
