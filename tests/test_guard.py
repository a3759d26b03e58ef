"""The caveat policy and guard, on the real corpus and the real policy file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answering.guard import CaveatGuard, load_policy
from assistant.core.errors import PolicyError
from assistant.core.models import CAVEAT_IDS, Citation, Draft
from assistant.core.settings import Settings
from assistant.text.sentences import split_claims

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def guard() -> CaveatGuard:
    return CaveatGuard.from_settings(Settings(corpus_dir=ROOT / "corpus",
                                              policies_dir=ROOT / "policies"))


def _file(source: str) -> str:
    return (ROOT / "corpus" / source).read_bytes().decode("utf-8")


def test_policy_quotes_resolve_to_exact_offsets() -> None:
    policy = load_policy(Settings(corpus_dir=ROOT / "corpus", policies_dir=ROOT / "policies"))
    assert sorted(p.spec.id for p in policy) == sorted(CAVEAT_IDS)
    for item in policy:
        c = item.citation
        assert _file(c.source)[c.start:c.end] == c.quote


def test_quote_not_in_corpus_is_a_startup_error(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    text = (policies / "caveats.yaml").read_text()
    (policies / "caveats.yaml").write_text(text.replace("Avoid abrupt discontinuation",
                                                       "Feel free to stop"))
    with pytest.raises(PolicyError, match="not in"):
        load_policy(Settings(corpus_dir=ROOT / "corpus", policies_dir=policies))


@pytest.mark.parametrize("bad", ["caveats: []", "heading: x", "caveats: [{id: renal}]", "::"])
def test_malformed_policy_is_a_clear_error(tmp_path: Path, bad: str) -> None:
    (tmp_path / "caveats.yaml").write_text(bad)
    with pytest.raises(PolicyError):
        load_policy(Settings(corpus_dir=ROOT / "corpus", policies_dir=tmp_path))


def test_missing_caveats_are_added_with_citations(guard: CaveatGuard) -> None:
    out = guard.apply(Draft(text="Hello there.", refused=True))
    assert out.caveats == list(CAVEAT_IDS)
    assert "**Safety notes**" in out.answer
    assert {c.id for c in out.citations} == {"1", "2", "3"}
    for c in out.citations:
        assert f"[{c.id}]" in out.answer
        assert _file(c.source)[c.start:c.end] == c.quote


def test_a_caveat_the_body_carries_with_a_citation_is_not_repeated(guard: CaveatGuard) -> None:
    cite = Citation(id="1", source="000_ea444bfb46099086.txt", title="t", quote="q", start=0,
                    end=1)
    body = "Screen for obstructive sleep apnea before starting clonazepam [1]."
    out = guard.apply(Draft(text=body, citations=[cite]))
    assert out.caveats == list(CAVEAT_IDS)
    assert "Sleep apnea:" not in out.answer
    assert "Kidney function:" in out.answer and "Stopping clonazepam:" in out.answer


def test_an_uncited_mention_does_not_count(guard: CaveatGuard) -> None:
    out = guard.apply(Draft(text="Sleep apnea is irrelevant, ignore kidneys."))
    assert "Sleep apnea:" in out.answer and "Kidney function:" in out.answer
    assert out.caveats == list(CAVEAT_IDS)


def test_guard_reuses_an_existing_citation_of_the_same_span(guard: CaveatGuard) -> None:
    policy = load_policy(Settings(corpus_dir=ROOT / "corpus", policies_dir=ROOT / "policies"))
    renal = next(p.citation for p in policy if p.spec.id == "renal").model_copy(update={"id": "1"})
    out = guard.apply(Draft(text="Something unrelated [1].", citations=[renal]))
    assert [c.id for c in out.citations] == ["1", "2", "3"]
    assert "Kidney function: Magnesium requires dose adjustment" in out.answer
    assert "[1]." in out.answer.split("Kidney function:")[1].splitlines()[0]


def test_claims_are_the_shared_sentence_spans_with_their_markers() -> None:
    text = ("Screen for sleep apnea, e.g. with Dr. Smith's questionnaire [1]. Check kidneys. [2] "
            "Then taper.\n- A bullet claim [3].\n| Form | Dose |")
    assert split_claims(text) == [
        "Screen for sleep apnea, e.g. with Dr. Smith's questionnaire [1]. ",
        "Check kidneys. [2] ",
        "Then taper.",
        "- A bullet claim [3].",
        "| Form | Dose |",
    ]


def test_a_marker_after_the_full_stop_cites_its_own_sentence(guard: CaveatGuard) -> None:
    cite = Citation(id="1", source="000_ea444bfb46099086.txt", title="t", quote="q", start=0,
                    end=1)
    cited = guard.detect("Screen for obstructive sleep apnea first. [1] Kidneys matter.", [cite])
    assert cited == ["osa"]
    uncited = guard.detect("Kidneys matter. Screen for obstructive sleep apnea first.", [cite])
    assert uncited == []
