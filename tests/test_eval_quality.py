"""Answer-quality metrics (issue 11) on small hand-made records: most-repeated body sentence,
header rows shown, dangling fragments, conflicts flagged, lead pass per tag, and their place
in the summary, the reports and `eval compare`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.core.errors import InputError
from assistant.evaluation.compare import compare, render
from assistant.evaluation.corpus import CorpusFiles
from assistant.evaluation.metrics import compute, most_repeated, summarize
from assistant.evaluation.quality import (
    QualityChecks,
    body_sentences,
    fragments,
    header_rows,
    is_header_row,
    load_quality_checks,
)
from assistant.evaluation.report import render_html, render_markdown

ROOT = Path(__file__).resolve().parents[1]
TABLE = (
    "Intro line.\n\n"
    "| Class | Interaction | What to Do |\n"
    "|---|---|---|\n"
    "| Antibiotics | Binds in the gut | Take two hours apart. |\n"
    "| Sedatives | Adds drowsiness | Ask your doctor first. |\n"
)
TAB_TABLE = "A\tB\nrow one of the table\tand more words here\n--\t--\n"


@pytest.fixture(scope="module")
def qc() -> QualityChecks:
    return load_quality_checks(ROOT / "eval" / "quality_checks.yaml")


@pytest.fixture()
def corpus(tmp_path: Path) -> CorpusFiles:
    (tmp_path / "t.txt").write_text(TABLE, encoding="utf-8")
    (tmp_path / "tab.txt").write_text(TAB_TABLE, encoding="utf-8")
    return CorpusFiles(tmp_path)


def _cite(n: int, text: str, quote: str, source: str = "t.txt") -> dict[str, Any]:
    start = text.index(quote)
    return {"id": str(n), "source": source, "quote": quote, "start": start,
            "end": start + len(quote)}


def rec(body: str, *, refused: bool = False, tags: tuple[str, ...] = ("t",),
        checks: dict[str, Any] | None = None, notes: tuple[str, ...] = (),
        case: str = "c") -> dict[str, Any]:
    return {"suite": "s", "case_id": case, "turn": 0, "body": body, "answer": body,
            "refused": refused, "tags": list(tags), "checks": checks or {}, "notes": list(notes),
            "passed": True, "failures": [], "latency_ms": 1.0}


def test_body_sentences_drop_markers_and_bullets() -> None:
    body = "Lead sentence here [1].\n\n- Second point is made [2].\n- Third one [3]. Fourth one."
    assert body_sentences(body) == ["Lead sentence here.", "Second point is made.",
                                    "Third one.", "Fourth one."]


def test_most_repeated_counts_answers_not_occurrences_and_skips_refusals() -> None:
    filler = "- The same filler sentence appears [2]."
    records = [
        rec(f"An answer about one thing [1].\n{filler}\n{filler}"),
        rec("Another different lead sentence [1].\n- the same filler sentence appears [4]"),
        rec("A third lead with nothing shared [1]."),
        rec(f"Refused. {filler}", refused=True),
    ]
    sentence, count, total = most_repeated(records)
    assert (sentence, count, total) == ("The same filler sentence appears.", 2, 3)
    assert compute(records)["repeated_sentence_share"] == round(2 / 3, 4)
    assert compute(records)["answered"] == 3
    assert compute([rec("x", refused=True)])["repeated_sentence_share"] is None


def test_header_row_needs_a_markdown_rule_after_the_quoted_row(corpus: CorpusFiles) -> None:
    header = "| Class | Interaction | What to Do |"
    row = "| Antibiotics | Binds in the gut | Take two hours apart. |"
    assert is_header_row(TABLE, TABLE.index(header) + len(header))
    assert not is_header_row(TABLE, TABLE.index(row) + len(row))
    assert not is_header_row(TABLE, len(TABLE))  # last line: nothing after it
    # a short "--<TAB>--" line closing a TAB table is not a header rule
    quote = "row one of the table\tand more words here"
    assert not is_header_row(TAB_TABLE, TAB_TABLE.index(quote) + len(quote))
    cites = [_cite(1, TABLE, header), _cite(2, TABLE, row), _cite(3, TABLE, "Intro line.")]
    body = "Intro line [3].\n\n- Class; Interaction; What to Do [1]\n- Antibiotics: two hours [2]."
    assert header_rows(body, cites, corpus) == [header]
    # a header citation listed but not marked in the body is not shown
    assert header_rows("Intro line [3].", cites, corpus) == []


def test_fragments_openers_punctuation_and_stray_references(qc: QualityChecks) -> None:
    body = ("Magnesium is usually well tolerated [1].\n\n"
            "- These should be taken 4 hours apart [2].\n"
            "- For instance, some people get diarrhea [3].\n"
            "- If this happens even once, stop and call [4].\n"
            "- Clonazepam can accumulate [5]\n"
            "- It does not fall into this high-risk category 5.\n"
            "- The kidney threshold is below 30 mL/min [6].\n"
            "- Thesecond word is not an opener [7].")
    found = fragments(body, qc)
    assert [f.split(":")[0] for f in found] == [
        "leans on the sentence before", "leans on the sentence before",
        "leans on the sentence before", "no final punctuation", "leans on the sentence before"]
    assert fragments("Clean lead [1].\n- Not below 30 [2].\n- Ends here: [3]", qc) == []
    assert fragments("Side effects were rare 1, 2.", qc) == [
        "stray reference number: Side effects were rare 1, 2."]
    # a leaning sentence after the one it leans on, in the same bullet, is no fragment
    joined = "- A 500 mg capsule gives 70 mg. This distinction matters for dosing [1]."
    assert fragments(joined, qc) == []
    assert len(fragments("- This distinction matters. A 500 mg capsule gives 70 mg [1].", qc)) == 1
    # the "it" of "It is … to/that …" stands for what follows; "It is a …" leans back
    assert fragments("It is generally safe to take both at these doses [1].", qc) == []
    assert len(fragments("It is a chelated form of magnesium [1].", qc)) == 1


def test_quality_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "q.yaml"
    bad.write_text("leaning_openers: [This]\nfinal_punctuation: '.'\nstray_reference: '('\n",
                   encoding="utf-8")
    with pytest.raises(InputError, match="stray_reference"):
        load_quality_checks(bad)
    bad.write_text("leaning_openers: []\nfinal_punctuation: '.'\nstray_reference: 'x'\n",
                   encoding="utf-8")
    with pytest.raises(InputError, match="leaning_openers"):
        load_quality_checks(bad)
    bad.write_text("leaning_openers: [It]\nfinal_punctuation: '.'\nstray_reference: 'x'\n"
                   "standalone: ['(']\n", encoding="utf-8")
    with pytest.raises(InputError, match="standalone"):
        load_quality_checks(bad)


def test_counts_conflicts_and_lead_per_tag() -> None:
    records = [
        rec("A [1].", tags=("safety",), checks={"header_rows": ["h"], "fragments": ["f1", "f2"],
                                                "lead_ok": True},
            notes=("conflict: 000 vs 004 on risk", "other")),
        rec("B [1].", tags=("safety", "dose"), checks={"header_rows": [], "fragments": [],
                                                       "lead_ok": False}),
        rec("C [1].", tags=("dose",), checks={"header_rows": [], "fragments": []},
            notes=("no conflict: here",)),
        rec("refused", refused=True, checks={"header_rows": ["x"], "fragments": ["y"]}),
    ]
    m = compute(records)
    assert (m["header_rows"], m["fragments"], m["conflicts_flagged"]) == (1, 2, 1)
    assert m["turns_with_fragments"] == round(1 / 3, 4)
    assert m["lead_pass_rate"] == 0.5
    summary = summarize(records)
    assert summary["by_tag"]["safety"]["lead_pass_rate"] == 0.5
    assert summary["by_tag"]["dose"]["lead_pass_rate"] == 0.0
    assert summary["quality_examples"] == {"header_rows": ["s/c/0: h"],
                                           "fragments": ["s/c/0: f1", "s/c/0: f2"]}
    # records checked without the quality file: not measured, not zero
    assert compute([rec("A [1].")])["header_rows"] is None


def test_summary_reports_and_compare_show_the_quality_metrics() -> None:
    filler = "- Shared filler sentence is here [2]."
    old = [rec(f"Lead one [1].\n{filler}", case="a",
               checks={"header_rows": ["Hdr; row"], "fragments": ["leans: This x."]}),
           rec(f"Lead two [1].\n{filler}", case="b", checks={"header_rows": [], "fragments": []})]
    new = [rec("Lead one [1].", case="a", checks={"header_rows": [], "fragments": []}),
           rec("Lead two [1].", case="b", checks={"header_rows": [], "fragments": []})]
    summary = {**summarize(old), "notes": []}
    json.dumps(summary)  # metrics.json is JSON
    assert summary["repeated_sentence"] == {"sentence": "Shared filler sentence is here.",
                                            "answers": 2, "answered": 2}
    md = render_markdown("s", summary, old)
    assert "2 of 2 answered turns contain: Shared filler sentence is here." in md
    assert "| most-repeated body sentence (share of answered) | 100.0% |" in md
    assert "| table header rows shown (body lines) | 1 |" in md
    assert "s/a/0: Hdr; row" in md and "| top sentence | header rows | fragments |" in md
    html = render_html("s", summary, old)
    assert "Shared filler sentence is here." in html and "s/a/0: leans: This x." in html
    result = compare(old, new)
    by_key = {d.key: d for d in result.metrics}
    assert by_key["repeated_sentence_share"].delta == -0.5
    assert by_key["repeated_sentence_share"].better is True
    assert by_key["header_rows"].better is True and by_key["fragments"].new == 0
    from rich.console import Console

    console = Console(record=True, width=200)
    for part in render(result, "old", "new"):
        console.print(part)
    text = console.export_text()
    assert "Most-repeated body sentence in old: 2 of 2 answers: Shared filler" in text
    assert "dangling fragments shown" in text
