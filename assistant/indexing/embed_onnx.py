"""Embeddings with onnxruntime and the fast tokenizer: no torch, sentence-transformers or
transformers import.

``OnnxEmbedder`` computes what sentence-transformers computes for a Transformer + mean Pooling
(+ Normalize) model: the model's own ``tokenizer.json``, truncation at the model's
``max_seq_length`` (256 for MiniLM, special tokens included), the exported graph's last hidden
state, mean pooling over the attention mask, L2 normalization. Texts are sorted by length inside
a call so batches carry little padding. The ONNX file comes from ``onnx_export``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import AssistantError
from assistant.core.protocols import ProgressCallback
from assistant.indexing.tokens import load_tokenizer, model_window

if TYPE_CHECKING:
    from tokenizers import Tokenizer

BACKEND = "onnx"


class OnnxEmbedder:
    """Normalized sentence embeddings; satisfies ``assistant.core.protocols.Embedder``."""

    backend = BACKEND

    def __init__(self, onnx_file: Path, model_dir: Path, model_name: str,
                 batch_size: int = 32, threads: int = 0) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: on a shared CPU that measured faster
        # (single queries 24 vs 41 ms, 32-text batches 1.5 vs 1.75 s) and leaves cores to others.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(str(onnx_file), sess_options=options,
                                                 providers=["CPUExecutionProvider"])
        except Exception as err:
            raise AssistantError(f"cannot load the ONNX embedding model {onnx_file}: {err}"
                                 ) from None
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.model_name = model_name
        self.model_path = model_dir
        self.onnx_file = onnx_file
        self.batch_size = batch_size
        load_tokenizer(model_dir)  # a clear error when tokenizer.json is missing
        self.max_seq_length = model_window(model_dir)
        self._tokenizer = _window_tokenizer(model_dir, self.max_seq_length)
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def embed(self, texts: Sequence[str], progress: ProgressCallback | None = None
              ) -> list[list[float]]:
        """Normalized embeddings, one per text, in batches of ``batch_size`` similar lengths."""
        items = list(texts)
        order = sorted(range(len(items)), key=lambda i: len(items[i]))
        out: list[Any] = [None] * len(items)
        for start in range(0, len(order), self.batch_size):
            picked = order[start:start + self.batch_size]
            vectors = self._forward([items[i] for i in picked])
            for row, index in enumerate(picked):
                out[index] = vectors[row].tolist()
            if progress is not None:
                progress(min(start + self.batch_size, len(items)), len(items))
        return out if items else []

    def _forward(self, texts: list[str]) -> Any:
        import numpy as np

        encodings = self._tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask,
                 "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64)}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs}
                                   )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def embed_query(self, text: str) -> list[float]:
        """One normalized embedding for a query string."""
        return self.embed([text])[0]

    def count_tokens(self, text: str) -> int:
        """Model tokens the text takes, special tokens excluded (no truncation)."""
        return len(load_tokenizer(self.model_path).encode(text, add_special_tokens=False).ids)

    def warm_up(self) -> None:
        """Run one tiny batch so the first real request is not slow."""
        self.embed(["warm up"])


def _window_tokenizer(model_dir: Path, window: int) -> Tokenizer:
    """A fresh copy of the model's tokenizer that truncates at ``window`` tokens (special
    tokens included, as sentence-transformers does) and pads to the longest text of a batch
    (padding is masked out of attention and pooling, so the pad id does not change vectors)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    padding = tokenizer.padding or {}
    tokenizer.enable_truncation(max_length=window)
    tokenizer.enable_padding(pad_id=int(padding.get("pad_id", 0)),
                             pad_token=str(padding.get("pad_token", "[PAD]")))
    return tokenizer
