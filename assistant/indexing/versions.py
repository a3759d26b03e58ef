"""Index versions: what a version records about itself (``IndexInfo``), the pointer to the active
and previous version, and how versions are named. Shared by both store backends."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.settings import CHUNKER_VERSION, Settings

POINTER_FILE = "CURRENT"
VERSION_PREFIX = "v-"
HINT = "run `assistant index`"


@dataclass(frozen=True)
class Pointer:
    """Which version is active, and the one before it (kept for readers still open)."""

    current: str
    previous: str | None = None


@dataclass
class IndexInfo:
    """What an index version records about itself (collection metadata)."""

    version: str
    settings_hash: str
    model: str
    chunker_version: str
    max_tokens: int
    files: dict[str, str] = field(default_factory=dict)
    created_at: float = 0.0

    def to_metadata(self) -> dict[str, Any]:
        return {
            "version": self.version, "settings_hash": self.settings_hash, "model": self.model,
            "chunker_version": self.chunker_version, "max_tokens": self.max_tokens,
            "files": json.dumps(self.files, sort_keys=True), "created_at": self.created_at,
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, Any] | None) -> IndexInfo:
        meta = meta or {}
        return cls(
            version=str(meta.get("version", "?")),
            settings_hash=str(meta.get("settings_hash", "")),
            model=str(meta.get("model", "")),
            chunker_version=str(meta.get("chunker_version", "")),
            max_tokens=int(meta.get("max_tokens", 0)),
            files=json.loads(str(meta.get("files", "{}"))),
            created_at=float(meta.get("created_at", 0.0)),
        )

    @classmethod
    def for_settings(cls, settings: Settings, version: str, files: dict[str, str]) -> IndexInfo:
        return cls(version=version, settings_hash=settings.vector_settings_hash(),
                   model=settings.embedding.model, chunker_version=CHUNKER_VERSION,
                   max_tokens=settings.chunking.max_tokens, files=files, created_at=time.time())

    def differences(self, settings: Settings) -> list[str]:
        """Human-readable list of what shapes vectors differently from ``settings``."""
        wanted = IndexInfo.for_settings(settings, self.version, {})
        diffs = [f"{name}: index has {have!r}, settings want {want!r}"
                 for name, have, want in (
                     ("embedding model", self.model, wanted.model),
                     ("chunker version", self.chunker_version, wanted.chunker_version),
                     ("max_tokens", self.max_tokens, wanted.max_tokens))
                 if have != want]
        if not diffs and self.settings_hash != wanted.settings_hash:
            diffs.append(f"settings hash: index has {self.settings_hash}, "
                         f"settings want {wanted.settings_hash}")
        return diffs


def new_version_name() -> str:
    return f"{VERSION_PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"



#: Sub-directory of an embedded version's directory holding what is derived from its chunks.
DERIVED_DIR = "derived"


def derived_dir(settings: Settings, version: str) -> Path:
    """Where files derived from a version's chunks live (BM25 index, vocabulary, answer-unit
    vectors; ``answering.derived``): inside the version's own directory when embedded, so they
    are deleted with it; under ``index_dir/derived/`` next to a Chroma server's collections."""
    root = Path(settings.index_dir)
    if settings.store.mode == "embedded":
        return root / version / DERIVED_DIR
    return root / DERIVED_DIR / version
