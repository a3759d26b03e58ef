"""What start-up needs to know from every document, saved with the index version.

* ``titles``: file -> title (the manifest's or the document's own),
* ``openings``: each document's first line (a page's own question or title names its topics),
* ``subject_pairs``: the "Name (Other" pairs the texts write (``answering.subjects``),
* ``class_pairs``: the "Name (…, a class)" pairs they write.

``answering.derived`` saves them (``corpus.json``); ``answering.assembly`` loads them, or, for an
index saved without them, reads them from every chunk and the corpus files once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answering.subjects import alias_pairs, class_pairs
from assistant.core.models import Chunk
from assistant.core.settings import Settings
from assistant.indexing.ingest import opening_lines

log = logging.getLogger(__name__)
FACTS_FILE = "corpus.json"


@dataclass(frozen=True)
class CorpusFacts:
    titles: dict[str, str]
    openings: list[str]
    subject_pairs: list[tuple[str, str]]
    class_pairs: list[tuple[str, str]]

    @classmethod
    def from_chunks(cls, settings: Settings, chunks: Sequence[Chunk]) -> CorpusFacts:
        titles = {c.source: c.title for c in sorted(chunks, key=lambda c: c.source)}
        openings = opening_lines(settings.corpus_dir, titles)
        texts = [*(c.text for c in chunks), *openings]
        return cls(titles, openings, alias_pairs(texts), class_pairs(texts))

    def save(self, directory: Path) -> None:
        data = {"titles": self.titles, "openings": self.openings,
                "subject_pairs": [list(p) for p in self.subject_pairs],
                "class_pairs": [list(p) for p in self.class_pairs]}
        (directory / FACTS_FILE).write_text(json.dumps(data, ensure_ascii=False),
                                            encoding="utf-8")

    @classmethod
    def load(cls, directory: Path | None) -> CorpusFacts | None:
        """The facts saved for a version, or None (with a log line) when absent or damaged."""
        path = directory / FACTS_FILE if directory is not None else None
        if path is None or not path.is_file():
            log.info("no saved corpus facts for this version: reading every chunk "
                     "(`assistant index` saves them)")
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls({str(k): str(v) for k, v in data["titles"].items()},
                       [str(line) for line in data["openings"]],
                       [(str(a), str(b)) for a, b in data["subject_pairs"]],
                       [(str(a), str(b)) for a, b in data["class_pairs"]])
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            log.warning("saved corpus facts %s unreadable (%s): reading every chunk", path, err)
            return None

