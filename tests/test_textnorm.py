"""display_text and split_sentences on real corpus lines (no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.text.normalize import display_text
from assistant.text.sentences import split_sentences

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def corpus_text(prefix: str) -> str:
    path = next(CORPUS.glob(f"{prefix}_*.txt"))
    return path.read_bytes().decode("utf-8")


def line_with(prefix: str, needle: str) -> str:
    return next(ln for ln in corpus_text(prefix).splitlines() if needle in ln)


@pytest.mark.parametrize(
    ("prefix", "needle", "expected_end"),
    [
        ("000", "standard low-to-moderate dose", "representing a standard low-to-moderate dose."),
        ("000", "concern for impairment", "if there is concern for impairment"),
        ("000", "monitor for hypermagnesemia", "(muscle weakness, hypotension, bradycardia)."),
        ("002", "within 7 days", "improvement typically occurring within 7 days."),
        ("002", "RR 1.51", "(RR 1.51,95% CI 0.98 to 2.33)"),
        ("001", "consult a doctor first", "so consult a doctor first."),
    ],
)
def test_display_text_strips_trailing_reference_markers(
    prefix: str, needle: str, expected_end: str
) -> None:
    assert display_text(line_with(prefix, needle)).endswith(expected_end)


def test_display_text_drops_pointers_to_other_parts_of_the_source() -> None:
    shown = display_text(line_with("004", "Interaction with medications (see below)"))
    assert shown.endswith("Interaction with medications") and "see below" not in shown
    assert display_text("Taper slowly (See What Is Micro Tapering).") == "Taper slowly."
    assert display_text("Severe renal impairment (CrCl <30 mL/min)") == (
        "Severe renal impairment (CrCl <30 mL/min)")


def test_display_text_keeps_real_numbers() -> None:
    renal = display_text(line_with("000", "CrCl <30 mL/min"))
    assert "(CrCl <30 mL/min)" in renal
    assert "120mg is a modest dose" in renal
    dose = display_text(line_with("000", "The clonazepam dose (0.5mg)"))
    assert "(0.5mg)" in dose and "0.25mg" in dose
    assert display_text(line_with("004", "Reduce from 400mg to 250mg")) == (
        "Reduce from 400mg to 250mg"
    )
    assert display_text("Pregnancy\t19+ years\t350–360 mg\t350 mg") == (
        "Pregnancy; 19+ years; 350–360 mg; 350 mg"
    )


def test_display_text_strips_markup_and_markers() -> None:
    first = display_text(line_with("003", "second most abundant intracellular cation"))
    assert first.startswith("Magnesium (Mg2+) is an essential mineral")
    assert "<sup>" not in first and "$" not in first
    assert "potassium. Its biological" in first
    bullet = display_text(line_with("003", "**Energy Creation:**"))
    assert bullet.startswith("Energy Creation: Magnesium is indispensable")
    assert "*" not in bullet
    assert "(Cl-) channels" in display_text(line_with("003", "ligand-gated chloride"))
    assert "evidence is suggestive of" in display_text(
        "The review concluded that the evidence is\n\n*suggestive* of a beneficial effect"
    )
    blog = display_text(line_with("001", "Long-term use downregulates GABA receptors"))
    assert "[" not in blog and "relaxation. Long-term use" in blog


def test_display_text_tables_and_emoji() -> None:
    row = display_text(line_with("004", "| Magnesium Glycinate | 40-50% |"))
    assert "|" not in row and "⭐" not in row and "✅" not in row
    assert row.startswith("Magnesium Glycinate; 40-50%; Yes—bound to glycine")
    heading = display_text(line_with("004", "Bioavailability Scandal"))
    assert heading.startswith("“Why Most Magnesium Supplements") and "💊" not in heading
    text = corpus_text("003")
    start = text.index("<b>Gabapentin</b>")
    end = text.index("hours after taking a magnesium supplement. <sup>47</sup>", start)
    merged = display_text(text[start : end + 60])
    assert "Magnesium can decrease the absorption of gabapentin by up to 20-40%" in merged
    assert "Take gabapentin at least 2 hours after taking a magnesium supplement." in merged


def test_display_text_bullets_and_whitespace() -> None:
    assert display_text("  •  Screen   for\n obstructive sleep apnea 4") == (
        "Screen for obstructive sleep apnea"
    )
    assert display_text("- **Skeletal Health:** bones.<sup>3</sup>") == "Skeletal Health: bones."


def spans_of(text: str, base: int = 0) -> list[str]:
    return [text[s - base : e - base] for s, e in split_sentences(text, base)]


def test_split_sentences_exact_and_trimmed() -> None:
    text = corpus_text("000")
    start = text.index("  • The clonazepam dose (0.5mg)")
    end = text.index("\n", start)
    spans = split_sentences(text[start:end], start)
    quotes = [text[s:e] for s, e in spans]
    assert quotes[0] == "The clonazepam dose (0.5mg) is at the lower end of the therapeutic range."
    assert quotes[1].startswith("Clinical guidelines note") and quotes[1].endswith("dose 3, 4.")
    assert all(q == q.strip() for q in quotes)


def test_split_sentences_keeps_paragraph_broken_mid_sentence() -> None:
    text = corpus_text("003")
    start = text.index("- **Skeletal Health:**")
    end = text.index("- **Immune System Support:**")
    quotes = spans_of(text[start:end], start)
    assert quotes[0].startswith("**Skeletal Health:** While calcium")
    assert quotes[0].endswith("magnesium is also\n\nessential for strong bones.")
    assert quotes[1].endswith("two other nutrients vital for bone health.")  # <sup>3</sup> trimmed


def test_split_sentences_markers_abbreviations_and_rows() -> None:
    blog = "Benzodiazepines enhance GABA.[1] Long-term use downregulates receptors.[1][2]\n"
    assert spans_of(blog) == [
        "Benzodiazepines enhance GABA.",
        "Long-term use downregulates receptors.",
    ]
    spaced = "Magnesium is common. <sup>34</sup> A trial is ongoing. [2] It ends soon."
    assert spans_of(spaced) == ["Magnesium is common.", "A trial is ongoing.", "It ends soon."]
    assert spans_of(line_with("004", "Dr. Ben Lynch")) == [
        "Dr. Ben Lynch formulation (geneticist specializing in methylation)"
    ]
    cox = line_with("003", "Cox et al. was influential")
    assert any("A key 1991 study by Cox et al. was influential" in q for q in spans_of(cox))
    summary = line_with("002", "within 7 days. 1")
    assert spans_of(summary)[-1].endswith("within 7 days.")
    bullet = line_with("000", "concern for impairment")
    assert spans_of(bullet) == ["Check baseline renal function if there is concern for impairment"]
    row = line_with("004", "| Magnesium Oxide | 4-10% |")
    assert spans_of(row) == [row.strip().strip("|").strip()]
    tab = "<b>A</b>\tx\tfirst part\n\n\t\tsecond part. <sup>8</sup>\tlast\nNext line here."
    assert spans_of(tab) == ["<b>A</b>\tx\tfirst part\n\n\t\tsecond part. <sup>8</sup>\tlast",
                             "Next line here."]


def test_tab_cells_merge_a_rows_continuation_lines() -> None:
    from assistant.text.normalize import tab_cells

    row = ("Drug\tBinds in the gut\tSeparate doses.\n\n"
           "\tsignificantly less absorbed.\tTake 2 h apart.")
    assert tab_cells(row) == ["Drug", "Binds in the gut significantly less absorbed.",
                              "Separate doses. Take 2 h apart."]
    assert tab_cells("Just a sentence.") is None
    assert tab_cells("a\tb\nc\td") is None  # two rows


def test_the_asked_parts_of_a_message_are_its_questions() -> None:
    from assistant.text.sentences import asked_parts

    assert asked_parts("my psych ok'd it. what should i watch for? and when?") == [
        "what should i watch for?", "and when?"]
    # what the user tells after the question is not asked ("… limit? i eat a ton of almonds")
    assert asked_parts("does food count toward that limit? i eat a ton of almonds") == [
        "does food count toward that limit?"]
    # a follow-up's carried topic stays with its question
    assert asked_parts("how long between them? (about magnesium, doxycycline)") == [
        "how long between them? (about magnesium, doxycycline)"]
    assert asked_parts("Is it safe with clonazepam") == ["Is it safe with clonazepam"]
    assert asked_parts("please please please tell me: is it ok?") == ["is it ok?"]


def test_a_word_is_asked_of_in_the_question_or_after_a_pairing_word() -> None:
    from assistant.text.sentences import asked_or_paired

    pairing = [r"\b(take|on)\b"]
    message = "My naturopath friend says so. I'm on doxycycline now. Is magnesium ok?"
    assert asked_or_paired("doxycycline", message, pairing)  # "on doxycycline"
    assert not asked_or_paired("naturopath", message, pairing)  # mentioned in passing
    assert asked_or_paired("warfarin", "Is magnesium ok with warfarin?", pairing)
    # without a question mark the last sentence is the question
    plain = "derm just put me on doxycycline. do I need to change anything"
    assert not asked_or_paired("derm", plain, pairing)
    assert asked_or_paired("doxycycline", plain, pairing)
