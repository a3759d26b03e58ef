"""The frozen tuning/test split: every suite has >= 30% of its cases in test, the split file
names only real cases and labels, and `--split` runs exactly one part."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from assistant.core.errors import InputError
from assistant.evaluation.splits import load_splits, select, select_labels
from assistant.evaluation.suite import load_suites

ROOT = Path(__file__).resolve().parent.parent
SUITES = sorted((ROOT / "eval" / "suites").glob("*.yaml"))


def test_every_suite_has_a_frozen_test_part_of_at_least_30_percent() -> None:
    splits = load_splits(ROOT / "eval" / "splits.yaml")
    for suite in load_suites(SUITES):
        ids = {c.id for c in suite.cases}
        test = set(splits.suites[suite.suite])
        assert test <= ids, f"{suite.suite}: unknown case ids {test - ids}"
        assert len(test) >= math.ceil(0.3 * len(ids))
        assert len(ids - test) > 0


def test_labels_split_names_real_labels() -> None:
    splits = load_splits(ROOT / "eval" / "splits.yaml")
    labels = yaml.safe_load((ROOT / "eval" / "retrieval_labels.yaml").read_text())["questions"]
    ids = [q["id"] for q in labels]
    test, tune = select_labels(ids, splits, "test"), select_labels(ids, splits, "tune")
    assert test and tune and not test & tune and test | tune == set(ids)
    assert len(test) >= math.ceil(0.3 * len(ids)) - len({q["source"] for q in labels})


def test_labels_split_is_half_of_every_source_file() -> None:
    """Issue 12: a tuning half and a test half of the retrieval labels, by source file."""
    splits = load_splits(ROOT / "eval" / "splits.yaml")
    labels = yaml.safe_load((ROOT / "eval" / "retrieval_labels.yaml").read_text())["questions"]
    test = set(splits.retrieval_labels)
    for source in {q["source"] for q in labels}:
        ids = [q["id"] for q in labels if q["source"] == source]
        share = len(test.intersection(ids)) / len(ids)
        assert 0.45 <= share <= 0.6, (source, share)


def test_select_partitions_the_cases() -> None:
    splits = load_splits(ROOT / "eval" / "splits.yaml")
    suites = load_suites(SUITES)
    test, tune = select(suites, splits, "test"), select(suites, splits, "tune")
    count = {name: sum(len(s.cases) for s in part) for name, part in
             (("test", test), ("tune", tune), ("all", select(suites, splits, "all")))}
    assert count["test"] + count["tune"] == count["all"] == sum(len(s.cases) for s in suites)
    test_ids = {(s.suite, c.id) for s in test for c in s.cases}
    assert not test_ids & {(s.suite, c.id) for s in tune for c in s.cases}


def test_a_bad_split_file_is_a_clear_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "splits.yaml"
    bad.write_text("version: 1\nshare: 3\nsuites: {}\n")
    with pytest.raises(InputError, match="share"):
        load_splits(bad)
