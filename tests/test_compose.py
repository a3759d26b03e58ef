"""Extractive composer units on real corpus chunks (real chunker, real tokenizer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.compose import ExtractiveComposer, load_answer_policy
from assistant.answering.compose.composer import _with_marker
from assistant.answering.compose.units import Unit, chunk_units
from assistant.core.models import Chunk
from assistant.core.settings import Settings
from assistant.indexing.chunk import chunk_document
from assistant.indexing.ingest import load_corpus
from assistant.indexing.tokens import TokenCounter

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(corpus_dir=ROOT / "corpus", prompts_dir=ROOT / "prompts",
                    policies_dir=ROOT / "policies",
                    chunking={"boilerplate_file": ROOT / "policies" / "boilerplate.yaml"})


@pytest.fixture(scope="module")
def chunks(settings: Settings) -> dict[str, list[Chunk]]:
    counter = TokenCounter(settings)
    return {d.source: chunk_document(d, settings, counter.count) for d in load_corpus(settings)}


POLICY = load_answer_policy(ROOT / "policies")


def _units(chunk: Chunk, rank: int) -> list[Unit]:
    return chunk_units(chunk, rank, POLICY)


def _file(source: str) -> str:
    return (ROOT / "corpus" / source).read_bytes().decode("utf-8")


def test_units_quote_exact_file_text_and_drop_source_markup(
        chunks: dict[str, list[Chunk]]) -> None:
    for source, items in chunks.items():
        text = _file(source)
        for rank, chunk in enumerate(items):
            for unit in _units(chunk, rank):
                assert text[unit.start:unit.end] == unit.quote
                assert "<sup>" not in unit.display and "**" not in unit.display
                assert not unit.display.endswith(("?", ":"))


def test_pipe_table_rows_are_shown_with_their_column_headers(
        chunks: dict[str, list[Chunk]]) -> None:
    units = [u for c in chunks["004_b3b8cf56c376216f.txt"] for u in _units(c, 0)
             if u.quote.lstrip("| ").startswith("Magnesium Glycinate | 40-50%")]
    assert units, "the glycinate bioavailability row is a unit"
    shown = units[0].display
    assert shown.startswith("Magnesium Glycinate — ")
    assert "Bioavailability %: 40-50%" in shown
    assert "|" not in shown


def test_two_column_question_rows_are_units_however_short_their_answer(
        chunks: dict[str, list[Chunk]]) -> None:
    # the row's outer pipes are trimmed from its quote, so only one is left between the cells
    units = {u.quote.split(" | ")[0]: u for c in chunks["004_b3b8cf56c376216f.txt"]
             for u in _units(c, 0) if u.quote.count("|") == 1}
    onset = units["How long until I notice sleep improvements?"]
    assert onset.display == "1-2 weeks for subtle effects; 4-6 weeks for maximum benefit."
    assert onset.match.startswith("How long until I notice sleep improvements?")
    assert "How much should I take and when?" in units  # "200-400mg elemental magnesium, …"
    assert not any(q.endswith("Question") for q in units)  # the header row is none


def test_checklist_items_are_list_items(settings: Settings) -> None:
    text = ("Safe combination checklist:\n"
            "\u2705 Time strategically\u2014magnesium earlier, medication at bedtime\n"
            "\u2705 Inform your physician\u2014important for records\n")
    chunk = Chunk(id="c", source="x.txt", title="x", text=text, start=0, end=len(text),
                  embed_text=text)
    shown = [u.display for u in _units(chunk, 0)]
    # symbol bullets open items, each shown after the line introducing the list, and the
    # short list is also shown whole
    assert shown == [
        "Safe combination checklist: time strategically\u2014magnesium earlier, medication at "
        "bedtime.",
        "Safe combination checklist: inform your physician\u2014important for records.",
        "Safe combination checklist: time strategically\u2014magnesium earlier, medication at "
        "bedtime; inform your physician\u2014important for records."]


def test_short_items_under_a_heading_line_are_shown_after_it(settings: Settings) -> None:
    text = ("Phase 2 (Weeks 3-4): Stabilization\n- Increase magnesium to 300mg\n"
            "- Continue full sleep medication\n")
    chunk = Chunk(id="c", source="x.txt", title="x", text=text, start=0, end=len(text),
                  embed_text=text)
    assert [u.display for u in _units(chunk, 0)] == [
        "Phase 2 (Weeks 3-4): Stabilization: increase magnesium to 300mg.",
        "Phase 2 (Weeks 3-4): Stabilization: continue full sleep medication.",
        "Phase 2 (Weeks 3-4): Stabilization: increase magnesium to 300mg; continue full sleep "
        "medication."]


def test_tab_table_rows_are_shown_with_their_column_headers(
        chunks: dict[str, list[Chunk]]) -> None:
    units = {u.quote.split("\t")[0].strip() + " " + u.quote.split("\t")[1].strip(): u
             for c in chunks["003_b4040f399ac66141.txt"] for u in _units(c, 0) if "\t" in u.quote}
    # bold header row, one-line row
    adults = units["Adults 19+ years Male"].display
    assert adults.startswith("Adults 19+ years — Sex: Male; RDA (mg/day): 400–420 mg; ")
    # plain header row, a row broken over several lines by PDF extraction
    bisphosphonates = units["Bisphosphonates Alendronate (Fosamax), Ibandronate (Boniva)"].display
    assert bisphosphonates.startswith("Bisphosphonates — Example Drugs: Alendronate")
    assert "Clinical Management/Recommendation: Separate doses" in bisphosphonates
    # the plain header row itself is not a unit
    assert not any(k.startswith("Interacting Drug Class/Medication") for k in units)


def test_a_split_tables_later_rows_take_the_header_from_the_context(
        chunks: dict[str, list[Chunk]]) -> None:
    rows = [u for c in chunks["004_b3b8cf56c376216f.txt"] if c.context for u in _units(c, 0)
            if u.quote.lstrip("| ").startswith("Melatonin | Complementary")]
    assert rows, "the melatonin row sits in a chunk after the one with its header"
    assert rows[0].display.startswith("Melatonin — Interaction Type: Complementary")


def test_headings_and_lead_in_lines_are_not_answer_sentences(
        chunks: dict[str, list[Chunk]]) -> None:
    shown = {u.display for c in chunks["000_ea444bfb46099086.txt"] for u in _units(c, 0)}
    assert "Renal Function Considerations" not in shown
    # a lead-in line is never a sentence of its own; it is shown before its items
    assert "Before initiating this combination:" not in shown
    assert not any(s.endswith(":") for s in shown)


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Avoid abrupt discontinuation.", "Avoid abrupt discontinuation [3]."),
    ("Screen for sleep apnea", "Screen for sleep apnea [3]"),
])
def test_marker_sits_before_the_final_period(sentence: str, expected: str) -> None:
    assert _with_marker(sentence, "3") == expected


def test_unit_vector_cache_stays_bounded_and_answers_stay_the_same(
        chunks: dict[str, list[Chunk]], settings: Settings) -> None:
    from assistant.indexing.embed import get_embedder

    composer = ExtractiveComposer(get_embedder(settings), settings, POLICY, cache_size=16)
    items = chunks["000_ea444bfb46099086.txt"]
    question = "How should the dose be adjusted for kidney function?"
    first = [(s.unit.start, s.unit.end) for s in composer.select(question, items[:4])]
    for i in range(len(items)):  # many distinct spans pass through the cache
        composer.select(question, items[i:i + 2])
        assert len(composer._vectors) <= 16
    again = [(s.unit.start, s.unit.end) for s in composer.select(question, items[:4])]
    assert first and again == first


def _all_units(chunks: dict[str, list[Chunk]]) -> list[Unit]:
    return [u for items in chunks.values() for rank, c in enumerate(items) for u in _units(c, rank)]


def test_header_rows_are_never_units(chunks: dict[str, list[Chunk]]) -> None:
    """Pipe-table headers (a rule line follows) and TAB-table headers (all cells bold)."""
    for unit in _all_units(chunks):
        text = _file(unit.chunk.source)
        next_line = text[unit.end:].split("\n", 2)[1:2]
        assert not (next_line and set(next_line[0].strip()) <= set("|-: ")
                    and next_line[0].strip()), unit.quote
        cells = [c.strip() for c in unit.quote.split("\t") if c.strip()]
        assert len(cells) < 2 or not all(c.startswith("<b>") and c.endswith("</b>")
                                         for c in cells), unit.quote


def test_every_shown_unit_is_a_finished_sentence_that_leans_on_nothing(
        chunks: dict[str, list[Chunk]]) -> None:
    import re

    for unit in _all_units(chunks):
        assert unit.display[-1] in ".!?\"”)", unit.display
        assert not any(re.search(p, unit.display, re.I) for p in POLICY.dangling_starts), \
            unit.display


def test_a_leaning_sentence_is_quoted_together_with_the_one_before_it(
        chunks: dict[str, list[Chunk]]) -> None:
    joined = [u for u in _all_units(chunks)
              if "elevated risk" in u.display and "These include older adults" in u.display]
    assert joined, "'These …' joins the sentence before it"
    unit = joined[0]
    assert _file(unit.chunk.source)[unit.start:unit.end] == unit.quote
    assert unit.display.startswith("Several populations are at an elevated risk")


def test_a_main_clause_pointing_back_after_an_opening_phrase_leans_too(
        chunks: dict[str, list[Chunk]]) -> None:
    """"In the case of magnesium glycinate, these effects are further amplified …": "these
    effects" are the sentence before's; never shown alone."""
    units = [u for u in _all_units(chunks) if "these effects are further amplified" in u.display]
    assert all(not u.display.startswith("In the case of") for u in units), units


def test_a_linking_word_is_left_out_of_the_shown_sentence(
        chunks: dict[str, list[Chunk]]) -> None:
    units = [u for u in _all_units(chunks) if "248 mg" in u.display]
    assert units and units[0].display.startswith("One small 6-week study")
    assert units[0].quote.startswith("For example")


def test_a_short_list_item_is_shown_after_the_line_that_introduces_it(
        chunks: dict[str, list[Chunk]]) -> None:
    items = [u for u in _all_units(chunks) if "half-life (2-3 hours)" in u.display]
    assert items
    unit = items[0]
    assert unit.display.startswith("Ambien (zolpidem): short half-life")
    assert _file(unit.chunk.source)[unit.start:unit.end] == unit.quote


def _units_of(text: str) -> list[Unit]:
    """The units of one hand-written chunk holding ``text``."""
    chunk = Chunk(id="c", source="a.txt", title="A", start=0, end=len(text), text=text,
                  embed_text=text)
    return chunk_units(chunk, 0, POLICY)


def test_a_list_item_under_a_numbered_entry_says_what_it_is_about() -> None:
    text = "Why It’s Premium:\n- NSF Certified for Sport—tested for banned substances\n"
    entry = Chunk(id="c", source="a.txt", title="A", start=0, end=len(text), text=text,
                  embed_text=text, section=["Top 10", "#3: Acme Labs Bisglycinate – The Pick 💊"])
    [unit] = chunk_units(entry, 0, POLICY)
    # the entry's name without its rank and tagline; an acronym keeps its capitals
    assert unit.display == ("Acme Labs Bisglycinate — Why It’s Premium: NSF Certified for "
                            "Sport—tested for banned substances.")
    assert unit.quote == text.rstrip("\n")
    # under a heading that is no numbered entry, the lead-in is shown as it is
    plain = entry.model_copy(update={"section": ["Top 10", "Acme Labs Bisglycinate"]})
    assert chunk_units(plain, 0, POLICY)[0].display.startswith("Why It’s Premium: NSF")


def test_a_list_item_without_its_final_period_is_a_sentence_not_a_heading() -> None:
    text = ("Before initiating this combination:\n\n"
            "  • Screen for sleep apnea, particularly if the patient snores 4\n"
            "  • Check baseline renal function if there is concern 2\n\n"
            "Monitoring Parameters\n")
    units = _units_of(text)
    shown = [u.display for u in units]
    # each item is shown after the short lead-in that says when it applies (a blank line
    # between them does not part them); its citation quotes from the lead-in on
    assert ("Before initiating this combination: screen for sleep apnea, particularly if the "
            "patient snores.") in shown
    assert "Before initiating this combination: check baseline renal function if there is " \
        "concern." in shown
    assert all(u.quote.startswith("Before initiating") for u in units)
    assert not any(s.startswith("Monitoring") for s in shown)  # a heading stays out


def test_a_label_and_a_statement_is_a_sentence_but_a_titled_step_is_a_heading() -> None:
    text = ("Critical Safety Parameters:\n"
            "Safe upper limit during pregnancy: 350-360mg elemental magnesium from supplements\n"
            "Phase 3 (Weeks 5-8): Initial Medication Reduction\n"
            "Taper slowly with your prescriber over several weeks to avoid withdrawal.\n")
    shown = [u.display for u in _units_of(text)]
    assert ("Safe upper limit during pregnancy: 350-360mg elemental magnesium from "
            "supplements.") in shown
    assert not any(s.startswith("Phase 3") for s in shown)


def test_a_labelled_line_under_a_numbered_entry_says_what_it_is_about() -> None:
    """"The Caution: …" and "Downside: …" name nothing; under "#4: Acme Glycinate 400" they
    are about that product, and shown so (a later sentence of the line too)."""
    text = ("The Caution: 400mg can cause GI upset in magnesium-naive individuals. Start with "
            "half-dose (200mg) for first week, then increase.\n"
            "Downside: Large tablets difficult to swallow for some people who try them.\n")
    entry = Chunk(id="c", source="a.txt", title="A", start=0, end=len(text), text=text,
                  embed_text=text, section=["Top 10", "#4: Acme Glycinate 400 – The Big One 💪"])
    units = {u.quote: u for u in chunk_units(entry, 0, POLICY)}
    caution = units["The Caution: 400mg can cause GI upset in magnesium-naive individuals."]
    assert caution.display.startswith("Acme Glycinate 400 — The Caution: 400mg can cause")
    later = units["Start with half-dose (200mg) for first week, then increase."]
    # a later sentence of the entry's line is shown under the entry's label: its advice
    assert later.display.startswith("Acme Glycinate 400 — The Caution: start with half-dose")
    assert units["Downside: Large tablets difficult to swallow for some people who try them."
                 ].display.startswith("Acme Glycinate 400 — Downside: Large tablets")
    for unit in units.values():  # the citation quotes the file's text, without the heading
        assert text[unit.start:unit.end] == unit.quote


def test_a_later_sentence_of_a_labelled_line_is_scored_with_its_label() -> None:
    text = ("- **Toxicity (Hypermagnesemia):** Toxicity is rare in people with healthy kidneys. "
            "Symptoms include flushing, low blood pressure and weak reflexes.\n"
            "Plain prose with no label at all goes here. A second plain sentence follows it.\n")
    units = {u.display: u for u in _units_of(text)}
    first = units["Toxicity (Hypermagnesemia): Toxicity is rare in people with healthy kidneys."]
    later = units["Symptoms include flushing, low blood pressure and weak reflexes."]
    assert first.match == ""  # it shows its label itself
    assert later.text.startswith("Toxicity (Hypermagnesemia): Symptoms include")
    assert text[later.start:later.end] == later.quote  # shown and quoted without the label
    assert units["A second plain sentence follows it."].match == ""


def test_a_phrase_opening_like_a_linking_word_is_kept() -> None:
    text = ("In contrast to sleep research, the evidence for migraine is robust and growing. "
            "However, the dose used in trials varies between studies.\n")
    shown = [u.display for u in _units_of(text)]
    assert "In contrast to sleep research, the evidence for migraine is robust and growing." \
        in shown
    assert "The dose used in trials varies between studies." in shown


def test_a_leaning_line_after_a_list_is_not_joined_to_its_last_item() -> None:
    text = ("Take the second supplement half an hour before bed, after the first one\n"
            "- Adds calming effects over the evening hours\n"
            "- Peak effects overlap with the other supplement\n"
            "This staggered timing avoids excessive sedation at night. Taking both at once can "
            "cause morning grogginess.\n")
    shown = [u.display for u in _units_of(text)]
    assert not any("supplement This" in s or s.startswith("This staggered") for s in shown), shown
    assert "Taking both at once can cause morning grogginess." in shown


def test_a_table_row_about_a_thing_the_question_does_not_name_is_about_another() -> None:
    from assistant.answering.compose.rows import row_about_another
    from assistant.text.words import stem

    core = frozenset({"magnesium", "glycin"})
    medicines = frozenset({"gabapentin", "neurontin", "doxycycline", "minocycline",
                           "cyclobenzaprine"})
    row = "<b>Gabapentin</b>\tNeurontin\tMagnesium can decrease the absorption of gabapentin"
    assert row_about_another(row, frozenset({stem("nerves")}), core, medicines)
    assert not row_about_another(row, frozenset({stem("neurontin")}), core,
                                 medicines)  # a medicine in a later cell
    class_row = "| Tetracycline Antibiotics | Doxycycline, Minocycline | Separate doses |"
    assert not row_about_another(class_row, frozenset({stem("doxycycline")}), core, medicines)
    # an effect in a later cell is not what the row is about: drowsiness asked about does not
    # make the muscle relaxants' row one on the user's medicines
    effect = "| Muscle relaxants (cyclobenzaprine) | Additive sedation—excessive drowsiness | - |"
    assert row_about_another(effect, frozenset({stem("drowsiness")}), core, medicines)
    assert not row_about_another(effect, frozenset({stem("cyclobenzaprine")}), core, medicines)
    own = "| Magnesium Glycinate | Best | 7-14 days |"  # names only a core subject
    assert not row_about_another(own, frozenset(), core)
    prose = "Gabapentin absorption may drop by 20-40% with magnesium."
    assert not row_about_another(prose, frozenset(), core)  # not a row
