"""Model token counts, from the embedding model's own tokenizer (no model weights loaded).

The packaged all-MiniLM-L6-v2 ``tokenizer.json`` ships with truncation at 128 tokens and fixed
padding; both are switched off here so a count is always the true length, never a clipped one.
The sentence-transformers window (``max_seq_length``) is 256 tokens including [CLS] and [SEP].
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.errors import AssistantError
from assistant.core.settings import Settings
from assistant.indexing.modelpath import resolve_model_path

if TYPE_CHECKING:
    from tokenizers import Tokenizer


@functools.cache
def load_tokenizer(model_dir: Path) -> Tokenizer:
    """The model's fast tokenizer, loaded once per process, without truncation or padding."""
    from tokenizers import Tokenizer

    path = model_dir / "tokenizer.json"
    if not path.is_file():
        raise AssistantError(f"no tokenizer.json in the embedding model directory {model_dir}")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def model_window(model_dir: Path) -> int:
    """The model's maximum sequence length in tokens (special tokens included)."""
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8"))["max_seq_length"])
    return 256


class TokenCounter:
    """Counts model tokens of a text, special tokens excluded. Cheap to create: the tokenizer
    is loaded lazily on first use and shared by every counter in the process."""

    def __init__(self, settings: Settings) -> None:
        self._embedding = settings.embedding
        self._dir: Path | None = None

    @property
    def model_dir(self) -> Path:
        if self._dir is None:
            self._dir = resolve_model_path(self._embedding)
        return self._dir

    @property
    def window(self) -> int:
        return model_window(self.model_dir)

    def count(self, text: str) -> int:
        return len(load_tokenizer(self.model_dir).encode(text, add_special_tokens=False).ids)

    def __call__(self, text: str) -> int:
        return self.count(text)
