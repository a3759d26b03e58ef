"""A second source on a condition the user states (answering.second_opinion), with a small fake
search; the real pipeline's use of it is in test_pipeline_dialog."""

from __future__ import annotations

from pathlib import Path

from fakes import make_chunk, make_hit

from assistant.answering.query_terms import load_query_terms
from assistant.answering.second_opinion import SecondOpinion
from assistant.core.models import Hit

ROOT = Path(__file__).resolve().parents[1]
CONDITIONS = load_query_terms(ROOT / "policies").conditions


def _hit(source: str, start: int) -> Hit:
    return make_hit(make_chunk(f"passage of {source} at {start}", source, start=start))


def test_passages_of_other_documents_about_a_stated_condition_are_added() -> None:
    asked: list[str] = []

    def search(query: str) -> list[Hit]:
        asked.append(query)
        return [_hit("a.txt", 5), _hit("b.txt", 0), _hit("c.txt", 0), _hit("d.txt", 0)]

    second = SecondOpinion(CONDITIONS, search)
    hits = [_hit("a.txt", 0), _hit("a.txt", 100)]
    added = second.add("Is 120 mg safe with clonazepam? My kidneys are not great", hits)
    assert [h.chunk.id for h in added] == ["a.txt:0", "a.txt:100", "b.txt:0", "c.txt:0"]
    assert asked == ["My kidneys are not great"]  # the condition, not the whole question


def test_nothing_is_added_without_a_stated_condition() -> None:
    def search(query: str) -> list[Hit]:
        raise AssertionError("no search without a condition")

    second = SecondOpinion(CONDITIONS, search)
    hits = [_hit("a.txt", 0)]
    assert second.query("Is magnesium glycinate safe with clonazepam?") is None
    assert second.add("Is magnesium glycinate safe with clonazepam?", hits) == hits
    assert SecondOpinion(CONDITIONS, search, extra=0).add("My CrCl is 25", hits) == hits


def test_a_new_passage_of_a_document_there_on_the_condition_comes_after_the_others() -> None:
    named = make_hit(make_chunk("The primary contraindication is renal impairment or kidney "
                                "failure.", "a.txt", start=900))

    def search(query: str) -> list[Hit]:
        # a passage of a.txt that does not name the condition is not added
        return [_hit("a.txt", 0), _hit("a.txt", 500), named, _hit("b.txt", 0)]

    hits = [_hit("a.txt", 0)]
    renal = [(["dialysis"], ["renal impairment"])]
    second = SecondOpinion(CONDITIONS, search, evidence=renal)
    added = second.add("mum is on dialysis, can she take it?", hits)
    assert [h.chunk.id for h in added] == ["a.txt:0", "b.txt:0", "a.txt:900"]
    # a passage naming another condition is not one on the condition stated
    assert second.add("I'm pregnant, can I take it?", hits)[-1].chunk.id == "b.txt:0"
