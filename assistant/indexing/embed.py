"""The embedder factory and the sentence-transformers backend (all-MiniLM-L6-v2 from a pip
package, offline, CPU).

``get_embedder(settings)`` returns the process-wide embedder of the configured model, one per
model and backend. ``embedding.backend``: ``auto`` and ``onnx`` use ``embed_onnx.OnnxEmbedder``
(onnxruntime + tokenizers: no torch import, so a fresh process answers in a few seconds), exported
once by ``onnx_export``; ``auto`` falls back to ``SentenceTransformerEmbedder`` (torch) with a
warning when no export can be made; ``sentence-transformers`` always uses torch. Both give the
same vectors (cosine >= 0.9999, tests/test_embed_onnx.py), so indexes built by either are read by
either. The Chroma adapter (``make_chroma_embedding_function``) wraps it so every collection has
an explicit embedding function (never Chroma's default); its persisted name and config stay the
same whatever the backend.
Heavy imports (onnxruntime, torch, sentence_transformers, chromadb) happen inside functions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from assistant.core.environment import set_offline_defaults
from assistant.core.errors import AssistantError
from assistant.core.protocols import ProgressCallback
from assistant.core.settings import Settings
from assistant.indexing.modelpath import resolve_model_path

if TYPE_CHECKING:
    from chromadb.api.types import EmbeddingFunction

    from assistant.indexing.embed_onnx import OnnxEmbedder

log = logging.getLogger(__name__)


EMBEDDING_FUNCTION_NAME = "assistant-sentence-transformers"

AnyEmbedder = Union["SentenceTransformerEmbedder", "OnnxEmbedder"]

_CACHE: dict[tuple[str, ...], AnyEmbedder] = {}
_CACHE_LOCK = threading.Lock()
_FALLBACK: dict[str, AnyEmbedder] = {}  # ONNX file that could not be made -> torch embedder


class SentenceTransformerEmbedder:
    """Normalized sentence embeddings; satisfies ``assistant.core.protocols.Embedder``."""

    backend = "sentence-transformers"

    def __init__(self, model_path: Path, model_name: str, device: str = "cpu",
                 batch_size: int = 32) -> None:
        set_offline_defaults()
        _quiet_transformers()
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(str(model_path), device=device,
                                              local_files_only=True)
        except Exception as err:
            raise AssistantError(
                f"cannot load embedding model from {model_path}: {err}"
            ) from None
        self.model_name = model_name
        self.model_path = model_path
        self.batch_size = batch_size
        self.max_seq_length = int(self._model.max_seq_length or 256)
        dim = (getattr(self._model, "get_embedding_dimension", None)
               or self._model.get_sentence_embedding_dimension)
        self.dimension = int(dim() or 0)
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None
              ) -> list[list[float]]:
        """Normalized embeddings, one per text, computed in batches of ``batch_size``."""
        out: list[list[float]] = []
        items = list(texts)
        for start in range(0, len(items), self.batch_size):
            batch = items[start:start + self.batch_size]
            with self._lock:
                vectors = self._model.encode(
                    batch, batch_size=self.batch_size, normalize_embeddings=True,
                    convert_to_numpy=True, show_progress_bar=False,
                )
            out.extend(v.tolist() for v in vectors)
            if progress is not None:
                progress(len(out), len(items))
        return out

    def embed_query(self, text: str) -> list[float]:
        """One normalized embedding for a query string."""
        return self.embed([text])[0]

    def count_tokens(self, text: str) -> int:
        """Model tokens the text takes, special tokens excluded (no truncation)."""
        ids = self._model.tokenizer(text, add_special_tokens=False, truncation=False,
                                    verbose=False)["input_ids"]
        return len(ids)

    def warm_up(self) -> None:
        """Run one tiny batch so the first real request is not slow."""
        self.embed(["warm up"])


def _quiet_transformers() -> None:
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    except ImportError:  # pragma: no cover - transformers always comes with s-t
        pass


def get_embedder(settings: Settings) -> AnyEmbedder:
    """The process-wide embedder for the configured model and backend (loaded on first use)."""
    emb = settings.embedding
    path = resolve_model_path(emb)
    if emb.backend == "sentence-transformers":
        return _cached(("sentence-transformers", str(path), emb.device),
                       lambda: SentenceTransformerEmbedder(path, emb.model, emb.device,
                                                           emb.batch_size))
    from assistant.indexing.onnx_export import ensure_onnx_model, onnx_model_file

    wanted = onnx_model_file(settings)
    if emb.backend == "auto" and (fallback := _FALLBACK.get(str(wanted))) is not None:
        return fallback  # the export failed once in this process: do not retry per call
    from assistant.indexing.embed_onnx import OnnxEmbedder

    try:
        onnx_file = ensure_onnx_model(settings)
        return _cached(("onnx", str(onnx_file.resolve()), str(emb.threads)),
                       lambda: OnnxEmbedder(onnx_file, path, emb.model, emb.batch_size,
                                            emb.threads))
    except (AssistantError, OSError) as err:
        if emb.backend == "onnx":
            raise
        log.warning("embedding with sentence-transformers (torch) instead of ONNX: %s", err)
        fallback = get_embedder(settings.model_copy(update={
            "embedding": emb.model_copy(update={"backend": "sentence-transformers"})}))
        _FALLBACK[str(wanted)] = fallback
        return fallback


def _cached(key: tuple[str, ...], make: Callable[[], AnyEmbedder]) -> AnyEmbedder:
    with _CACHE_LOCK:
        embedder = _CACHE.get(key)
        if embedder is None:
            embedder = _CACHE[key] = make()
    return embedder


def make_chroma_embedding_function(settings: Settings) -> EmbeddingFunction[Any]:
    """An explicit Chroma embedding function backed by ``get_embedder(settings)``."""
    cls = _chroma_function_class()
    function: EmbeddingFunction[Any] = cls(settings.embedding.model, settings.embedding.device)
    return function


_EF_CLASS: type | None = None


def _chroma_function_class() -> type:
    """Define (once) and register the Chroma adapter; chromadb is imported lazily here."""
    global _EF_CLASS
    if _EF_CLASS is not None:
        return _EF_CLASS
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import (
        known_embedding_functions,
        register_embedding_function,
    )

    class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
        """Chroma adapter over the shared embedder (cosine space)."""

        def __init__(self, model: str, device: str = "cpu") -> None:
            self._model = model
            self._device = device

        def _embedder(self) -> AnyEmbedder:
            settings = Settings.model_validate(
                {"embedding": {"model": self._model, "device": self._device}}
            )
            return get_embedder(settings)

        def __call__(self, input: Documents) -> Embeddings:
            import numpy as np

            vectors = self._embedder().embed(list(input))
            return [np.asarray(v, dtype=np.float32) for v in vectors]

        @staticmethod
        def name() -> str:
            return EMBEDDING_FUNCTION_NAME

        def default_space(self) -> Any:
            return "cosine"

        def supported_spaces(self) -> Any:
            return ["cosine"]

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
            return ChromaEmbeddingFunction(str(config["model"]), str(config.get("device", "cpu")))

        def get_config(self) -> dict[str, Any]:
            return {"model": self._model, "device": self._device}

    if EMBEDDING_FUNCTION_NAME not in known_embedding_functions:
        register_embedding_function(ChromaEmbeddingFunction)  # type: ignore[no-untyped-call]
    _EF_CLASS = ChromaEmbeddingFunction
    return _EF_CLASS
