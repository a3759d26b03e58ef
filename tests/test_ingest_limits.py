"""Ingestion does not trust the file system: symlinks out of the corpus, huge files, files that
chunk into too many pieces, mostly non-text and repeated junk are skipped with the reason."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.indexing.ingest import load_corpus_with_warnings

ROOT = Path(__file__).resolve().parents[1]
REAL = "002_90f8025de4ee4743.txt"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    shutil.copy(ROOT / "corpus" / REAL, root / REAL)
    return root


def _load(settings_factory: Any, tmp_path: Path, corpus: Path, **chunking: Any) -> Any:
    settings = settings_factory(tmp_path, corpus, chunking=chunking)
    result = load_corpus_with_warnings(settings)
    return [d.source for d in result.documents], " | ".join(result.warnings)


def test_symlinks_leaving_the_corpus_are_skipped(
    settings_factory: Any, tmp_path: Path, corpus: Path
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("The admin password is hunter2. " * 20, encoding="utf-8")
    (corpus / "leak.txt").symlink_to(outside)
    (corpus / "alias.txt").symlink_to(corpus / REAL)  # inside the corpus: fine
    docs, warnings = _load(settings_factory, tmp_path, corpus)
    assert sorted(docs) == sorted([REAL, "alias.txt"])
    assert "skipped leak.txt: it is a link to" in warnings and "outside the corpus" in warnings


def test_a_huge_file_is_skipped_before_it_is_read(
    settings_factory: Any, tmp_path: Path, corpus: Path
) -> None:
    with (corpus / "huge.txt").open("wb") as f:
        f.truncate(20_000_000)  # a 20 MB file (sparse: cheap to make)
    docs, warnings = _load(settings_factory, tmp_path, corpus)
    assert docs == [REAL]
    assert "skipped huge.txt: it is 20,000,000 bytes, over the limit of 2,000,000" in warnings
    assert "ASSISTANT_CHUNKING__MAX_FILE_BYTES" in warnings


def test_non_text_and_repeated_junk_are_skipped_with_the_reason(
    settings_factory: Any, tmp_path: Path, corpus: Path
) -> None:
    rng = random.Random(7)
    (corpus / "symbols.txt").write_text(
        "".join(rng.choice("§¤¶©®™¥€£¢♠♣♥♦☺☻♪♫") for _ in range(5000)), encoding="utf-8")
    (corpus / "spam.md").write_text("BUY MAGNESIUM NOW!!! best price " * 3000, encoding="utf-8")
    docs, warnings = _load(settings_factory, tmp_path, corpus)
    assert docs == [REAL]
    assert "skipped symbols.txt: it is mostly non-text" in warnings
    assert "skipped spam.md: it is repeated junk" in warnings
    for path in sorted((ROOT / "corpus").glob("*.txt")):  # the real corpus passes
        shutil.copy(path, corpus / path.name)
    docs, _ = _load(settings_factory, tmp_path, corpus)
    assert len(docs) == 5


def test_a_file_with_too_many_chunks_is_skipped_with_a_clear_message(
    settings_factory: Any, tmp_path: Path, corpus: Path
) -> None:
    from assistant.indexing.indexer import build_index

    shutil.copy(ROOT / "corpus" / "000_ea444bfb46099086.txt", corpus)
    settings = settings_factory(tmp_path, corpus, chunking={"max_chunks_per_file": 8})
    report = build_index(settings, progress=False)
    warnings = " | ".join(report.warnings)
    assert "it makes" in warnings and "over the limit of 8" in warnings
    assert "ASSISTANT_CHUNKING__MAX_CHUNKS_PER_FILE" in warnings
    assert 0 < report.chunks <= 8
