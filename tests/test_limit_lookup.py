"""The upper limit of a dose the user gives (answering.limit_lookup, compose.limits), with a
small fake search, and through the real pipeline."""

from __future__ import annotations

from pathlib import Path

from fakes import make_chunk, make_hit

from assistant.answering.compose import load_answer_policy
from assistant.answering.limit_lookup import LimitLookup
from assistant.answering.pipeline import Assistant
from assistant.core.models import Hit

POLICY = load_answer_policy(Path(__file__).resolve().parents[1] / "policies")
EVIDENCE = POLICY.kind_named("limit").evidence  # type: ignore[union-attr]
LIMIT = "Intro line. The Tolerable Upper Intake Level (UL) of 350 mg/day applies to magnesium " \
        "from supplements. A trial used 480 mg/day."
TABLE = "Teens: RDA 410 mg, UL 350 mg for magnesium."


def _subject(word: str) -> str | None:
    return {"magnesium": "magnesium", "mag": "magnesium", "clonazepam": "clonazepam"}.get(
        word.lower())


def _hit(text: str, start: int = 1000, source: str = "a.txt") -> Hit:
    return make_hit(make_chunk(text, source, start=start))


def test_the_limit_sentence_of_a_dosed_substance_is_added_alone() -> None:
    asked: list[str] = []

    def search(query: str) -> list[Hit]:
        asked.append(query)
        return [_hit(TABLE, 0), _hit(LIMIT)]

    lookup = LimitLookup(POLICY.limit_query, EVIDENCE, _subject, search)
    hits = [_hit("Dreams may get vivid.", 50, "b.txt")]
    added = lookup.add("i take 400 mg magnesium at night and my dreams are vivid", hits)
    assert asked == [f"magnesium {POLICY.limit_query}"]
    assert len(added) == 2 and added[0] is hits[0]
    part = added[1].chunk
    # the sentence stating one limit, with its exact span in the file: not the table row (two
    # amounts) and not the passage's other sentences
    assert part.text.startswith("The Tolerable Upper Intake Level") and "480" not in part.text
    assert LIMIT[part.start - 1000:part.end - 1000] == part.text


def test_nothing_is_searched_without_a_dose_or_when_a_hit_states_the_limit() -> None:
    def search(query: str) -> list[Hit]:
        raise AssertionError("no search")

    lookup = LimitLookup(POLICY.limit_query, EVIDENCE, _subject, search)
    hits = [_hit("Dreams may get vivid.")]
    assert lookup.query("is magnesium ok with clonazepam?") is None
    assert lookup.add("is magnesium ok with clonazepam?", hits) == hits
    assert lookup.add("i take 400 mg magnesium", [_hit(LIMIT)]) == [_hit(LIMIT)]


def test_a_limit_of_another_substance_is_not_added() -> None:
    lookup = LimitLookup(POLICY.limit_query, EVIDENCE, _subject, lambda q: [_hit(LIMIT)])
    hits = [_hit("Take it at night.", 0)]
    assert lookup.add("i take 2 mg clonazepam at night", hits) == hits


def test_a_dose_the_user_takes_past_the_limit_is_said_whatever_was_asked(
        assistant: Assistant) -> None:
    answer = assistant.ask("started 400mg mag gly about 10 days ago and my dreams have gone "
                           "crazy, is this normal?")
    line = next(x for x in answer.body.split("\n") if "above this limit" in x)
    assert "If your 400mg a day is the elemental amount" in line and "(350 mg)" in line
    assert any("Upper Intake Level" in c.quote for c in answer.citations)
    # said plainly when the user calls it elemental
    plain = assistant.ask("i take 600 mg elemental magnesium glycinate every night and wake "
                          "up groggy, what should i change?")
    assert "Your 600 mg a day is above this limit (350 mg)." in plain.body
    # a label's amount the lead speaks of is no dose taken
    label = assistant.ask("bottle says magnesium glycinate 500 mg per capsule. is that 500 of "
                          "actual magnesium??")
    assert "above this limit" not in label.body
    # the sentence looked up is the limit line or nothing: never a point on its own
    under = assistant.ask("so like ~140mg of real magnesium. is that even enough to do "
                          "anything for sleep?")
    assert "Upper Intake Level" not in under.body
    # a dose within the limit is not remarked on
    within = assistant.ask("i take 200 mg magnesium glycinate at night, any side effects?")
    assert "your 200 mg" not in within.body.lower()
    # a sentence said again is one dose, not two
    story = "I take 200 mg elemental magnesium glycinate at night and my dreams are vivid. "
    twice = assistant.ask(story * 2 + "Is that normal?")
    assert "200 mg + 200 mg" not in twice.body and "your 200 mg" not in twice.body.lower()
