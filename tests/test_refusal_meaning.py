"""Refusals that read what is asked, through the real pipeline (real index and embeddings):
English shorthand is English, a plural shorthand is its word, a form of a core subject is no
other thing, two things offered as alternatives are not a pairing to be found together, and a
medicine taken for a condition the documents discuss leaves that condition answered."""

from __future__ import annotations

import pytest

from assistant.answering.pipeline import Assistant


def test_english_shorthand_is_read_as_english(assistant: Assistant) -> None:
    # its few words the documents lack ("mag", "w") are more common in Dutch, but its everyday
    # words the documents use are English
    answer = assistant.ask("read that mag works better w b6 for stress. how much b6 and mag?")
    assert not answer.refused and not answer.body.startswith("I can only")
    assert "b6" in answer.body.lower()
    still = assistant.ask("Quanto magnesio dovrei prendere per dormire meglio?")
    assert still.refused and "only answer questions written in English" in still.body


def test_a_plural_of_a_shorthand_is_its_word(assistant: Assistant) -> None:
    answer = assistant.ask("been on k-pins 8 months, sick of them. can i just stop cold turkey")
    assert "klonopin" in answer.standalone_question.lower()
    assert not answer.refused and "abrupt" in answer.body.lower()


def test_a_form_of_a_core_subject_is_not_another_thing(assistant: Assistant) -> None:
    form = assistant.ask("can my 7 yr old take mag gly gummies for sleep?")
    assert "gummies" not in form.body.split("\n")[0]  # not declined for the form
    assert not form.refused
    medicine = assistant.ask("can i take magnesium warfarin together")
    assert medicine.refused and "warfarin" in medicine.body
    # a form of another thing the documents name ("melatonin", "calcium") is that thing
    other = assistant.ask("can i take magnesium glycinate together with my melatonin gummies "
                          "(5mg)?")
    assert not other.refused and "melatonin" in other.body.split("\n")[0].lower()
    chew = assistant.ask("i take my mag w a big glass of milk and my calcium chew before bed, "
                         "does that matter")
    assert not chew.refused and "calcium" in chew.body.split("\n")[0].lower()
    # what a yes/no question asks a thing to be is no form of it
    what = assistant.ask("Is the Thorne magnesium bisglycinate vegan? I don't eat gelatin.")
    assert what.refused and "vegan" in what.body


def test_alternatives_are_each_asked_about_not_a_pairing(assistant: Assistant) -> None:
    either = assistant.ask("cant sleep tonite. can i take a benadryl or one of my flexeril on "
                           "top of my magnesium")
    assert not either.refused
    assert "cyclobenzaprine" in either.body.lower() and "diphenhydramine" in either.body.lower()
    pair = assistant.ask("can i take clonazepam with omeprazole")
    assert pair.refused and "together with" in pair.body


def test_a_form_is_found_where_what_it_is_a_form_of_is_paired(assistant: Assistant) -> None:
    """A passage pairing magnesium with trazodone covers glycinate (a form of magnesium, by the
    documents' headlines) and "bisglycinate" (a form with its name inside) with trazodone;
    clonazepam is no form of magnesium."""
    for form in ("glycinate", "bisglycinate"):
        answer = assistant.ask(f"is {form} ok with trazodone at night?")
        assert not answer.refused and "Trazodone" in answer.body.split("\n")[0]
    other = assistant.ask("is clonazepam ok with trazodone?")
    assert other.refused and "together with" in other.body


def test_a_medicine_taken_for_a_documented_condition_leaves_the_condition_answered(
        assistant: Assistant) -> None:
    # the documents discuss myasthenia gravis, not the medicine taken for it: the reply answers
    # about the condition and names the medicine as not covered
    answer = assistant.ask("I have myasthenia gravis (on mestinon). is magnesium glycinate ok "
                           "for sleep or a bad idea")
    assert not answer.refused
    assert "myasthenia" in answer.body.split("\n")[0].lower()
    assert "don't cover “mestinon”" in answer.body
    # a medicine asked about with a condition the documents lack is still declined
    other = assistant.ask("I have afib (on warfarin). is magnesium glycinate ok?")
    assert other.refused and "warfarin" in other.body


def test_a_shop_named_in_passing_is_no_uncovered_thing(assistant: Assistant) -> None:
    # the embedder reads "walgreens" as a shop's name (policy general prototypes), not a
    # medicine or condition the documents lack
    answer = assistant.ask("which magnesium is best while coming off my benzo? the cheap one at "
                           "walgreens is magnesium oxide, does it matter which?")
    assert not answer.refused and "walgreens" not in answer.body.lower()


def test_a_verb_for_what_happens_is_no_uncovered_thing(assistant: Assistant) -> None:
    """"draining" and "unsteady" say what happens; the documents never use them, but they name
    nothing the question is about (the diuretic and the falls are covered)."""
    drained = assistant.ask("My dad has been on furosemide 40mg every morning for two years and "
                            "gets calf cramps. Could the water pill be draining his magnesium?")
    assert not drained.refused
    assert any("urosemide" in c.quote for c in drained.citations)
    unsteady = assistant.ask("my nan is 84 and on klonopin, lately she is unsteady and has had "
                             "two falls. could it be the klonopin?")
    assert not unsteady.refused


def test_how_one_is_after_a_linking_verb_is_no_uncovered_thing(assistant: Assistant) -> None:
    """Slang for a state ("haywire", "floaty") after "gone", "went" or "feel" names nothing
    the documents lack; a thing named after "is" still does."""
    for message in ("since adding mag my sleep has gone haywire, why?",
                    "i feel spacey and floaty on clonazepam with magnesium, should i worry",
                    "my stomach went squiffy after magnesium glycinate"):
        assert not assistant.ask(message).refused, message
    named = assistant.ask("is ashwagandha ok with klonopin")
    assert named.refused and "ashwagandha" in named.body


def test_a_rare_word_a_frame_says_is_a_product_is_a_named_thing(assistant: Assistant) -> None:
    """"kava" alone looks like an everyday word to the embedder; "kava tea" and "what about
    kava?" name a thing, which the documents never mention."""
    tea = assistant.ask("is kava tea ok for anxiety? want something natural instead of pills")
    assert tea.refused and "kava" in tea.body
    session = assistant.new_session()
    assistant.ask("is there actual proof magnesium helps anxiety?", session)
    follow = assistant.ask("and what about kava? my cousin swears by it", session)
    assert follow.refused and "kava" in follow.body
    # a form of a core subject in the same frame is no other thing, nor is a three-letter
    # shorthand or a word for what a product is like
    assert not assistant.ask("are magnesium glycinate capsules ok for sleep?").refused
    assert not assistant.ask("would that CALM fizzy powder be better for me than glycinate "
                             "capsules?").refused
    # a brand with a core subject's shorthand in its name is a product of that subject
    assert not assistant.ask("my SlumberMag capsules say 120mg elemental magnesium glycinate. "
                             "is that near the study doses?").refused


def test_an_uncovered_thing_asked_before_the_story_is_declined_but_a_form_is_not(
        assistant: Assistant) -> None:
    # the question comes first, the story after it: the asked-about phrase is still read
    hair = assistant.ask("can magnesium glycinate cause hair loss? my hair's been shedding "
                         "since i started it")
    assert hair.refused and "but not hair loss" in hair.body
    # a word right after the subject's name says which form of it: the spray is covered
    spray = assistant.ask("does that magnesium oil spray u put on your legs actually do "
                          "anything or is it a gimmick")
    lead = spray.body.split("\n")[0].lower()
    assert not spray.refused and ("spray" in lead or "topical" in lead)  # on that form


def test_something_the_user_drinks_is_paired_with_the_question_that_points_back(
        assistant: Assistant) -> None:
    answer = assistant.ask("i drink grapefruit juice every morning. does it mess with my klonopin?")
    assert answer.refused and "“grapefruit”" in answer.body
    covered = assistant.ask("i drink a lot of milk every morning. does it mess with my "
                            "magnesium glycinate?")
    assert not covered.refused


def test_whether_one_thing_changes_how_another_acts_asks_about_their_pairing(
        assistant: Assistant) -> None:
    """A medicine or food the documents lack, taken before a question asking whether the
    subject changes it ("throw my INR off") or whether it changes the subject ("does that change
    how much klonopin gets in?"), is what is asked about: declined, not answered around."""
    inr = assistant.ask("I'm on warfarin for AF and have my INR checked every month. Will "
                        "starting magnesium glycinate throw my INR off?")
    assert inr.refused and "warfarin" in inr.body
    juice = assistant.ask("I drink a big glass of grapefruit juice every morning. does that "
                          "change how much klonopin gets into my system?")
    assert juice.refused and "grapefruit" in juice.body
    # a question about the subject alone, after a medicine mentioned in passing, is answered
    own = assistant.ask("I'm on lisinopril for my blood pressure. How much magnesium glycinate "
                        "should I take for sleep?")
    assert not own.refused


def test_a_condition_its_question_states_for_a_subject_the_documents_cover_it_for_others_only(
        assistant: Assistant) -> None:
    """The documents discuss pregnancy for magnesium only: "could klonopin cause birth defects
    if I fall pregnant?" is declined for that part; an age told in the story before a question
    asking no kind ("My dad is 81 … could his water tablet be draining his magnesium?") is not
    what is asked, so the documents' age evidence being about clonazepam declines nothing."""
    birth = assistant.ask("I'm on klonopin 0.25 twice a day for panic. could that cause birth "
                          "defects if I fall pregnant while still on it?")
    assert birth.body.startswith("The documents I have don't cover")
    dad = assistant.ask("My dad is 81 and has heart failure, he's on furosemide 40 mg every "
                        "morning. Could his water tablet be draining his magnesium?")
    assert not dad.body.startswith("The documents I have don't cover")
    assert "diuretic" in dad.body.split("\n")[0].lower()


def test_what_a_message_says_a_subject_helps_with_is_asked_about(assistant: Assistant) -> None:
    """"magnesium glycinate helps kids with ADHD focus. any evidence for that?" asks about a
    use the documents never discuss; a condition told beside another question is not asked."""
    claim = assistant.ask("My son is 9 and has ADHD. His teacher mentioned magnesium glycinate "
                          "helps kids with ADHD focus. Is there any evidence for that?")
    assert claim.refused and "adhd" in claim.body.lower()
    told = assistant.ask("My son has ADHD. Is magnesium glycinate good for his sleep?")
    assert not told.refused


def test_a_stated_risk_does_not_answer_a_kind_only_its_own_evidence_answers(
        assistant: Assistant) -> None:
    """Sleep apnea stated beside "will clonazepam make me put on weight?": no evidence is on
    weight, so that part is declined (the Safety notes still carry the sleep apnea caveat)."""
    weight = assistant.ask("I have sleep apnea and use a CPAP. will the clonazepam make me put "
                           "on weight too?")
    assert weight.body.startswith("The documents I have don't cover “weight gain”")
    assert "apnea" in weight.answer.lower().split("safety notes")[-1]


@pytest.mark.parametrize(("question", "answered_with"), [
    # "the reflux tablet" describes a class the documents name (proton pump inhibitors)
    ("My bloods showed magnesium at 1.6, 'slightly low'. I'm only 42 and I eat fairly well. "
     "Could the reflux tablet be causing this?", "proton pump"),
    # a suffix on a word the documents use ("withdrawal-y")
    ("why does my mate on xanax get weird withdrawal-y feelings between doses?", "interdose"),
])
def test_a_description_of_what_the_documents_name_is_no_uncovered_thing(
        assistant: Assistant, question: str, answered_with: str) -> None:
    answer = assistant.ask(question)
    assert not answer.refused and answered_with in answer.body.lower()


def test_who_says_it_and_a_spaced_shorthand_are_no_uncovered_things(
        assistant: Assistant) -> None:
    said = assistant.ask("My naturopath reckons former heavy drinkers are usually low in "
                         "magnesium, is that a real thing?")
    assert "naturopath" not in said.body  # who says it is not what is asked about
    spaced = assistant.ask("been on k pin .5 for 4 yrs. lately it barely touches it. normal??")
    assert "klonopin" in spaced.standalone_question.lower() and not spaced.refused


def test_a_stated_condition_declines_only_what_it_changes(assistant: Assistant) -> None:
    # when to take it is no question the age changes: answered, not declined for "age"
    timing = assistant.ask("My mom is 68, takes Fosamax once a week on Sunday mornings and a "
                           "magnesium glycinate every day. Is there a timing problem on Sundays?")
    assert not timing.refused and "bisphosphonate" in timing.body.lower()
    # whether a medicine reaches breast milk is: the documents say it of magnesium only
    nursing = assistant.ask("I'm breastfeeding. My GP has offered me klonopin 0.25. Does it get "
                            "into breastmilk and affect the baby?")
    assert nursing.refused and "but not breast" in nursing.body


def test_what_someone_does_is_no_thing_but_what_they_take_with_it_is(
        assistant: Assistant) -> None:
    # the word after "can i just" is a verb ("soak"), not a thing the documents lack
    soak = assistant.ask("cant swallow big pills. can i just soak in epsom salts every night "
                         "and get my magnesium that way")
    assert not soak.refused and "epsom" in soak.body.lower()
    # one thing taken with a core subject is what is asked, whatever the embedder says of it
    paired = assistant.ask("can i just take kratom with klonopin")
    assert paired.refused and "kratom" in paired.body


def test_a_declined_condition_is_named_where_the_user_states_it(assistant: Assistant) -> None:
    # "for years" is the story; the age is stated as "is 79"
    answer = assistant.ask("My dad is 79 and has taken a Benadryl every night for years to get "
                           "to sleep. Now he wants to take magnesium glycinate too. Is that ok?")
    assert "years" not in answer.body.split(":")[0]


def test_what_a_message_without_a_core_subject_tries_is_what_it_asks_about(
        assistant: Assistant) -> None:
    kava = assistant.ask("Thinking of trying kava tea to unwind in the evenings instead of my "
                         "usual wine. I've heard it can be bad for the liver, is that true?")
    assert kava.refused and "kava" in kava.body
    # a medicine told before a question about something else is noted, not declined
    told = assistant.ask("Started taking sertraline last month and I can't sleep. What helps?")
    assert not told.refused and "sertraline" in told.body
    # a name ending in a number is a thing the documents may lack
    coq = assistant.ask("my friend takes CoQ10 for her migraines, would that work for me?")
    assert coq.refused and "coq10" in coq.body.lower()


def test_what_a_combining_question_says_is_taken_is_asked_about(assistant: Assistant) -> None:
    kava = assistant.ask("Is it ok to drink kava tea in the evening if I'm already taking "
                         "magnesium glycinate for sleep?")
    assert kava.refused and "kava" in kava.body
    melatonin = assistant.ask("is it ok to take melatonin gummies in the evening if i'm on "
                              "magnesium glycinate?")
    assert not melatonin.refused and "melatonin" in melatonin.body.split("\n")[0].lower()
    # a time to effect given only for magnesium does not answer it for klonopin
    onset = assistant.ask("if i take my klonopin right when a panic attack starts how long "
                          "till it actually works")
    assert onset.refused and "time to take effect" in onset.body


def test_a_verb_after_a_modal_is_no_uncovered_thing(assistant: Assistant) -> None:
    logic = assistant.ask("Benzo withdrawal = not enough GABA. Magnesium boosts GABA. So "
                          "magnesium should basically fix withdrawal, right?")
    assert not logic.refused


def test_a_drink_the_question_points_back_at_is_asked_about(assistant: Assistant) -> None:
    tea = assistant.ask("my sister swears valerian root tea knocks her out cold. can i drink a "
                        "cup of it with my clonazepam .5 at bedtime or is that a bad mix")
    assert tea.refused and "valerian" in tea.body


def test_what_a_message_opening_what_about_asks_about_is_asked(assistant: Assistant) -> None:
    sid = assistant.new_session()
    assistant.ask("I get migraines with aura. neuro mentioned magnesium for prevention. how "
                  "much do people take?", sid)
    other = assistant.ask("what about feverfew, my aunt uses it for hers. is it better than the "
                          "magnesium?", sid)
    assert other.refused and "feverfew" in other.body


def test_things_asked_about_each_on_their_own_need_not_be_found_together(
        assistant: Assistant) -> None:
    # "does either of those matter?": each is asked about, not the pair
    each = assistant.ask("i'm on furosemide for ankle swelling and i have IBS, does either of "
                         "those matter for magnesium?")
    assert not each.refused and "furosemide" in each.body.lower()
    pair = assistant.ask("can i take clonazepam with omeprazole")
    assert pair.refused


def test_splitting_a_tablet_is_declined_for_that_part(assistant: Assistant) -> None:
    # the documents discuss clonazepam, not splitting its tablets: however many words come
    # between the tablets and "in half"
    split = assistant.ask("if they drop her to 0.25 can we just snap the 0.5 clonazepam "
                          "tablets she's already got in half?")
    assert split.refused and "splitting tablets" in split.body
    dose = assistant.ask("i want to cut my klonopin tablets down in half for a week and then stop")
    assert not dose.refused


def test_kicking_in_ones_sleep_asks_no_time_to_take_effect(assistant: Assistant) -> None:
    session = assistant.new_session()
    assistant.ask("Switched from glycinate to a magnesium taurate a few weeks ago and now I have "
                  "insane technicolour dreams every night. Is it the taurate?", session)
    answer = assistant.ask("husband says last night i was punching and kicking in my sleep "
                           "like i was fighting someone in the dream. is that still the normal "
                           "kind?", session)
    assert not answer.refused and "REM sleep behavior disorder" in answer.body


def test_a_common_misspelling_or_an_everyday_noun_is_no_unknown_name(
        assistant: Assistant) -> None:
    timing = assistant.ask("Dr put me on trazodone 50 (desyrel) at bedtime for sleep. when "
                           "should I take my mag gly, together or seperate?")
    assert not timing.refused and "trazodone" in timing.body.split("\n")[0].lower()
    worrier = assistant.ask("He takes clonazepam 0.5 and gabapentin, and magnesium glycinate "
                            "120 every night. I'm a worrier. Which of these combinations is "
                            "the risky one?")
    assert not worrier.refused
