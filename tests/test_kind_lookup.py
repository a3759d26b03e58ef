"""Evidence of the kind asked (answering.kind_lookup), with a small fake search, and through
the real pipeline."""

from __future__ import annotations

from pathlib import Path

from fakes import make_chunk, make_hit

from assistant.answering.compose import load_answer_policy
from assistant.answering.compose.profile import StandaloneReader
from assistant.answering.kind_lookup import KindLookup, RiskLookup
from assistant.answering.pipeline import Assistant
from assistant.core.models import Hit
from assistant.text.words import stem

POLICY = load_answer_policy(Path(__file__).resolve().parents[1] / "policies")
CORE = frozenset({stem("magnesium"), stem("clonazepam")})
QUERY = next(k.query for k in POLICY.kinds if k.id == "alternative")
ASKED = "My doctor says magnesium is useless for my leg cramps. So what else is there??"
ELSEWHERE = "Caveats. For cramps, alternative treatments such as stretching should be considered."


def _hit(text: str, source: str = "a.txt") -> Hit:
    return make_hit(make_chunk(text, source))


def test_a_passage_saying_the_asked_kind_of_the_topic_is_added() -> None:
    asked: list[str] = []

    def search(query: str) -> list[Hit]:
        asked.append(query)
        # "instead" of another topic does not say it of cramps
        return [_hit("Take citrate instead at night.", "c.txt"), _hit(ELSEWHERE, "b.txt")]

    lookup = KindLookup(StandaloneReader(POLICY, CORE), search)
    hits = [_hit("Magnesium is unlikely to help cramps.")]
    added = lookup.add(ASKED, hits)
    assert len(asked) == 1 and asked[0].endswith(QUERY) and "cramps" in asked[0]
    assert lookup.query(ASKED) == asked[0]
    assert [h.chunk.source for h in added] == ["a.txt", "b.txt"]


def test_nothing_is_searched_when_a_hit_says_it_or_another_kind_is_asked() -> None:
    def search(query: str) -> list[Hit]:
        raise AssertionError("no search")

    lookup = KindLookup(StandaloneReader(POLICY, CORE), search)
    hits = [_hit(ELSEWHERE)]
    assert lookup.add(ASKED, hits) == hits
    assert lookup.query("how much magnesium for leg cramps?") is None
    assert lookup.add("how much magnesium for leg cramps?", hits) == hits


def test_what_else_to_try_leads_with_the_alternative(assistant: Assistant) -> None:
    answer = assistant.ask("My doctor says magnesium is basically useless for my night time "
                           "leg cramps. So what else is there?? they wake me up 3 or 4 times "
                           "a week and im sick of it")
    assert "alternative treatments" in answer.body.split("\n")[0]
    session = assistant.new_session()
    assistant.ask("My nan is 82 and gets awful charley horses in her calves most nights. Will "
                  "magnesium sort them out?", session)
    follow = assistant.ask("oh. so what would help her then?", session)
    assert "alternative treatments" in follow.body.split("\n")[0]


def test_a_row_on_the_stated_condition_naming_the_topic_is_added() -> None:
    """Pregnancy stated of oneself, threonate asked about: the table row on threonate in
    pregnancy is looked up (policy ``Risk.query``); a row on another form is not added."""
    query = next(r.query for r in POLICY.risks if r.id == "pregnancy")
    row = "| Magnesium Threonate | Unknown, avoid | No pregnancy safety studies |"
    asked: list[str] = []

    def search(q: str) -> list[Hit]:
        asked.append(q)
        return [_hit("| Magnesium Citrate | Safe in pregnancy |", "c.txt"), _hit(row, "b.txt")]

    lookup = RiskLookup(StandaloneReader(POLICY, CORE), search)
    question = "I'm 10 weeks pregnant and still on my threonate capsules for focus. Keep going?"
    added = lookup.add(question, [_hit("Threonate crosses into the brain.")])
    assert len(asked) == 1 and asked[0].endswith(query) and "threonate" in asked[0]
    assert [h.chunk.source for h in added] == ["a.txt", "b.txt"]
    # no condition stated: nothing is searched
    assert RiskLookup(StandaloneReader(POLICY, CORE), search).query(
        "is threonate good for focus?") is None


def test_the_row_on_the_asked_form_in_pregnancy_leads(assistant: Assistant) -> None:
    answer = assistant.ask("I'm 10 weeks pregnant and I've been on Magtein (the threonate kind) "
                           "for focus since last year. Is it fine to keep going?")
    lead = answer.body.split("\n")[0]
    assert lead.startswith("Magnesium Threonate") and "Avoid until postpartum" in lead
