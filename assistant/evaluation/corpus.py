"""Read corpus files ourselves (UTF-8, no newline translation) to check citations independently."""

from __future__ import annotations

from pathlib import Path


class CorpusFiles:
    """File texts by file name in the corpus directory, read once, as the contract defines them."""

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = corpus_dir
        self._cache: dict[str, str | None] = {}

    def text(self, source: str) -> str | None:
        """The file decoded as UTF-8, or None when it isn't a readable file of this corpus."""
        if source not in self._cache:
            self._cache[source] = self._read(source)
        return self._cache[source]

    def _read(self, source: str) -> str | None:
        if not source or Path(source).name != source or source.startswith("."):
            return None  # only plain file names inside the corpus directory
        path = self.corpus_dir / source
        try:
            return path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
