"""kill -9 in the middle of indexing leaves the previous index usable; the next run completes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant.indexing.store import open_store

FIRST = "000_ea444bfb46099086.txt"
LATER = ("001_fb567213ce903ab3.txt", "002_90f8025de4ee4743.txt")

# Prints every progress step; the test kills it once embedding has written some chunks.
INDEXER = """
from assistant.indexing.indexer import build_index
from assistant.core.settings import Settings

def progress(phase, done, total):
    print(phase, done, total, flush=True)

build_index(Settings(), progress=progress)
print("finished", flush=True)
"""


def _versions(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.glob("v-*")}


@pytest.mark.slow
def test_sigkill_mid_embedding_keeps_previous_index(
    tmp_path: Path, corpus_dir: Path, settings_factory: Any
) -> None:
    from assistant.indexing.indexer import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(corpus_dir / FIRST, corpus / FIRST)
    settings = settings_factory(tmp_path, corpus)
    index_dir = Path(settings.index_dir)
    first = build_index(settings, progress=False)
    pointer = (index_dir / "CURRENT").read_bytes()
    for name in LATER:
        shutil.copy2(corpus_dir / name, corpus / name)

    env = os.environ | {
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_EMBEDDING__BATCH_SIZE": "2",
    }
    proc = subprocess.Popen([sys.executable, "-c", INDEXER], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line.strip())
            phase, *counts = line.split()
            if phase == "embed" and 0 < int(counts[0]) < int(counts[1]):
                break
        else:
            pytest.fail(f"indexer ended before embedding was under way: {seen}")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    # the pointer never moved; the killed run left a partial version behind
    assert (index_dir / "CURRENT").read_bytes() == pointer
    assert len(_versions(index_dir) - {first.version}) == 1
    store = open_store(settings)
    assert store.version == first.version
    assert {c.source for c in store.all_chunks()} == {FIRST}
    hits = store.search("creatinine clearance magnesium dose adjustment", 3)
    assert hits and hits[0][0].source == FIRST

    # the next run takes the lock (released by the kernel), completes, and cleans up
    report = build_index(settings, progress=False)
    assert report.added == sorted(LATER) and report.copied == first.chunks
    assert _versions(index_dir) == {first.version, report.version}
    assert {c.source for c in open_store(settings).all_chunks()} == {FIRST, *LATER}
