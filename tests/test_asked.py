"""What a question asks for (``answering.compose.asked``), read in the parts that ask."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.compose import load_answer_policy
from assistant.answering.compose.asked import read_kinds
from assistant.answering.compose.doses import taken_doses
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


def test_whether_there_is_proper_evidence_asks_about_the_research() -> None:
    for asked in ("is there any proper research showing magnesium is safe while tapering?",
                  "Has anyone actually done proper studies on it?",
                  "is magnesium for cramps proven or just forum stories?"):
        _, kinds = read_kinds(asked, "", [], POLICY)
        assert kinds[:1] == ("research",), asked
    # a study told in the story is not what is asked
    _, kinds = read_kinds("I read a study on magnesium for sleep. How much should I take?", "",
                          [], POLICY)
    assert "research" not in kinds


def test_a_daily_dose_past_the_upper_limit_is_shown_with_the_limit(
        assistant: Assistant) -> None:
    answer = assistant.ask("how fast does magnesium glycinate work for anxiety and what doses "
                           "did they actually use in the studies")
    assert "500-1200 mg" in answer.body.split("\n")[0]
    limit = next(line for line in answer.body.split("\n") if "more than this limit" in line)
    assert "350 mg" in limit
    assert any("Upper Intake Level" in c.quote for c in answer.citations)


def test_a_when_telling_a_past_event_asks_no_time() -> None:
    _, kinds = read_kinds("pharmacist gave me a look when i bought magnesium with my clonazepam "
                          "refill. it can't actually do anything to my meds can it", "", [],
                          POLICY)
    assert "timing" not in kinds and kinds[:1] == ("potency",)
    _, kinds = read_kinds("when should i take magnesium?", "", [], POLICY)
    assert kinds[:1] == ("timing",)
    # stacking one thing with another asks whether that is safe
    _, kinds = read_kinds("can I stack that with my mag glyc?", "", [], POLICY)
    assert kinds[:1] == ("verdict",)


def test_the_users_doses_are_added_up_against_a_limit_they_ask_about(
        assistant: Assistant) -> None:
    over = assistant.ask("Breastfeeding my 5 month old and my postnatal multivitamin has 100mg "
                         "magnesium in it, plus I've been taking a 300mg mag glycinate at "
                         "night. Am I going over the limit while nursing?")
    lead = over.body.split("\n")[0]
    assert "100mg + 300mg = 400 mg a day is above this limit" in lead
    within = assistant.ask("is 200mg of magnesium too much? whats the upper limit")
    assert "Your 200mg a day is within this limit (350 mg)" in within.body.split("\n")[0]


def test_a_total_of_several_capsules_is_a_dose_against_the_limit(
        assistant: Assistant) -> None:
    """"4 capsules = 480 mg" writes the total taken; "2 caps at 300mg each" does not."""
    label = assistant.ask("The back of my bottle says serving size 4 capsules = 480 mg elemental "
                          "magnesium. A website said 350mg is the upper limit for adults?? am I "
                          "overdosing")
    assert "Your 480 mg a day is above this limit (350 mg)" in label.body.split("\n")[0]
    assert taken_doses("4 capsules = 480 mg") == [((480.0, 480.0, "480 mg"), None)]
    assert taken_doses("2 caps at 300mg each") == []
    assert taken_doses("two caps, 600mg in total") == [((600.0, 600.0, "600mg"), None)]
    _, kinds = read_kinds("I take 400mg. Am I overdoing it?", "", [], POLICY)
    assert kinds[:1] == ("limit",)


def test_a_medicine_hitting_harder_asks_about_potency() -> None:
    _, kinds = read_kinds("could magnesium make my klonopin hit a lot harder?", "", [], POLICY)
    assert kinds[:1] == ("potency",)


def test_snapping_tablets_of_a_strength_asks_about_splitting() -> None:
    _, kinds = read_kinds("can i snap the 0.5 tablets in half with a pill cutter?", "", [],
                          POLICY)
    assert kinds[:1] == ("splitting",)
    _, kinds = read_kinds("what foods are high in magnesium?", "", [], POLICY)
    assert kinds[:1] == ("food",)


def test_a_limit_the_user_quotes_is_not_a_dose_they_take(assistant: Assistant) -> None:
    quoted = assistant.ask("I eat loads of spinach, almonds and pumpkin seeds, and I take 300 mg "
                           "elemental magnesium glycinate a day on top. Am I going over the 350 "
                           "mg limit?")
    assert "Your 300 mg a day is within this limit (350 mg)" in quoted.body.split("\n")[0]


def test_how_much_more_may_be_taken_is_what_the_limit_leaves(assistant: Assistant) -> None:
    more = assistant.ask("My daughter is 9 weeks pregnant with her first. Her prenatal vitamin "
                         "has 100mg magnesium in it and a friend told her to take magnesium "
                         "glycinate on top for sleep and cramps. How much extra can she safely "
                         "take?")
    line = next(x for x in more.body.split("\n") if "already taken" in x)
    assert "upper limit during pregnancy" in line and "leaves 250 mg a day" in line


def test_eating_instead_of_a_supplement_asks_about_food() -> None:
    _, kinds = read_kinds("Can I just eat my way to more magnesium instead of buying a "
                          "supplement?", "", [], POLICY)
    assert kinds[:1] == ("food",)
    _, kinds = read_kinds("could I get it from food instead of pills?", "", [], POLICY)
    assert "food" in kinds
    _, kinds = read_kinds("should I take it instead of my sleeping pills?", "", [], POLICY)
    assert "food" not in kinds


def test_far_enough_apart_asks_a_time_not_an_amount() -> None:
    _, kinds = read_kinds("Mum takes her Fosamax on Sunday mornings and magnesium at dinner. Is "
                          "that far enough apart?", "", [], POLICY)
    assert kinds[:1] == ("timing",) and "amount" not in kinds
    _, kinds = read_kinds("is 120 mg enough to help my sleep?", "", [], POLICY)
    assert kinds[:1] == ("amount",)
    # kicking in one's sleep is no onset
    _, kinds = read_kinds("i was kicking in my sleep last night, is that normal?", "", [], POLICY)
    assert "onset" not in kinds
    _, kinds = read_kinds("how long till it kicks in?", "", [], POLICY)
    assert kinds[:1] == ("onset",)


def test_withdrawal_between_doses_of_a_short_acting_benzo_leads(assistant: Assistant) -> None:
    """Evidence on withdrawal is evidence on stopping: for a taper of a short-acting benzo the
    line on steeper withdrawal between doses leads, not a general line on dependence."""
    answer = assistant.ask("My GP is bringing my alprazolam (Xanax) down slowly and I get "
                           "shaky before every dose. I'd like to add magnesium. Does it being "
                           "xanax make any difference?")
    assert answer.body.startswith("Short-acting benzo users (e.g., Xanax)")


def test_signs_of_too_much_magnesium_lead_with_the_toxicity_evidence(
        assistant: Assistant) -> None:
    """Flushing after milk of magnesia is a sign of hypermagnesemia: the lead is the evidence
    on it, not a table row on Epsom salt whose side-effect cell mentions flushing."""
    answer = assistant.ask("My dad takes milk of magnesia every day plus a magnesium tablet at "
                           "night, and tonight his face is flushed and he feels weak. Could it "
                           "be the magnesium?")
    lead = answer.body.split("\n")[0]
    assert "hypermagnesemia" in lead.lower() and "Sulfate" not in lead


def test_what_is_asked_in_other_words() -> None:
    for asked, kind in (("Before I add magnesium do I need any tests done first?", "testing"),
                        ("should I get my magnesium levels checked before taking it?",
                         "testing"),
                        ("what are the chances magnesium upsets my stomach?", "rate"),
                        ("could all that be low magnesium??", "watch")):
        _, kinds = read_kinds(asked, "", [], POLICY)
        assert kinds[:1] == (kind,), (asked, kinds)
    # the chance of a condition a supplement lowers is no rate asked; an amount "too much" is
    # a limit, not a sign of something
    _, kinds = read_kinds("does magnesium lower the chances of getting preeclampsia?", "", [],
                          POLICY)
    assert "rate" not in kinds
    _, kinds = read_kinds("I take 100 mg and want to add 300 mg. Would that be too much?", "",
                          [], POLICY)
    assert "watch" not in kinds and "limit" in kinds


@pytest.mark.parametrize(("question", "present", "absent"), [
    # a kind that must lead: the line naming a test, not the taper's line on dependence
    ("About 8 weeks into a slow klonopin taper with my psychiatrist. Before I add magnesium do I "
     "need any tests done first or can I just start it?", ("blood tests",), ("dependence",)),
    # a kind asked in its exact words: the upper limit, compared, not the product's row
    ("the KAL glycinate 400 has 400mg elemental in ONE tablet. isnt that above the daily upper "
     "limit?", ("Upper Intake Level", "above this limit"), ()),
    # wine most nights is another sedative
    ("I take clonazepam .5 for panic, just started a mag glycinate at night, and most nights I "
     "have 2 or 3 glasses of red. dumb combo?", ("other sedatives",), ("generally safe",)),
    # a row on another medicine does not lead for the effect it shares with the question
    ("Since I started magnesium glycinate a couple of weeks ago my clonazepam seems to hit a lot "
     "harder, I'm properly dopey by 9pm. Is that actually possible or am I imagining it?",
     ("benzodiazepine",), ("cyclobenzaprine",)),
    # letting a prescription lapse is stopping at once; the magnesium they "have" is added
    ("18 months on klonopin 1mg and honestly sick of it. not refilling, last pill is friday and "
     "thats that. ive got my magnesium to take the edge off so ill be fine right?",
     ("Avoid abrupt discontinuation",), ()),
    # a line on its source's reader's own dose (120 mg) does not lead for someone who gave none
    ("my psychiatrist got weirdly serious when i mentioned my magnesuim. its just a mineral, "
     "surely it cant do anything to my klonopin?", ("potentiate",), ("120mg",)),
])
def test_the_lead_answers_what_is_asked(assistant: Assistant, question: str,
                                        present: tuple[str, ...],
                                        absent: tuple[str, ...]) -> None:
    lead = assistant.ask(question).body.split("\n")[0]
    assert all(p in lead for p in present) and not any(a in lead for a in absent), lead


def test_a_line_on_its_sources_own_dose_is_a_point_only_for_that_dose(
        assistant: Assistant) -> None:
    other = assistant.ask("on xanax 0.25mg 3x a day and i get shaky and on edge about an hour "
                          "before each next dose is due. would magnesium even that out?")
    assert "dose (120mg" not in other.body and "dose (0.5mg)" not in other.body
    theirs = assistant.ask("Is 120 mg magnesium glycinate safe with 0.5 mg clonazepam?")
    assert "dose (120mg elemental)" in theirs.body


def test_a_past_dependence_in_other_words_is_a_history_not_a_sedative_taken_now(
        assistant: Assistant) -> None:
    for told in ("I was on oxycodone for two years after a back op and got more attached to it "
                 "than I should have. Now I've been prescribed klonopin. Should I bring it up?",
                 "I had a bad patch with painkillers about 8 years ago, been clean since. My "
                 "psychiatrist wants to start me on klonopin. Should I mention my history?"):
        answer = assistant.ask(told)
        assert "substance abuse" in answer.body.split("\n")[0], told


def test_a_verdict_on_another_pairing_is_no_point(assistant: Assistant) -> None:
    """"Generally safe … with 0.5mg clonazepam" says nothing to someone on Ambien or calcium."""
    for question in ("I take Ambien 5 mg most nights. Can I add magnesium glycinate?",
                     "I take a calcium 600 + D tablet with my breakfast and my magnesium with "
                     "it so I don't forget. is that fine?"):
        assert "clonazepam" not in assistant.ask(question).body, question
