"""Read a corpus directory into SourceDocuments.

* ``.txt`` / ``.md``: the text is the file's bytes decoded as UTF-8, unchanged (no newline
  translation), because citations quote ``text[start:end]`` of the file itself.
* ``.html`` / ``.htm``: the visible text (BeautifulSoup); ``.pdf``: the visible page text (pypdf;
  white, invisible or tiny text is dropped, see ``indexing.pdf_text``). For
  these, ``SourceDocument.text`` is the *extracted* text and offsets refer to it, not to the file
  bytes (the eval contract covers .txt/.md files only); ``is_extracted(doc)`` tells them apart.
* ``manifest.yaml`` in the corpus directory (optional) gives each file a title, publisher, kind and
  date; it is validated on load (unknown keys are an error). Files without an entry get a title from
  their first heading.

Unusable files (empty, binary, not UTF-8, unreadable HTML/PDF) are skipped with a warning naming
the file; nothing is written anywhere. So are files the corpus should not trust: symlinks that
lead outside the corpus directory, files over ``chunking.max_file_bytes``, and text that is mostly
non-text or repeated junk (``chunking.min_text_share`` / ``max_repetition``).
"""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.core.errors import CorpusError
from assistant.core.models import SourceDocument
from assistant.core.policy import load_yaml_model
from assistant.core.settings import Settings
from assistant.text.normalize import heading_text

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.yaml"
TEXT_SUFFIXES = frozenset({".txt", ".md"})
EXTRACTED_SUFFIXES = frozenset({".html", ".htm", ".pdf"})
SUFFIXES = TEXT_SUFFIXES | EXTRACTED_SUFFIXES
MAX_TITLE = 120


class ManifestEntry(BaseModel):
    """What we know about one corpus file beyond its text."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, description="Human title shown with citations.")
    publisher: str | None = Field(None, description="Publisher or web site.")
    kind: str | None = Field(None, description="clinical Q&A, patient article, review, ...")
    date: str | None = Field(None, description="Publication/update date as the text gives it.")
    url: str | None = Field(None, description="Where the text came from, if known.")
    note: str | None = Field(None, description="Free-form remark (e.g. extraction problems).")


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(1, ge=1)
    documents: dict[str, ManifestEntry] = Field(default_factory=dict)


@dataclass
class CorpusLoad:
    """Documents read from a corpus directory plus the warnings to show the user."""

    documents: list[SourceDocument]
    warnings: list[str] = field(default_factory=list)


def is_extracted(doc: SourceDocument) -> bool:
    """True when ``doc.text`` was extracted (HTML/PDF) rather than being the file's own text."""
    return Path(doc.source).suffix.lower() in EXTRACTED_SUFFIXES


def load_manifest(root: Path) -> Manifest:
    """The validated manifest of a corpus directory (empty when there is none)."""
    path = root / MANIFEST_NAME
    if not path.exists():
        return Manifest()
    return load_yaml_model(path, Manifest, "corpus manifest", error=CorpusError)


def load_corpus_with_warnings(settings: Settings, corpus_dir: Path | None = None) -> CorpusLoad:
    """All usable documents of the corpus directory, sorted by file name, and the warnings."""
    root = Path(corpus_dir or settings.corpus_dir)
    if not root.is_dir():
        raise CorpusError(f"corpus directory not found: {root}")
    manifest = load_manifest(root)
    result = CorpusLoad([])
    paths = sorted(p for p in root.iterdir()
                   if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUFFIXES)
    for path in paths:
        try:
            _check_file(path, root, settings)
            doc = read_document(path, manifest.documents.get(path.name))
            _check_text(doc.text, settings)
            result.documents.append(doc)
        except _Skip as skip:
            result.warnings.append(f"skipped {path.name}: {skip}")
    present = {p.name for p in paths}
    for name in sorted(set(manifest.documents) - present):
        result.warnings.append(f"manifest entry {name!r} has no file in {root}")
    return result


def load_corpus(settings: Settings, corpus_dir: Path | None = None) -> list[SourceDocument]:
    """All usable documents of the corpus directory; skipped files are logged as warnings."""
    result = load_corpus_with_warnings(settings, corpus_dir)
    for warning in result.warnings:
        log.warning("%s", warning)
    return result.documents


class _Skip(Exception):
    """A file that cannot be used; the message says why."""


def _check_file(path: Path, root: Path, settings: Settings) -> None:
    """No symlinks out of the corpus, no files over the size limit (checked before reading)."""
    real = path.resolve()
    if not real.is_relative_to(root.resolve()):
        raise _Skip(f"it is a link to {real}, outside the corpus directory")
    size = real.stat().st_size
    limit = settings.chunking.max_file_bytes
    if size > limit:
        raise _Skip(f"it is {size:,} bytes, over the limit of {limit:,} "
                    "(ASSISTANT_CHUNKING__MAX_FILE_BYTES)")


def _check_text(text: str, settings: Settings) -> None:
    """Mostly non-text, or repeated junk, is not evidence."""
    sample = text[:200_000]
    texty = sum(1 for ch in sample if ch.isalnum() or ch.isspace() or ch in _PUNCT)
    share = texty / max(1, len(sample))
    if share < settings.chunking.min_text_share:
        raise _Skip(f"it is mostly non-text ({share:.0%} letters, digits, spaces and punctuation; "
                    f"at least {settings.chunking.min_text_share:.0%} needed)")
    raw = sample.encode("utf-8")
    if len(raw) >= 2048:
        removed = 1 - len(zlib.compress(raw, 6)) / len(raw)
        if removed > settings.chunking.max_repetition:
            raise _Skip(f"it is repeated junk (compression removes {removed:.0%} of it; "
                        f"prose stays under {settings.chunking.max_repetition:.0%})")


_PUNCT = frozenset(".,;:!?'\"()[]{}-–—/%&*+=<>#@|_~`$’“”‘…•·°±×")


def read_document(path: Path, entry: ManifestEntry | None = None) -> SourceDocument:
    """One file as a SourceDocument; raises _Skip with the reason when it is unusable."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise _Skip(f"cannot read the file ({err.strerror})") from None
    if not raw.strip():
        raise _Skip("the file is empty")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text, meta_title = _pdf_text(raw, path.name)
    elif suffix in (".html", ".htm"):
        text, meta_title = _html_text(_decode(raw), path.name)
    else:
        text, meta_title = _decode(raw), None
    if not text.strip():
        raise _Skip("no text could be extracted")
    entry = entry or ManifestEntry(title=meta_title or guess_title(text, path))
    return SourceDocument(
        source=path.name, path=str(path.resolve()), title=entry.title,
        publisher=entry.publisher, kind=entry.kind, date=entry.date, text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def _decode(raw: bytes) -> str:
    if b"\x00" in raw:
        raise _Skip("looks binary (contains NUL bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _Skip(f"is not valid UTF-8 (byte {err.start}); convert it to UTF-8") from None


def guess_title(text: str, path: Path) -> str:
    """The first markdown ``#`` heading, else the first non-empty line, else the file stem."""
    heading = re.search(r"^\s{0,3}#{1,6}\s+(\S.*)$", text, re.M)
    line = heading.group(0) if heading else next(
        (ln for ln in text.splitlines() if ln.strip()), path.stem)
    title = heading_text(line) or path.stem
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"


_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])",
    re.IGNORECASE)


def _html_text(html: str, name: str = "") -> tuple[str, str | None]:
    """Visible text only: scripts, styles, comments and hidden elements (a place to plant
    instructions no reader sees) are dropped, with a warning naming how many were hidden."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    hidden = [t for t in soup.find_all(True)
              if t.has_attr("hidden") or str(t.get("aria-hidden", "")).lower() == "true"
              or _HIDDEN_STYLE.search(str(t.get("style", "")))]
    for tag in hidden:
        if not tag.decomposed:
            tag.decompose()
    if hidden:
        log.warning("%s: dropped %d hidden HTML element(s) (text no reader sees is not evidence)",
                    name or "HTML document", len(hidden))
    title = soup.title.get_text(strip=True) if soup.title else None
    if soup.head is not None:
        soup.head.decompose()
    body = soup.body or soup
    lines = [ln.strip() for ln in body.get_text("\n").splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
    return text, title or None


def _pdf_text(raw: bytes, name: str = "") -> tuple[str, str | None]:
    from assistant.indexing.pdf_text import PdfUnreadable, pdf_text

    try:
        return pdf_text(raw, name)
    except PdfUnreadable as err:
        raise _Skip(str(err)) from None


def opening_lines(corpus_dir: Path, sources: Iterable[str]) -> list[str]:
    """Each document's first non-empty line (a page's own question or title names its topics,
    and may name a thing's other name: "… Clonazepam (Klonopin, a benzodiazepine)?"); a file
    that cannot be read gives none."""
    lines = []
    for source in dict.fromkeys(sources):
        try:
            text = (Path(corpus_dir) / source).read_bytes().decode("utf-8", errors="replace")
        except OSError:
            continue
        lines.append(next((ln for ln in text.splitlines() if ln.strip()), ""))
    return lines
