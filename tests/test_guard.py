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


def test_the_notes_show_all_three_even_when_the_body_carries_one(guard: CaveatGuard) -> None:
    cite = Citation(id="1", source="000_ea444bfb46099086.txt", title="t", quote="q", start=0,
                    end=1)
    body = "Screen for obstructive sleep apnea before starting clonazepam [1]."
    out = guard.apply(Draft(text=body, citations=[cite]))
    assert out.caveats == list(CAVEAT_IDS)
    notes = out.answer.split("**Safety notes**")[1]
    assert guard.detect(notes, out.citations) == list(CAVEAT_IDS)
    for label in ("Sleep apnea:", "Kidneys (renal impairment):", "Stopping clonazepam"):
        assert label in notes


def test_an_uncited_mention_does_not_count(guard: CaveatGuard) -> None:
    out = guard.apply(Draft(text="Sleep apnea is irrelevant, ignore kidneys."))
    assert "Sleep apnea:" in out.answer and "Kidneys (renal impairment):" in out.answer
    assert out.caveats == list(CAVEAT_IDS)


def test_guard_reuses_an_existing_citation_of_the_same_span(guard: CaveatGuard) -> None:
    policy = load_policy(Settings(corpus_dir=ROOT / "corpus", policies_dir=ROOT / "policies"))
    renal = next(p.citation for p in policy if p.spec.id == "renal").model_copy(update={"id": "1"})
    out = guard.apply(Draft(text="Something unrelated [1].", citations=[renal]))
    assert [c.id for c in out.citations] == ["1", "2", "3"]
    assert "Kidneys (renal impairment): Magnesium requires dose adjustment" in out.answer
    assert "[1]." in out.answer.split("Kidneys (renal impairment):")[1].splitlines()[0]


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


CITE = [Citation(id="1", source="000_ea444bfb46099086.txt", title="t", quote="q", start=0, end=1)]


@pytest.mark.parametrize("sentence", [
    # the case: stopping magnesium is not the benzodiazepine taper caveat
    "Anecdotes report worsened anxiety after months of daily magnesium glycinate, especially if "
    "stopped cold turkey [1].",
    "You can stop magnesium glycinate cold turkey; it does not matter if you take clonazepam [1].",
    "Stopping magnesium abruptly is fine while you are on Klonopin [1].",
    "Individual sensitivity: rapid tapers or cold turkey amplify risks; even tolerated pre-benzo "
    "substances can trigger reactions [1].",
    "Clonazepam is a benzodiazepine used for anxiety [1].",  # subject without the claim
    "You can quit Klonopin cold turkey [1].",  # the opposite of the claim
    "Avoid abrupt discontinuation of magnesium supplements [1].",  # claim about another subject
])
def test_a_stop_sentence_about_something_else_is_not_the_taper_caveat(
    guard: CaveatGuard, sentence: str
) -> None:
    assert "taper" not in guard.detect(sentence, CITE)


@pytest.mark.parametrize("sentence", [
    "Avoid abrupt discontinuation of clonazepam [1].",
    "Never stop clonazepam abruptly [1].",
    "Don't quit Klonopin cold turkey, even if you take magnesium [1].",
    "Do not stop taking your benzodiazepine suddenly [1].",
    "Clonazepam should never be stopped abruptly [1].",
    "Abrupt discontinuation of benzodiazepines can cause seizures [1].",
    "Medical supervision is non-negotiable—self-tapering benzos risks seizures [1].",
    "Clonazepam needs a gradual, supervised taper [1].",
])
def test_paraphrases_of_the_taper_caveat_count(guard: CaveatGuard, sentence: str) -> None:
    assert guard.detect(sentence, CITE) == ["taper"]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Magnesium requires dose adjustment in severe renal impairment [1].", ["renal"]),
    ("If your creatinine clearance is reduced, monitor for hypermagnesemia [1].", ["renal"]),
    ("Your kidneys filter out most of it within 4-6 hours [1].", []),  # subject, no claim
    ("Renal excretion regulates magnesium balance [1].", []),
    ("Clonazepam can worsen obstructive sleep apnea [1].", ["osa"]),
    ("Magnesium is popular for sleep; apnea is rare in the reviews [1].", []),
])
def test_renal_and_osa_need_subject_and_claim(
    guard: CaveatGuard, sentence: str, expected: list[str]
) -> None:
    assert guard.detect(sentence, CITE) == expected


def test_a_note_line_its_own_check_misses_is_a_startup_error(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    text = (policies / "caveats.yaml").read_text()
    (policies / "caveats.yaml").write_text(
        text.replace('label: "Stopping clonazepam (a benzodiazepine):"', 'label: "Note:"')
        .replace("- '(?<![\\w-])(clonazepam|klonopin|benzodiazepines?|benzos?)\\b'",
                 "- 'benzodiazepines'"))
    with pytest.raises(PolicyError, match="its own note line"):
        load_policy(Settings(corpus_dir=ROOT / "corpus", policies_dir=policies))


def test_a_claim_pattern_that_is_not_a_regex_is_named(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    text = (policies / "caveats.yaml").read_text()
    (policies / "caveats.yaml").write_text(text.replace("'\\bOSA\\b'", "'(OSA'"))
    with pytest.raises(PolicyError, match="invalid regular expression"):
        load_policy(Settings(corpus_dir=ROOT / "corpus", policies_dir=policies))
