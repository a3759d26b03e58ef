"""PLACEHOLDER (owned by the chunking work): read a corpus directory into SourceDocuments."""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.errors import CorpusError
from assistant.models import SourceDocument
from assistant.settings import Settings


def load_corpus(settings: Settings, corpus_dir: Path | None = None) -> list[SourceDocument]:
    root = Path(corpus_dir or settings.corpus_dir)
    if not root.is_dir():
        raise CorpusError(f"corpus directory not found: {root}")
    docs = []
    for path in sorted(root.glob("*.txt")) + sorted(root.glob("*.md")):
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        title = text.strip().splitlines()[0].lstrip("# ").strip()[:120]
        docs.append(SourceDocument(source=path.name, path=str(path.resolve()), title=title,
                                   text=text, sha256=hashlib.sha256(raw).hexdigest()))
    return docs
