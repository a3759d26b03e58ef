"""Checks on the hand-written eval data: shape (per /work/shared/eval-contract.md), counts,
and that every expectation is anchored in the corpus text (no model, no index needed)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
EVAL = ROOT / "eval"
SUITES = EVAL / "suites"
SEED_FILE = "000_ea444bfb46099086.txt"

EXPECT_KEYS = {"refuse", "sources_any", "mention_all", "mention_none", "lead_any", "lead_none"}
REGEX_KEYS = ("mention_all", "mention_none", "lead_any", "lead_none")
TAGS = {
    "seed", "paraphrase", "follow-up", "renal", "osa", "taper", "dose", "interaction",
    "sleep", "fact", "off-corpus", "near-domain", "far-domain", "adversarial", "injection",
    "role-play", "history", "system-prompt", "odd-input", "markup", "language", "long-input",
    *(f"file-00{i}" for i in range(5)),
}  # fmt: skip
SUITE_NAMES = {"seed", "followups", "facts", "off_corpus", "adversarial", "odd_input"}


@cache
def corpus_texts() -> dict[str, str]:
    """File name -> text, decoded exactly as the citation contract says (no newline changes)."""
    return {p.name: p.read_bytes().decode("utf-8") for p in sorted(CORPUS.glob("*.txt"))}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def suites() -> dict[str, dict[str, Any]]:
    return {p.stem: load(p) for p in sorted(SUITES.glob("*.yaml"))}


def all_turns() -> list[tuple[str, dict[str, Any], int, dict[str, Any]]]:
    return [
        (name, case, i, turn)
        for name, suite in suites().items()
        for case in suite["cases"]
        for i, turn in enumerate(case["turns"])
    ]


def expect_of(turn: dict[str, Any]) -> dict[str, Any]:
    return turn.get("expect") or {}


def test_corpus_has_five_files() -> None:
    assert len(corpus_texts()) == 5


def test_all_suite_files_present() -> None:
    assert set(suites()) == SUITE_NAMES
    for stem, suite in suites().items():
        assert suite["suite"] == stem, f"{stem}.yaml: suite name should match the file name"


@pytest.mark.parametrize("stem", sorted(SUITE_NAMES))
def test_suite_shape(stem: str) -> None:
    suite = suites()[stem]
    assert set(suite) == {"suite", "cases"}
    assert isinstance(suite["suite"], str) and suite["suite"]
    cases = suite["cases"]
    assert isinstance(cases, list) and cases
    ids = [c["id"] for c in cases]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate case ids in {stem}: {dupes}"
    for case in cases:
        assert isinstance(case["id"], str) and case["id"]
        assert isinstance(case["tags"], list) and case["tags"], case["id"]
        unknown = set(case["tags"]) - TAGS
        assert not unknown, f"{stem}/{case['id']}: unknown tags {unknown}"
        assert isinstance(case["turns"], list) and case["turns"], case["id"]
        for turn in case["turns"]:
            check_turn(f"{stem}/{case['id']}", turn)


def check_turn(where: str, turn: dict[str, Any]) -> None:
    assert set(turn) <= {"user", "expect"}, where
    assert isinstance(turn["user"], str), where
    assert len(turn["user"]) < 4000, where
    exp = expect_of(turn)
    assert isinstance(exp, dict), where
    assert set(exp) <= EXPECT_KEYS, f"{where}: unknown expect keys {set(exp) - EXPECT_KEYS}"
    if "refuse" in exp:
        assert isinstance(exp["refuse"], bool), where
    for key in ("sources_any", *REGEX_KEYS):
        if key in exp:
            values = exp[key]
            assert isinstance(values, list) and values, f"{where}: {key}"
            assert all(isinstance(v, str) and v for v in values), f"{where}: {key}"
    for key in REGEX_KEYS:
        for pattern in exp.get(key, []):
            re.compile(pattern)


def test_sources_exist() -> None:
    names = set(corpus_texts())
    for stem, case, _, turn in all_turns():
        missing = set(expect_of(turn).get("sources_any", [])) - names
        assert not missing, f"{stem}/{case['id']}: unknown sources {missing}"


def test_mentions_are_true_of_the_cited_sources() -> None:
    """A mention_all regex must match the text of at least one file the turn expects cited,
    so an extractive answer quoting that file can satisfy it."""
    texts = corpus_texts()
    for stem, case, _, turn in all_turns():
        exp = expect_of(turn)
        for pattern in exp.get("mention_all", []) if "sources_any" in exp else []:
            hit = any(re.search(pattern, texts[s]) for s in exp["sources_any"])
            assert hit, f"{stem}/{case['id']}: {pattern!r} is in none of {exp['sources_any']}"


def test_counts() -> None:
    turns = all_turns()
    per_suite = Counter(stem for stem, *_ in turns)
    assert len(turns) >= 300, per_suite
    assert per_suite["seed"] >= 16
    assert per_suite["adversarial"] >= 25
    assert per_suite["odd_input"] >= 20
    assert len(suites()["facts"]["cases"]) >= 60
    assert len(suites()["off_corpus"]["cases"]) >= 30
    conversations = suites()["followups"]["cases"]
    assert len(conversations) >= 12
    assert all(2 <= len(c["turns"]) <= 4 for c in conversations)


def test_seed_is_verbatim_first_line() -> None:
    first_line = corpus_texts()[SEED_FILE].split("\n", 1)[0]
    first = suites()["seed"]["cases"][0]
    assert first["turns"][0]["user"] == first_line
    for case in suites()["seed"]["cases"]:
        exp = expect_of(case["turns"][0])
        assert exp["refuse"] is False and SEED_FILE in exp["sources_any"], case["id"]


def test_facts_cover_every_file() -> None:
    per_file: Counter[str] = Counter()
    for case in suites()["facts"]["cases"]:
        assert len(case["turns"]) == 1 and "fact" in case["tags"], case["id"]
        exp = expect_of(case["turns"][0])
        assert exp.get("sources_any") and exp.get("mention_all"), case["id"]
        file_tags = [t for t in case["tags"] if t.startswith("file-")]
        assert len(file_tags) == 1, case["id"]
        prefix = file_tags[0].removeprefix("file-")
        assert any(s.startswith(prefix) for s in exp["sources_any"]), case["id"]
        per_file[prefix] += 1
    assert len(per_file) == 5 and min(per_file.values()) >= 8, per_file


def absent_from_corpus(term: str) -> bool:
    pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
    return not any(pattern.search(text) for text in corpus_texts().values())


def test_off_corpus_cases_are_really_off_corpus() -> None:
    for case in suites()["off_corpus"]["cases"]:
        absent = case.get("absent")
        assert isinstance(absent, list) and absent, f"{case['id']}: needs absent: [...]"
        assert {"near-domain", "far-domain"} & set(case["tags"]), case["id"]
        for term in absent:
            assert absent_from_corpus(term), f"{case['id']}: {term!r} occurs in the corpus"
            assert term.lower() in case["turns"][0]["user"].lower(), f"{case['id']}: {term!r}"
        assert all(expect_of(t).get("refuse") is True for t in case["turns"]), case["id"]


@cache
def labels() -> list[dict[str, Any]]:
    return load(EVAL / "retrieval_labels.yaml")["questions"]


def test_retrieval_labels_shape_and_coverage() -> None:
    items = labels()
    assert len(items) >= 50
    assert len({q["id"] for q in items}) == len(items)
    assert len({q["question"] for q in items}) == len(items)
    per_file = Counter(q["source"] for q in items)
    assert set(per_file) == set(corpus_texts()) and min(per_file.values()) >= 6, per_file


def test_retrieval_labels_substrings_are_exact_and_unique() -> None:
    texts = corpus_texts()
    for q in labels():
        assert set(q) == {"id", "question", "source", "answer_substring"}, q
        sub = q["answer_substring"]
        assert 20 <= len(sub) <= 200, q["id"]
        assert texts[q["source"]].count(sub) == 1, f"{q['id']}: not exactly once in source"
        assert sub.lower() not in q["question"].lower(), q["id"]


def test_retrieval_alternates_are_exact_and_apart_from_their_labels_passage() -> None:
    """Other passages that answer a label's question (judged from the corpus alone): each an
    exact substring of its file, for a label that exists, not overlapping the label's own."""
    texts = corpus_texts()
    own = {q["id"]: q for q in labels()}
    table = load(EVAL / "retrieval_alternates.yaml")["alternates"]
    assert table and set(table) <= set(own)
    for label_id, items in table.items():
        label = own[label_id]
        at = texts[label["source"]].find(label["answer_substring"])
        for alt in items:
            sub = alt["answer_substring"]
            assert texts[alt["source"]].count(sub) >= 1, f"{label_id}: not in {alt['source']}"
            start = texts[alt["source"]].find(sub)
            assert alt["source"] != label["source"] or not (
                start < at + len(label["answer_substring"]) and at < start + len(sub)), label_id


def test_labels_include_crcl_question() -> None:
    crcl = [q for q in labels() if "creatinine clearance" in q["question"]]
    assert crcl and crcl[0]["source"] == SEED_FILE and "CrCl <30" in crcl[0]["answer_substring"]


def test_calibration_set() -> None:
    data = load(EVAL / "calibration.yaml")
    assert set(data) == {"in_corpus", "off_corpus"}
    for key in ("in_corpus", "off_corpus"):
        items = data[key]
        assert len(items) >= 40 and all(isinstance(s, str) and s.strip() for s in items), key
        assert len({s.lower() for s in items}) == len(items), f"duplicates in {key}"
    suite_questions = {turn["user"].strip().lower() for *_, turn in all_turns()}
    suite_questions |= {q["question"].strip().lower() for q in labels()}
    overlap = {s for s in data["in_corpus"] + data["off_corpus"] if s.lower() in suite_questions}
    assert not overlap, f"calibration must not reuse eval questions: {overlap}"
    assert not set(data["in_corpus"]) & set(data["off_corpus"])
    near = re.compile(r"(?i)magnesium|clonazepam|klonopin|benzo")
    assert sum(bool(near.search(s)) for s in data["off_corpus"]) >= 25, "need >=25 near-domain"


def test_suites_load_in_the_harness() -> None:
    """The harness's own loader (strict pydantic models) accepts every suite file."""
    from assistant.evaluation.suite import load_suites

    loaded = load_suites(sorted(SUITES.glob("*.yaml")))
    assert {s.suite for s in loaded} == SUITE_NAMES
