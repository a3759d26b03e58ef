"""PLACEHOLDER (owned by the chunking work): split a document into exact-offset chunks."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from assistant.models import Chunk, SourceDocument
from assistant.settings import Settings


def chunk_document(
    doc: SourceDocument, settings: Settings, count_tokens: Callable[[str], int]
) -> list[Chunk]:
    chunks = []
    for m in re.finditer(r"\S[^\n]*(?:\n(?!\s*\n)[^\n]*)*", doc.text):
        text = m.group(0)
        if len(text) < 40:
            continue
        text = text[:600]
        cid = hashlib.sha256(f"{doc.source}:{m.start()}:{text}".encode()).hexdigest()[:20]
        embed = f"{doc.title}\n{text}"
        chunks.append(Chunk(id=cid, source=doc.source, title=doc.title, text=text,
                            start=m.start(), end=m.start() + len(text), embed_text=embed,
                            n_tokens=count_tokens(embed), file_sha256=doc.sha256))
    return chunks
