"""What a question asks for (``answering.compose.asked``), read in the parts that ask."""

from __future__ import annotations

from pathlib import Path

from assistant.answering.compose import load_answer_policy
from assistant.answering.compose.asked import read_kinds
from assistant.answering.pipeline import Assistant

POLICY = load_answer_policy(Path(__file__).resolve().parents[1] / "policies")


def test_a_question_pointing_back_at_a_kind_in_its_exact_words_asks_that_kind() -> None:
    told = "also ive put on like 9kg since i started it. is the klonopin doing that?"
    asking, kinds = read_kinds(told, "", [], POLICY)
    assert kinds[:1] == ("weight_change",) and "9kg" in asking
    # a question asking something of its own is read on its own
    asking, kinds = read_kinds("I put on 4 kg last year. Is it safe to take with clonazepam?",
                               "", [], POLICY)
    assert "weight_change" not in kinds and "4 kg" not in asking
    # a verdict going on from a state told before it ("still") asks about that state
    _, kinds = read_kinds("found a bottle of magnesium that expired in 2022. is it still ok?",
                          "", [], POLICY)
    assert kinds[:1] == ("expiry",)
    # a story sentence naming a kind only in looser words does not make the question ask it
    _, kinds = read_kinds("I feel heavier these days. is it the magnesium doing that?", "", [],
                          POLICY)
    assert "weight_change" not in kinds


def test_weight_gain_told_before_a_question_that_points_back_is_declined_for_that_part(
        assistant: Assistant) -> None:
    answer = assistant.ask("also ive put on like 9kg since i started it. "
                           "is the klonopin doing that?")
    assert answer.refused and "weight gain" in answer.body
