"""The web chat's HTML: escaping, citation links, safety and refusal styling, passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.models import Answer, Citation
from assistant.serving.web_render import (
    ChatTurn,
    corpus_lookup,
    render_answer_html,
    render_sources_html,
    render_transcript_html,
    split_safety,
)

XSS = '<script>alert("x")</script>'
FILE = "doc.txt"
FILE_TEXT = (
    "Intro line.\n\nMagnesium is cleared by the kidneys, so people with renal impairment "
    "should ask a clinician first. More text follows here.\n"
)
QUOTE = "Magnesium is cleared by the kidneys"


def _citation(cid: str = "1", quote: str = QUOTE, title: str = "Mg & kidneys") -> Citation:
    start = FILE_TEXT.find(quote)
    return Citation(id=cid, source=FILE, title=title, section="Kidneys", quote=quote,
                    start=start, end=start + len(quote))


def _answer(body: str, citations: list[Citation], refused: bool = False) -> Answer:
    safety = "Safety notes:\n- Kidney problems raise magnesium levels [1]."
    return Answer(question="q", standalone_question="q", body=body,
                  answer=f"{body}\n\n{safety}", refused=refused, citations=citations,
                  caveats=["renal"])


def _lookup(source: str) -> str | None:
    return FILE_TEXT if source == FILE else None


def test_markers_become_links_to_their_sources() -> None:
    html = render_answer_html(_answer("Take care [1]. Unknown [7].", [_citation()]), _lookup,
                              prefix="t1-")
    assert 'href="#t1-c1"' in html and 'data-cite="t1-c1"' in html
    assert '<details class="source" id="t1-c1">' in html
    assert "[7]" in html and "#t1-c7" not in html  # unknown markers stay plain text


def test_passage_shows_context_with_the_quote_marked() -> None:
    html = render_sources_html([_citation()], _lookup)
    assert f"<mark>{QUOTE}</mark>" in html
    assert "Intro line." in html and "should ask a clinician first" in html
    assert "Mg &amp; kidneys" in html and "Kidneys" in html and FILE in html


def test_passage_falls_back_to_quote_when_offsets_do_not_match() -> None:
    bad = _citation().model_copy(update={"start": 0})
    html = render_sources_html([bad], _lookup)
    assert f"<mark>{QUOTE}</mark>" in html and "Intro line." not in html


@pytest.mark.parametrize("where", ["body", "quote", "title"])
def test_document_and_answer_text_is_escaped(where: str) -> None:
    body = f"Answer {XSS} [1]." if where == "body" else "Answer [1]."
    cit = _citation()
    if where == "quote":
        cit = cit.model_copy(update={"quote": XSS})
    if where == "title":
        cit = cit.model_copy(update={"title": XSS})
    html = render_answer_html(_answer(body, [cit]), _lookup)
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_user_question_is_escaped_in_transcript() -> None:
    turns = [ChatTurn(user=XSS + '<img src=x onerror="alert(1)">'),
             ChatTurn(user="hi", partial=XSS)]
    html = render_transcript_html(turns, _lookup)
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "Searching the documents…" in html


def test_safety_notes_are_split_and_boxed() -> None:
    answer = _answer("Body text [1].", [_citation()])
    body, safety = split_safety(answer)
    assert body == "Body text [1]." and safety.startswith("- Kidney problems")
    html = render_answer_html(answer, _lookup)
    assert '<div class="safety">' in html and "<li>Kidney problems raise" in html
    assert 'class="refusal"' not in html


def test_refusal_is_styled_distinctly() -> None:
    html = render_answer_html(_answer("The documents do not cover this.", [_citation()],
                                      refused=True), _lookup)
    assert 'class="refusal"' in html and "Not covered by the documents" in html
    assert '<div class="safety">' in html


def test_safety_split_without_body_field() -> None:
    answer = Answer(question="q", standalone_question="q", refused=False,
                    answer="Yes [1].\n\nSafety notes:\n- Taper slowly [2].")
    assert split_safety(answer) == ("Yes [1].", "- Taper slowly [2].")


def test_corpus_lookup_reads_utf8_and_refuses_paths_outside(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("caf\u00e9\r\nline".encode())
    lookup = corpus_lookup(tmp_path)
    assert lookup("a.txt") == "caf\u00e9\r\nline"
    assert lookup("../a.txt") is None and lookup("missing.txt") is None


def test_bold_is_applied_after_escaping() -> None:
    html = render_answer_html(_answer("**Yes** <b>x</b> [1].", [_citation()]), _lookup)
    assert "<strong>Yes</strong> &lt;b&gt;x&lt;/b&gt;" in html


def test_sources_are_grouped_by_document_with_file_details_behind_a_toggle() -> None:
    other = Citation(id="3", source="other.txt", title="Other title", quote="another quote here",
                     start=0, end=18)
    cits = [_citation("1"), other, _citation("2")]
    html = render_sources_html(cits, _lookup, prefix="t1-")
    assert html.count('<details class="doc">') == 2
    assert html.count("Mg &amp; kidneys") == 1 and "(2 passages)" in html
    assert "(1 passage)" in html
    assert html.index("Mg &amp; kidneys") < html.index("Other title")  # first cited first
    assert html.index('id="t1-c1"') < html.index('id="t1-c2"') < html.index('id="t1-c3"')
    assert 'class="meta-toggle"' in html and '<div class="src-meta">doc.txt' in html
