"""The chunker on every real corpus file, with the real model tokenizer."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from assistant.core.errors import PolicyError
from assistant.core.models import Chunk, SourceDocument
from assistant.core.settings import Settings
from assistant.indexing import chunk as chunk_mod
from assistant.indexing.boilerplate import find_excluded, load_policy
from assistant.indexing.chunk import chunk_document, chunk_document_with_notes
from assistant.indexing.ingest import load_corpus
from assistant.indexing.tokens import TokenCounter
from assistant.indexing.units import read_units
from assistant.text.sentences import split_sentences

REPO = Path(__file__).resolve().parent.parent
POLICY_FILE = REPO / "policies" / "boilerplate.yaml"

BOILERPLATE = [
    "Personalize", "Help us tailor your experience", "Which best describes you",
    "Article Review Status", "Under Review", "Medical Advisory Board",
    "Educational purpose only", "View editorial policy", "Last updated",
    "Have a follow-up question", "Our Medical A.I.", "Strictly private", "Zero spam",
    "Join the waitlist", "Track Your Healing", "TaperOffBenzos", "LIFESTYLE", "MIN READ",
    "Medical Disclaimer", "(See What Is", "(Learn more in", "(Related:", "About this content",
    "Benzodiazepine Withdrawal Statistics 2025", "fact-checked against",
]
REFERENCE_TEXT = [
    "Works cited", "accessed June 26, 2025", "Guideline Directed Topic Overview",
    "Acta neurologica", "Praxis Medical Insights", "References",
]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(corpus_dir=REPO / "corpus", chunking={"boilerplate_file": POLICY_FILE})


@pytest.fixture(scope="module")
def counter(settings: Settings) -> TokenCounter:
    return TokenCounter(settings)


@pytest.fixture(scope="module")
def docs(settings: Settings) -> dict[str, SourceDocument]:
    return {d.source[:3]: d for d in load_corpus(settings)}


@pytest.fixture(scope="module")
def chunked(
    docs: dict[str, SourceDocument], settings: Settings, counter: TokenCounter
) -> dict[str, list[Chunk]]:
    return {key: chunk_document(doc, settings, counter.count) for key, doc in docs.items()}


def all_chunks(chunked: dict[str, list[Chunk]]) -> list[Chunk]:
    return [c for chunks in chunked.values() for c in chunks]


def containing(chunks: list[Chunk], needle: str) -> Chunk:
    found = [c for c in chunks if needle in c.text]
    assert len(found) == 1, f"{needle!r} in {len(found)} chunks"
    return found[0]


def test_every_file_is_chunked(chunked: dict[str, list[Chunk]]) -> None:
    assert sorted(chunked) == ["000", "001", "002", "003", "004"]
    assert all(len(chunks) >= 5 for chunks in chunked.values())


def test_offsets_reproduce_the_file_exactly(
    docs: dict[str, SourceDocument], chunked: dict[str, list[Chunk]]
) -> None:
    for key, chunks in chunked.items():
        raw = Path(docs[key].path).read_bytes().decode("utf-8")
        for c in chunks:
            assert raw[c.start : c.end] == c.text
            assert c.text == c.text.strip() and c.text
        spans = [(c.start, c.end) for c in chunks]
        assert spans == sorted(spans)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "overlap"


def test_token_budget_is_measured_and_respected(
    chunked: dict[str, list[Chunk]], settings: Settings, counter: TokenCounter
) -> None:
    for c in all_chunks(chunked):
        assert c.n_tokens == counter.count(c.embed_text)
        assert 0 < c.n_tokens <= settings.chunking.max_tokens
    assert counter.window == 256


def test_no_boilerplate_in_any_chunk(chunked: dict[str, list[Chunk]]) -> None:
    policy = load_policy(POLICY_FILE)
    line_rules = [re.compile(r.pattern) for r in policy.lines]
    inline_rules = [re.compile(r.pattern) for r in policy.inline]
    for c in all_chunks(chunked):
        for text in (c.text, c.embed_text):
            for needle in BOILERPLATE:
                assert not re.search(re.escape(needle) + "(?![a-z])", text), (needle, c.start)
        for line in c.text.splitlines():
            assert not any(rx.fullmatch(line.strip()) for rx in line_rules), line
            assert not any(rx.search(line) for rx in inline_rules), line


def test_no_chunk_touches_a_dropped_region(
    docs: dict[str, SourceDocument], chunked: dict[str, list[Chunk]]
) -> None:
    policy = load_policy(POLICY_FILE)
    for key, chunks in chunked.items():
        excluded = find_excluded(docs[key].text, policy)
        for c in chunks:
            for ex in excluded:
                assert c.end <= ex.start or c.start >= ex.end, (c.source, c.start, ex.rule)
            for needle in REFERENCE_TEXT:
                assert needle not in c.text
    refs = [ex for ex in find_excluded(docs["003"].text, policy) if ex.kind == "references"]
    assert refs and docs["003"].text[refs[0].start :].startswith("## Works cited")
    assert refs[0].end == len(docs["003"].text.rstrip())


def test_evidence_is_not_lost(
    docs: dict[str, SourceDocument], chunked: dict[str, list[Chunk]]
) -> None:
    """Every non-blank line outside dropped regions is in chunks (bar trailing reference
    markers), or is a short heading."""
    policy = load_policy(POLICY_FILE)
    for key, chunks in chunked.items():
        text = docs[key].text
        dropped = find_excluded(text, policy)
        covered = bytearray(len(text))
        for span in [(c.start, c.end) for c in chunks] + [(x.start, x.end) for x in dropped]:
            covered[span[0] : span[1]] = b"\1" * (span[1] - span[0])
        pos = 0
        for line in text.splitlines(keepends=True):
            start, pos = pos, pos + len(line)
            missing = "".join(ch for i, ch in enumerate(line, start)
                              if not covered[i] and not ch.isspace())
            if not re.sub(r"<sup>\d+</sup>|\[\d+\]|[\d,]", "", missing):
                continue  # reference markers after a final full stop, e.g. "4, 5" or <sup>7</sup>
            heading = len(line.strip()) <= 300 and not line.rstrip().endswith(".")
            assert heading and missing == "".join(line.split()), (key, line[:80])
    for needle in ["Medical supervision is non-negotiable", "100-400mg elemental daily"]:
        containing(chunked["001"], needle)


def test_sections_from_headings(chunked: dict[str, list[Chunk]]) -> None:
    osa = containing(chunked["000"], "Screen for obstructive sleep apnea before starting")
    assert osa.section == ["Respiratory Depression Risk"]
    oura = containing(chunked["003"], "Oura Rings")
    assert oura.section[-2:] == ["Sleep Regulation", "Clinical Evidence"]
    faq = containing(chunked["001"], "100-400mg elemental daily")
    assert faq.section == ["How much magnesium should I take during benzo taper?"]
    product = containing(chunked["004"], "Patented Magtein formula with exclusive research")
    assert product.section[-1].startswith("#1: Life Extension Magnesium L-Threonate")
    dreams = containing(chunked["004"], "Glycine itself is REM-promoting")
    assert dreams.section[0] == "FAQs"
    assert dreams.section[-1] == "Dream Intensity: What Different Magnesium Forms Do"
    for c in all_chunks(chunked):
        assert c.title not in c.section
        assert c.embed_text.startswith(c.title)
        assert c.kind in {"prose", "bullets", "table", "mixed"}


def test_pipe_table_rows_keep_their_header(chunked: dict[str, list[Chunk]]) -> None:
    chunks = chunked["004"]
    table_chunks = [c for c in chunks if any(ln.startswith("| ") for ln in c.text.splitlines())]
    assert len(table_chunks) >= 15
    for c in table_chunks:
        lines = c.text.splitlines()
        first_row = next(i for i, ln in enumerate(lines) if ln.startswith("|"))
        has_header = first_row + 1 < len(lines) and lines[first_row + 1].startswith("|---")
        assert has_header or c.context, (c.start, lines[first_row][:60])
        assert c.kind in {"table", "mixed"}
    last = containing(chunks, "| #10 | Seeking Health Magnesium Plus")
    assert "Rank; Product; Form" in last.context or "| 🥇 Rank |" in last.text
    assert "Rank; Product; Form" in last.embed_text
    assert "Rank" not in last.text or "| 🥇 Rank |" in last.text


@pytest.mark.parametrize(
    ("row_start", "row_parts"),
    [
        ("<b>Tetracycline Antibiotics</b>", ["Doxycycline, Minocycline, Tetracycline",
                                             "4-6 hours after the magnesium supplement"]),
        ("<b>Gabapentin</b>", ["Magnesium can decrease the", "absorption of gabapentin by up to",
                               "Take gabapentin at least 2", "hours after taking a magnesium"]),
        ("Bisphosphonates\t", ["Magnesium forms insoluble chelates with",
                               "bisphosphonates, significantly reducing",
                               "before or after taking any magnesium-containing product"]),
    ],
)
def test_tab_table_logical_rows_stay_whole_with_header(
    chunked: dict[str, list[Chunk]], row_start: str, row_parts: list[str]
) -> None:
    c = containing(chunked["003"], row_start)
    for part in row_parts:
        assert part in c.text
    header = "Interacting Drug Class/Medication"
    assert header in c.text or header in c.context
    assert header in c.embed_text


def test_tab_table_header_in_context_of_later_rows(chunked: dict[str, list[Chunk]]) -> None:
    sulfate = containing(chunked["003"], "<b>Magnesium Sulfate</b>")
    assert "Form; Chemical Partner; Relative Bioavailability" in sulfate.context
    assert "Table 1" in sulfate.context and "Table 1" not in sulfate.text
    rda = containing(chunked["003"], "Lactation\t19+ years")
    assert "Life Stage/Age Group" in rda.text + rda.context


def test_units_are_never_split(
    docs: dict[str, SourceDocument], chunked: dict[str, list[Chunk]]
) -> None:
    policy = load_policy(POLICY_FILE)
    for key, chunks in chunked.items():
        doc = docs[key]
        units = read_units(doc, find_excluded(doc.text, policy))
        bullets = [u for u in units if u.kind in ("bullet", "row")]
        assert bullets
        for u in bullets:
            assert any(c.start <= u.start and u.end <= c.end for c in chunks), (
                key, doc.text[u.start : u.start + 60])


def test_chunks_end_at_sentence_or_line_boundaries(
    docs: dict[str, SourceDocument], chunked: dict[str, list[Chunk]]
) -> None:
    for key, chunks in chunked.items():
        text = docs[key].text
        for c in chunks:
            after = text[c.end : c.end + 2]
            ends_line = after[:1] in ("", "\n", " ", "\t") and (
                after[:1] != " " or text[c.end :].lstrip(" ")[:1] in ("\n", "(", "")
            )
            assert ends_line or re.search(r"[.!?]\S*$", c.text), (key, c.text[-60:])
            before = text[c.start - 1 : c.start] if c.start else "\n"
            assert before in ("\n", " ", "\t", ""), (key, c.text[:60])


def test_broken_paragraph_kept_together(chunked: dict[str, list[Chunk]]) -> None:
    bones = containing(chunked["003"], "magnesium is also\n\nessential for strong bones")
    assert bones.kind == "bullets"
    mech = containing(chunked["003"], "the underlying mechanisms\n\n\n\nare related to restoring")
    assert "Sleep Regulation" in mech.section


def test_sentence_spans_are_exact_quotes(
    docs: dict[str, SourceDocument], chunked: dict[str, list[Chunk]]
) -> None:
    for key, chunks in chunked.items():
        text = docs[key].text
        for c in chunks:
            spans = split_sentences(c.text, c.start)
            assert spans, (key, c.start)
            for s, e in spans:
                assert c.start <= s < e <= c.end
                quote = text[s:e]
                assert quote == quote.strip()
                assert not quote.startswith(("• ", "- ", "| ", "✅"))


def test_ids_are_deterministic_and_versioned(
    docs: dict[str, SourceDocument], chunked: dict[str, list[Chunk]], settings: Settings,
    counter: TokenCounter, monkeypatch: pytest.MonkeyPatch,
) -> None:
    again = chunk_document(docs["001"], settings, counter.count)
    assert [c.id for c in again] == [c.id for c in chunked["001"]]
    ids = [c.id for c in all_chunks(chunked)]
    assert len(ids) == len(set(ids))
    first = chunked["001"][0]
    same = chunk_mod.chunk_id(first.source, first.start, first.end, first.text)
    assert same == first.id
    assert chunk_mod.chunk_id(first.source, first.start, first.end + 1, first.text) != same
    monkeypatch.setattr(chunk_mod, "CHUNKER_VERSION", "test-other")
    assert chunk_mod.chunk_id(first.source, first.start, first.end, first.text) != same


def test_small_budget_splits_at_sentences_and_clauses_and_records_it(
    docs: dict[str, SourceDocument], counter: TokenCounter
) -> None:
    tight = Settings(chunking={"boilerplate_file": POLICY_FILE, "max_tokens": 64})
    result = chunk_document_with_notes(docs["003"], tight, counter.count)
    assert result.notes and any("split" in n for n in result.notes)
    for c in result.chunks:
        assert c.n_tokens <= 64
        assert docs["003"].text[c.start : c.end] == c.text


def test_policy_is_validated(tmp_path: Path) -> None:
    bad_regex = tmp_path / "bad.yaml"
    bad_regex.write_text("version: 1\nlines:\n  - id: x\n    pattern: '(unclosed'\n")
    with pytest.raises(PolicyError, match="invalid regular expression"):
        load_policy(bad_regex)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("version: 1\nlinez: []\n")
    with pytest.raises(PolicyError, match="linez"):
        load_policy(unknown)
    with pytest.raises(PolicyError, match="boilerplate policy not found"):
        load_policy(tmp_path / "missing.yaml")
