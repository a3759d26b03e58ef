"""Where a unit sits: the FAQ question it answers, and short lists shown whole (real policy,
hand-written chunks), and how the scorer uses the question a heading asks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.answering.compose import load_answer_policy
from assistant.answering.compose.profile import read_question
from assistant.answering.compose.scoring import same_kind, score_units
from assistant.answering.compose.units import Unit, chunk_units, embedded_text
from assistant.core.models import Chunk

ROOT = Path(__file__).resolve().parents[1]
POLICY = load_answer_policy(ROOT / "policies")


def _chunk(text: str, section: list[str] | None = None) -> Chunk:
    return Chunk(id="c", source="a.txt", title="A", start=0, end=len(text), text=text,
                 embed_text=text, section=section or [])


def test_the_sentence_opening_an_faq_answer_carries_the_question_it_answers() -> None:
    text = ("Completely normal and a sign that the supplement is working well for you. "
            "Vivid dreams come from longer and deeper REM sleep periods at night.\n")
    asked = "I get vivid, weird dreams on magnesium—is that normal or should I stop?"
    first, second = chunk_units(_chunk(text, ["FAQs", f"💬 “{asked}”"]), 0, POLICY)
    assert first.asked == asked  # without its symbol and quotation marks
    assert second.asked == ""  # only the sentence that opens the answer
    assert embedded_text(first, asked=True) == asked and embedded_text(first) == first.text
    assert first.text == first.display  # never read as part of what the unit says


def test_a_title_case_or_statement_heading_asks_nothing() -> None:
    text = "People with kidney disease should speak with a doctor before they start taking it.\n"
    for heading in ("Who Should Avoid Magnesium?", "Kidney disease and magnesium"):
        [unit] = chunk_units(_chunk(text, [heading]), 0, POLICY)
        assert unit.asked == ""


def test_a_sentence_later_in_the_chunk_answers_no_heading() -> None:
    text = ("Magnesium helps many people relax in the evening before sleep. "
            "Generally safe for most healthy adults when taken at the usual doses.\n")
    units = chunk_units(_chunk(text, ["Is it safe for most adults?"]), 0, POLICY)
    assert [u.asked for u in units] == ["Is it safe for most adults?", ""]


def test_a_short_list_is_also_one_unit_quoting_its_lead_in_through_its_last_item() -> None:
    text = ("Symptoms:\n- Muscle weakness\n- Irregular heartbeat\n- Difficulty breathing\n"
            "- Confusion\n")
    units = chunk_units(_chunk(text), 0, POLICY)
    whole = [u for u in units if u.display.count(";") == 3]
    assert [u.display for u in whole] == [
        "Symptoms: muscle weakness; irregular heartbeat; difficulty breathing; confusion."]
    assert whole[0].quote == text.rstrip("\n") == text[whole[0].start:whole[0].end]
    # each item stays a unit of its own too (a question may name one of them)
    assert "Symptoms: confusion." in [u.display for u in units]


def test_a_list_with_an_item_not_shown_after_its_lead_in_is_never_shown_whole() -> None:
    # the middle item is too long to be shown after a long lead-in, so it is a unit of its
    # own: a whole-list unit would quote it but leave it out of what it shows
    text = ("Some people feel groggy in the morning from magnesium, caused by:\n"
            "- Excessive dose (>400mg)\n"
            "- Taking it too late in the evening, within two hours of going to bed at night\n"
            "- Interaction with medications\n")
    units = chunk_units(_chunk(text), 0, POLICY)
    assert not any(";" in u.display for u in units), [u.display for u in units]
    long = "- Taking it too late in the evening, within two hours of going to bed at night"
    assert any(u.quote == long.lstrip("- ") for u in units)


def test_a_long_list_stays_item_by_item() -> None:
    items = "".join(f"- Item number {n} of this list\n" for n in range(1, 9))
    units = chunk_units(_chunk(f"Things to know:\n{items}"), 0, POLICY)
    assert len(units) == 8 and not any(";" in u.display for u in units)


def _unit(display: str, asked: str = "") -> Unit:
    chunk = _chunk(display)
    return Unit(chunk=chunk, rank=0, start=0, end=len(display), quote=display,
                display=display, asked=asked)


def test_a_heading_close_to_the_question_lifts_its_answer_only_for_the_same_kind() -> None:
    profile = read_question("Which forms of magnesium help during benzo withdrawal?", [],
                            POLICY, frozenset())
    assert "form" in profile.kinds
    assert not same_kind("Is magnesium safe during benzo withdrawal?", profile, POLICY)
    assert same_kind("What form of magnesium is best for benzo withdrawal?", profile, POLICY)
    assert same_kind("Why does this happen to people?", profile, POLICY)  # asks no kind

    question = "my dreams got really vivid since starting magnesium, is that normal?"
    profile = read_question(question, [], POLICY, frozenset())
    units = [_unit("Completely normal and a sign that it works for you.",
                   asked="I get vivid dreams on magnesium—is that normal?"),
             _unit("Completely normal and a sign that it works for you.")]
    vectors = np.eye(2, dtype=np.float32)
    sims = np.array([0.4, 0.4])

    def scores(headings: list[float]) -> list[float]:
        scored = score_units(question, units, sims, vectors, profile, POLICY, frozenset(),
                             headings=np.array(headings))
        return [s.score for s in sorted(scored, key=lambda s: bool(s.unit.asked))]

    plain, faq = scores([0.9, 0.0])
    floor = POLICY.weights.asked_floor
    assert POLICY.weights.asked > 0
    assert abs(faq - plain - POLICY.weights.asked * (0.9 - floor) / (1 - floor)) < 1e-9
    plain, faq = scores([floor - 0.05, 0.0])
    assert faq == plain  # a heading no closer than the floor adds nothing


def test_asked_for_signs_the_whole_list_of_the_best_item_scores_as_well_as_it() -> None:
    text = "Symptoms:\n- Muscle weakness\n- Irregular heartbeat\n- Confusion\n"
    units = chunk_units(_chunk(text), 0, POLICY)
    whole = next(u for u in units if u.items)
    assert whole.items == 3 and not any(u.items for u in units if u is not whole)
    sims = np.array([0.9 if u.display.endswith("muscle weakness.") else 0.5 for u in units])
    vectors = np.eye(len(units), dtype=np.float32)

    # tied with the item it holds, the list is among the best only when signs are asked for
    scored = score_units("what are the signs?", units, sims, vectors,
                         read_question("what are the signs?", [], POLICY, frozenset()), POLICY,
                         frozenset())
    top = [s for s in scored if s.score == scored[0].score]
    assert any(s.unit.items for s in top)
    plain = score_units("how much magnesium?", units, sims, vectors,
                        read_question("how much magnesium?", [], POLICY, frozenset()), POLICY,
                        frozenset())
    assert not plain[0].unit.items and next(s for s in plain if s.unit.items).score \
        < plain[0].score


def test_a_whole_list_may_lead_but_is_never_a_supporting_point() -> None:
    from assistant.answering.compose.select import plan_answer

    text = ("Warning signs of excessive magnesium:\n- Severe diarrhea\n- Muscle weakness\n"
            "- Difficulty breathing at night\n")
    units = chunk_units(_chunk(text), 0, POLICY)
    shown = "Magnesium can slow your breathing at night when it is combined with sedatives."
    lead = Unit(chunk=_chunk(shown).model_copy(update={"source": "b.txt"}), rank=0, start=0,
                end=len(shown), quote=shown, display=shown)
    question = "can magnesium slow my breathing at night?"
    profile = read_question(question, [], POLICY, frozenset())
    sims = np.array([0.95] + [0.7 if u.items else 0.3 for u in units])
    vectors = np.eye(len(units) + 1, dtype=np.float32)
    scored = score_units(question, [lead, *units], sims, vectors, profile, POLICY, frozenset())
    whole = next(s for s in scored if s.unit.items)
    assert whole.score >= POLICY.points_min_relevance  # relevant enough to be a point
    plan = plan_answer(scored, profile, POLICY)
    assert plan is not None and not plan.lead.unit.items
    assert plan.points and not any(p.unit.items for p in plan.points)
