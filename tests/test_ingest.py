"""Corpus ingestion: the real corpus with its manifest, and bad input in tmp directories."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from assistant.core.errors import CorpusError
from assistant.core.settings import Settings
from assistant.indexing.ingest import is_extracted, load_corpus, load_corpus_with_warnings

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(corpus_dir=tmp_path / "corpus")


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` in Helvetica, with a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def test_real_corpus_with_manifest() -> None:
    docs = load_corpus(Settings(corpus_dir=REPO / "corpus"))
    assert [d.source[:3] for d in docs] == ["000", "001", "002", "003", "004"]
    by = {d.source[:3]: d for d in docs}
    assert by["000"].title == "Safety of Combining 120mg Magnesium Glycinate with 0.5mg Clonazepam"
    assert (by["000"].publisher, by["000"].kind, by["000"].date) == (
        "Dr.Oracle", "clinical Q&A", "2026-01-26")
    assert by["001"].title == "Magnesium and Benzo Withdrawal: Safe or Risky?"
    assert (by["001"].publisher, by["001"].date) == ("TaperOffBenzos", "2025-12-18")
    assert by["003"].kind == "review" and by["004"].kind == "product guide"
    for doc in docs:
        raw = Path(doc.path).read_bytes()
        assert doc.text == raw.decode("utf-8")
        assert doc.sha256 == hashlib.sha256(raw).hexdigest()
        assert not is_extracted(doc)


def test_missing_directory(settings: Settings) -> None:
    with pytest.raises(CorpusError, match="corpus directory not found"):
        load_corpus(settings)


def test_bad_files_are_skipped_with_warnings(settings: Settings, caplog: pytest.LogCaptureFixture,
                                             ) -> None:
    root = settings.corpus_dir
    root.mkdir()
    (root / "good.md").write_bytes(b"# Good Title\r\n\r\nMagnesium text.\r\n")
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_bytes(b"  \n\n")
    (root / "binary.txt").write_bytes(b"PK\x03\x04\x00\x00 zip data")
    (root / "latin1.txt").write_bytes("café au lait".encode("latin-1"))
    (root / "notes.csv").write_text("ignored,file\n")
    before = sorted(p.name for p in root.iterdir())
    result = load_corpus_with_warnings(settings)
    assert [d.source for d in result.documents] == ["good.md"]
    good = result.documents[0]
    assert good.title == "Good Title"
    assert good.text == "# Good Title\r\n\r\nMagnesium text.\r\n"  # no newline translation
    joined = "\n".join(result.warnings)
    assert "empty.txt" in joined and "blank.txt" in joined and "empty" in joined
    assert "binary.txt" in joined and "NUL" in joined
    assert "latin1.txt" in joined and "UTF-8" in joined
    assert "notes.csv" not in joined
    assert sorted(p.name for p in root.iterdir()) == before  # nothing written
    with caplog.at_level(logging.WARNING, logger="assistant.indexing.ingest"):
        assert [d.source for d in load_corpus(settings)] == ["good.md"]
    assert "latin1.txt" in caplog.text


def test_titles_without_manifest(settings: Settings) -> None:
    root = settings.corpus_dir
    root.mkdir()
    (root / "a.txt").write_text("\n\nPlain First Line\nbody text.\n")
    (root / "b.md").write_text("intro line\n\n## **Real Heading** 📝\n\ntext\n")
    (root / "c.txt").write_text("x" * 300 + "\n")
    titles = {d.source: d.title for d in load_corpus(settings)}
    assert titles["a.txt"] == "Plain First Line"
    assert titles["b.md"] == "Real Heading"
    assert len(titles["c.txt"]) == 120 and titles["c.txt"].endswith("…")


def test_html_and_pdf(settings: Settings) -> None:
    root = settings.corpus_dir
    root.mkdir()
    (root / "page.html").write_text(
        "<html><head><title>Mg Page</title><style>p{color:red}</style></head><body>"
        "<script>var hidden = 1;</script><h1>Magnesium</h1><p>Visible <b>text</b>.</p>"
        "</body></html>"
    )
    (root / "doc.pdf").write_bytes(minimal_pdf("Magnesium glycinate is gentle."))
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    result = load_corpus_with_warnings(settings)
    by = {d.source: d for d in result.documents}
    html = by["page.html"]
    assert html.title == "Mg Page"
    assert "Magnesium" in html.text and "Visible" in html.text and "text" in html.text
    assert "hidden" not in html.text and "color" not in html.text
    assert is_extracted(html)
    pdf = by["doc.pdf"]
    assert "Magnesium glycinate is gentle." in pdf.text
    assert pdf.title == "Magnesium glycinate is gentle." and is_extracted(pdf)
    assert any("broken.pdf" in w for w in result.warnings)


def test_manifest_validation(settings: Settings) -> None:
    root = settings.corpus_dir
    root.mkdir()
    (root / "a.txt").write_text("Heading\nbody.\n")
    manifest = root / "manifest.yaml"
    manifest.write_text("version: 1\ndocuments:\n  a.txt:\n    title: T\n    author: X\n")
    with pytest.raises(CorpusError, match=r"documents\.a\.txt\.author: unknown key"):
        load_corpus(settings)
    manifest.write_text("version: 1\ndocuments:\n  a.txt:\n    publisher: P\n")
    with pytest.raises(CorpusError, match="title"):
        load_corpus(settings)
    manifest.write_text("version: 1\ndocuments: [oops\n")
    with pytest.raises(CorpusError, match=r"corpus manifest .*manifest\.yaml is not valid YAML"):
        load_corpus(settings)
    manifest.write_text(
        "version: 1\ndocuments:\n  a.txt: {title: Nice, kind: review}\n  gone.txt: {title: G}\n")
    result = load_corpus_with_warnings(settings)
    assert (result.documents[0].title, result.documents[0].kind) == ("Nice", "review")
    assert any("gone.txt" in w for w in result.warnings)
