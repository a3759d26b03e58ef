"""What a message asks of which subject, through the real pipeline (real index and embeddings,
extractive composer): a condition or a time to effect the documents give only for the other
subject is declined, a thing pointed back at is the thing asked about, and a stop is read of
the subject it is said of."""

from __future__ import annotations

from assistant.answering.pipeline import Assistant
from assistant.answering.refusal import CANNOT_ANSWER
from assistant.core.models import Answer


def _lead(body: str) -> str:
    return body.split("\n")[0].lower()


def _follow_up(assistant: Assistant, first: str, then: str) -> Answer:
    """The answer to ``then``, asked after ``first`` in one conversation."""
    sid = assistant.new_session()
    assistant.ask(first, sid)
    return assistant.ask(then, sid)


def test_a_condition_asked_about_of_the_other_subject_is_declined(assistant: Assistant) -> None:
    # pregnancy is discussed for magnesium only; nobody here says they are pregnant
    asked = assistant.ask("is clonazepam safe in pregnancy?")
    assert asked.refused and asked.body.startswith(CANNOT_ANSWER)
    assert "clonazepam" in asked.body and "obstetricians" not in asked.body
    covered = assistant.ask("is magnesium glycinate safe in pregnancy?")
    assert not covered.refused and "pregnan" in _lead(covered.body)


def test_weeks_of_pregnancy_are_no_age_that_answers_for_the_condition(
        assistant: Assistant) -> None:
    """"im 20 wks pregnant" states no age: evidence on older patients taking clonazepam must
    not answer whether clonazepam is safe in pregnancy."""
    later = _follow_up(assistant, "im 20 wks pregnant and using mag gly for sleep. how much "
                       "total from pills is too much?", "also my psych had me on klonopin 0.5 "
                       "before i got pregnant. is clonazepam actually ok to take while pregnant?")
    assert later.refused and "beers" not in later.body.lower()


def test_a_time_to_effect_given_only_for_the_other_subject_is_declined(
        assistant: Assistant) -> None:
    later = _follow_up(assistant, "My neurologist wants me on clonazepam 0.25 at night. Anything "
                       "I should worry about?", "ok. so how long after I swallow it does it "
                       "actually kick in? trying to work out my timing")
    assert later.refused and "but not time to take effect" in later.body, later.body
    covered = assistant.ask("how long does magnesium glycinate take to work for anxiety?")
    assert not covered.refused and "days" in _lead(covered.body)


def test_a_thing_pointed_back_at_by_adding_that_is_the_thing_asked(
        assistant: Assistant) -> None:
    later = _follow_up(assistant, "I take melatonin 3mg, clonazepam 0.25mg and magnesium "
                       "glycinate 200mg at lights out. Is there a smarter way to time these?",
                       "my sister also gave me a box of valerian root tea to drink before bed. "
                       "fine to add that on top of everything?")
    assert later.refused and "valerian" in later.body.lower()


def test_too_much_magnesium_in_everyday_words_finds_the_toxicity_evidence(
        assistant: Assistant) -> None:
    answer = assistant.ask("I accidentally took 3 magnesium glycinate tablets instead of 1. "
                           "what should I watch for?")
    assert not answer.refused and "hypermagnesemia" in _lead(answer.body)


def test_stopping_the_subject_named_after_the_stop_leads_with_its_evidence(
        assistant: Assistant) -> None:
    """The clonazepam taper is the story; the stop is said of the magnesium."""
    answer = assistant.ask("finished my clonazepam taper last week (took 14 months!!). ive been "
                           "taking magnesium glycinate 300 every night for about 5 months "
                           "alongside it. can i just stop the magnesium now, im so sick of pills")
    lead = _lead(answer.body)
    assert not answer.refused and "gradually" in lead and "clonazepam" not in lead


def test_a_mothers_own_milk_states_breastfeeding(assistant: Assistant) -> None:
    """Breastfeeding is discussed for magnesium only: whether clonazepam gets into "my milk"
    is declined, not answered with the magnesium lines."""
    answer = assistant.ask("3 weeks postpartum. My OB put me back on klonopin 0.25 at night. "
                           "Does the klonopin get through to him in my milk?")
    assert answer.refused and "klonopin" in answer.body and "postpartum" not in answer.body


def test_a_remedy_swapped_in_by_a_follow_up_is_what_it_asks_about(assistant: Assistant) -> None:
    later = _follow_up(assistant, "does magnesium do anything for the horrible anxious week "
                       "before my period?", "and what about evening primrose oil for that?")
    assert later.refused and "primrose" in later.body


def test_a_follow_up_about_the_person_carries_the_topic(assistant: Assistant) -> None:
    later = _follow_up(assistant, "My dad is 74 and on furosemide 40mg every morning. He keeps "
                       "getting cramps. A friend said water tablets wash your magnesium out, is "
                       "that true?", "what other signs would make us think hes actually low?")
    assert not later.refused and "magnesium" in later.standalone_question
