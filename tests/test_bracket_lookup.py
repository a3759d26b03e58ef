"""The row for the user's age or weight (answering.bracket_lookup, compose.lead), with a small
fake search, and through the real pipeline."""

from __future__ import annotations

from pathlib import Path

from fakes import make_chunk, make_hit

from assistant.answering.bracket_lookup import BracketLookup
from assistant.answering.compose import load_answer_policy
from assistant.answering.compose.profile import StandaloneReader
from assistant.answering.pipeline import Assistant
from assistant.core.models import Hit
from assistant.text.words import stem

POLICY = load_answer_policy(Path(__file__).resolve().parents[1] / "policies")
CORE = frozenset({stem("magnesium"), stem("clonazepam")})
ROWS = "| Group | Dose |\n| Adults (19-64 years) | 300-400mg elemental |\n" \
       "| Elderly (>65 years) | 200-300mg elemental |"
ADULTS = "Adults 19+ years: 310-420 mg a day."


def _subject(word: str) -> str | None:
    return stem(word.lower()) if stem(word.lower()) in CORE else None


def _hit(text: str, source: str = "a.txt") -> Hit:
    return make_hit(make_chunk(text, source))


def test_the_passage_with_the_persons_bracket_row_is_added() -> None:
    asked: list[str] = []

    def search(query: str) -> list[Hit]:
        asked.append(query)
        return [_hit("Magnesium helps sleep.", "c.txt"), _hit(ROWS, "b.txt")]

    lookup = BracketLookup(StandaloneReader(POLICY, CORE), _subject, search)
    hits = [_hit(ADULTS)]
    added = lookup.add("I'm 72. How much magnesium should someone my age take?", hits)
    assert asked == [f"magnesium {POLICY.bracket_query}"]
    # the closed bracket holding 72 fits closer than the hits' open "19+"
    assert [h.chunk.source for h in added] == ["a.txt", "b.txt"]


def test_nothing_is_searched_without_an_amount_asked_or_a_body_measure() -> None:
    def search(query: str) -> list[Hit]:
        raise AssertionError("no search")

    lookup = BracketLookup(StandaloneReader(POLICY, CORE), _subject, search)
    hits = [_hit(ADULTS)]
    assert lookup.query("How much magnesium should I take?") is None
    assert lookup.add("I'm 72. Is magnesium good for sleep?", hits) == hits
    assert lookup.add("How much magnesium should I take?", hits) == hits
    # an ordinary adult's age has no row of its own, and a timing question asks no amount
    assert lookup.query("I'm 34 years old. How much magnesium should I take?") is None
    assert lookup.query("Mum (69) takes magnesium at dinner. Is that far enough apart?") is None


def test_no_passage_is_added_when_the_hits_fit_as_closely() -> None:
    lookup = BracketLookup(StandaloneReader(POLICY, CORE), _subject,
                           lambda q: [_hit(ROWS, "b.txt")])
    hits = [_hit(ROWS, "c.txt")]
    assert lookup.add("my dad is 80, how much magnesium for him?", hits) == hits


def test_an_amount_for_someone_older_leads_with_their_bracket_row(assistant: Assistant) -> None:
    answer = assistant.ask("I'm 72, recently retired, and I've never slept well since I "
                           "stopped working shifts. My daughter bought me magnesium glycinate. "
                           "How much should someone my age be taking?")
    assert answer.body.startswith("Elderly (>65 years)")
    # and a follow-up for someone whose age an earlier turn gave
    session = assistant.new_session()
    assistant.ask("My mum is 70 and hasn't slept properly in years. Is there good evidence "
                  "that magnesium helps older people sleep?", session)
    follow = assistant.ask("how much should someone her age take", session)
    assert follow.body.startswith("Elderly (>65 years)")


def test_kidneys_said_to_be_fine_leave_the_bracket_row_leading(assistant: Assistant) -> None:
    """The elderly row names "reduced renal clearance"; kidneys the user calls fine are set
    aside, so the row for their age still answers, and no line on kidney disease leads."""
    answer = assistant.ask("72 yr old here, kidneys fine at my last physical. friend swears by "
                           "magnesium for sleep. what dose would someone my age start at")
    assert answer.body.startswith("Elderly (>65 years)")
    dose = assistant.ask("I'm 45, kidneys fine as far as I know, no other meds. I take 800mg of "
                         "magnesium glycinate at bedtime. Is 800 too much?")
    lead = dose.body.split("\n")[0]
    assert "CKD" not in lead and "Your 800mg a day is above this limit" in lead
