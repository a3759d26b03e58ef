"""Doses the user gives against those the lead names (compose/doses.py, policy dose_note)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answering.compose import load_answer_policy
from assistant.answering.compose.doses import daily_doses, dose_note, doses
from assistant.core.errors import PolicyError
from assistant.core.policy import WORDS_FILE

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = load_answer_policy(ROOT / "policies").dose_note
LEAD = "It is generally safe to take 120mg of magnesium glycinate with 0.5mg clonazepam."


def test_doses_are_read_in_milligrams_with_ranges() -> None:
    assert doses("500 mcg and 1 g, or 200-400mg") == [
        (0.5, 0.5, "500 mcg"), (1000.0, 1000.0, "1 g"), (200.0, 400.0, "200-400mg")]
    # thousands separators: "3,000mg" is three thousand milligrams, not "000mg"
    assert doses("take 2,000-3,000mg of oxide") == [(2000.0, 3000.0, "2,000-3,000mg")]
    # a lab concentration is no dose; a dose per day is
    assert doses("serum magnesium 2.0 mg/dL, UL 350 mg/day") == [(350.0, 350.0, "350 mg")]


@pytest.mark.parametrize(("question", "noted"), [
    ("Is 200 mg ok with 1 mg klonopin?", True),      # none of the user's doses is the lead's
    ("Is 120 mg plus clonazepam 500 mcg safe?", False),  # 500 mcg is 0.5 mg
    ("Is magnesium safe with clonazepam?", False),   # the user gave no dose
    ("Is 0.5 mg of clonazepam with 300 mg fine?", False),  # one of them is the lead's
])
def test_a_lead_about_other_doses_says_so(question: str, noted: bool) -> None:
    note = dose_note(question, LEAD, TEMPLATE)
    assert (note is not None) is noted
    if note:
        assert "120mg and 0.5mg" in note and "200 mg and 1 mg" in note


def test_a_range_in_the_lead_covers_the_doses_inside_it() -> None:
    assert dose_note("Is 300 mg enough?", "Take 200-400mg before bed.", TEMPLATE) is None
    assert dose_note("Is 600 mg enough?", "Take 200-400mg before bed.", TEMPLATE) is not None


def test_a_bound_in_the_lead_covers_the_doses_past_it() -> None:
    lead = "Morning grogginess is caused by an excessive dose (>400mg): delayed clearance."
    assert dose_note("I take 500 mg at bedtime, how do I fix this?", lead, TEMPLATE) is None
    assert dose_note("I take 300 mg at bedtime, how do I fix this?", lead, TEMPLATE) is not None
    below = "Take up to 350 mg from supplements."
    assert dose_note("Is 200 mg ok?", below, TEMPLATE) is None
    assert dose_note("Is 500 mg ok?", below, TEMPLATE) is not None
    assert doses("over 400 mg")[0][1] == float("inf") and doses("<350mg")[0][0] == 0.0


def test_the_note_template_must_name_both_doses(tmp_path: Path) -> None:
    text = (ROOT / "policies" / "answer.yaml").read_text(encoding="utf-8")
    shutil.copy(ROOT / "policies" / WORDS_FILE, tmp_path)  # the word lists it uses
    (tmp_path / "answer.yaml").write_text(
        text.replace("you asked about {yours}", "you asked about other doses"), encoding="utf-8")
    with pytest.raises(PolicyError, match="dose_note"):
        load_answer_policy(tmp_path)


def test_a_dose_is_compared_only_with_doses_of_the_same_substance() -> None:
    def subject(word: str) -> str | None:
        return word.lower() if word.lower() in {"ambien", "magnesium", "clonazepam"} else None

    lead = "Dose Adjustment: Reduce magnesium to 200mg initially."
    # the user's 10mg is Ambien's; the lead's 200mg is magnesium's: nothing to compare
    assert dose_note("on ambien 10mg nightly. can i take magnesium with it?", lead, TEMPLATE,
                     subject) is None
    # a magnesium dose the lead does not name is noted
    assert dose_note("Is 400 mg of magnesium ok with it?", lead, TEMPLATE, subject)
    # without a way to tell substances apart, every dose is compared (as before)
    assert dose_note("on ambien 10mg nightly. can i take magnesium with it?", lead, TEMPLATE)


def test_only_doses_of_the_question_or_what_it_points_back_at_are_asked_about() -> None:
    from assistant.answering.compose.composer import _asked_doses

    story = ("I'm 20 weeks pregnant. My prenatal already has magnesium in it (I think 100mg?). "
             "How much can I safely take on top of my prenatal?")
    assert "100mg" not in _asked_doses(story)
    pointed = "I take 800mg every night. Is that too much?"
    assert "800mg" in _asked_doses(pointed)
    assert dose_note(_asked_doses(pointed), "The UL for supplements is 350 mg.", TEMPLATE)
    assert "500 mg" in _asked_doses("Is 500 mg glycinate too much for sleep?")


def test_a_dose_taken_several_at_a_time_is_not_compared() -> None:
    """"2 caps at 300mg elemental each, so 600 a day": the user takes 600, not 300, so a note
    "you asked about 300mg" against a daily limit would mislead."""
    lead = "The upper limit for supplements is 350 mg per day."
    assert dose_note("I take 2 caps at 300mg each, so 600 a day. too much?", lead,
                     TEMPLATE) is None
    assert dose_note("I take 300mg twice a day. too much?", lead, TEMPLATE) is None
    assert dose_note("I take 300mg a day. too much?", lead, TEMPLATE) is not None


def test_daily_doses_are_those_said_per_day() -> None:
    assert [d for d, _ in daily_doses("125-300 mg with each meal (total daily dose 500-1200 mg)")
            ] == [(500.0, 1200.0, "500-1200 mg")]
    assert [d for d, _ in daily_doses("480 mg/day of glycinate; 100-400mg elemental daily")] == [
        (480.0, 480.0, "480 mg"), (100.0, 400.0, "100-400mg")]
    # a dose per kilogram, or one with no "per day", is not a daily intake
    assert daily_doses("IV magnesium 25-50 mg/kg daily") == []
    assert daily_doses("A 500 mg capsule provides about 70 mg of elemental magnesium") == []
