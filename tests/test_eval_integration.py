"""The eval harness end to end on the real pipeline (real index, embeddings, retriever)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from assistant.core.settings import Settings

pytestmark = pytest.mark.slow

SRC = "000_ea444bfb46099086.txt"
SUITE = {
    "suite": "integration",
    "cases": [
        {"id": "seed", "tags": ["seed"], "turns": [
            {"user": "Can I take magnesium glycinate and clonazepam together?",
             "expect": {"refuse": False, "sources_any": [SRC]}},
            {"user": "What if my kidneys are impaired?", "expect": {}},
        ]},
        {"id": "warfarin", "tags": ["refusal"], "turns": [
            {"user": "Does magnesium glycinate interact with warfarin?",
             "expect": {"refuse": True}},
        ]},
    ],
}


def test_real_pipeline_run_follows_the_contract(indexed_settings: Settings, tmp_path: Path,
                                                repo_root: Path) -> None:
    from assistant.cli.eval import make_answerer
    from assistant.evaluation.harness import evaluate

    suite = tmp_path / "suite.yaml"
    suite.write_text(yaml.safe_dump(SUITE), encoding="utf-8")
    labels = tmp_path / "labels.yaml"
    labels.write_text(yaml.safe_dump({"questions": [{
        "id": "crcl", "question": "magnesium dose adjustment for creatinine clearance",
        "source": SRC,
        "answer_substring": "Magnesium requires dose adjustment in severe renal impairment"}]}),
        encoding="utf-8")
    out = tmp_path / "results.jsonl"
    run = evaluate(indexed_settings, [suite], out, make_answerer, report_dir=tmp_path / "rep",
                   labels_path=labels)

    schema = json.loads((repo_root / "eval" / "contract.schema.json").read_text(encoding="utf-8"))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["case_id"], r["turn"]) for r in records] == [("seed", 0), ("seed", 1),
                                                            ("warfarin", 0)]
    for r in records:
        jsonschema.validate(r, schema)
        assert r["checks"]["error"] is None
        assert r["retrieved"] or r["refused"]
    overall = run.summary["overall"]
    # The harness's own verdicts on the real pipeline's promises (not the answerer's claims):
    assert overall["caveat_all"] == 1.0, [r["failures"] for r in records]
    assert overall["citation_validity"] == 1.0, [r["failures"] for r in records]
    assert overall["unresolved_markers"] == 0
    assert run.summary["retrieval"]["scored"] == 1
    assert (tmp_path / "rep" / "report.html").stat().st_size > 1000
