"""The embedding model as ONNX, exported once, offline, from the packaged weights.

``onnx_model_file(settings)`` names where the export lives: ``embedding.onnx_dir`` /
``<model>-<key>/model.onnx``, the key hashing the model directory, its weights' size and
modification time, the export format and the torch, onnx and onnxruntime versions, so an
upgrade or another model gets a fresh export and a stale one is never used.
``ensure_onnx_model(settings)`` exports it if missing (``assistant index`` calls it; a query
process calls it through ``embed.get_embedder`` only when nothing was exported yet). The export
imports torch and transformers; the file is written under a temporary name, checked against
the torch model on a probe text, then moved into place atomically, so concurrent exporters or a
crash never leave a half-written model behind. The graph outputs the last hidden state; mean
pooling and normalization happen in ``embed_onnx``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from assistant.core.errors import AssistantError
from assistant.core.settings import Settings
from assistant.indexing.modelpath import resolve_model_path

log = logging.getLogger(__name__)

EXPORT_FORMAT = "1"  # bump when the exported graph changes
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "last_hidden_state"
MODEL_FILE = "model.onnx"
_PROBE = "A probe sentence checks the exported graph against the original model."
_MIN_COSINE = 0.9999
_LOCK = threading.Lock()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


@functools.lru_cache(maxsize=16)
def export_key(model_dir: Path) -> str:
    """Hash of what the exported file depends on (computed once per process and model)."""
    weights = [p for p in sorted(model_dir.glob("*")) if p.suffix in {".safetensors", ".bin"}]
    shape = {
        "model_dir": str(model_dir.resolve()),
        "weights": [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in weights],
        "format": EXPORT_FORMAT, "opset": OPSET,
        "torch": _version("torch"), "onnx": _version("onnx"),
        "onnxruntime": _version("onnxruntime"),
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


def onnx_model_file(settings: Settings) -> Path:
    """Where the ONNX export of the configured model lives (whether or not it exists yet)."""
    model_dir = resolve_model_path(settings.embedding)
    name = Path(settings.embedding.model).name or model_dir.name
    return settings.embedding.onnx_dir / f"{name}-{export_key(model_dir)}" / MODEL_FILE


def onnx_supported(model_dir: Path) -> str | None:
    """None when the model is a plain transformer with mean pooling (what ``embed_onnx``
    computes); otherwise why it is not."""
    modules_file = model_dir / "modules.json"
    if not modules_file.is_file():
        return f"no modules.json in {model_dir}"
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or set(kinds[2:]) - {"Normalize"}:
        return f"modules {kinds} are not Transformer, Pooling[, Normalize]"
    if modules[0].get("path", ""):
        return "the transformer is not in the model directory itself"
    pooling_file = model_dir / str(modules[1].get("path", "")) / "config.json"
    pooling = json.loads(pooling_file.read_text(encoding="utf-8")) if pooling_file.is_file() else {}
    modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode") and v)
    if modes != ["pooling_mode_mean_tokens"]:
        return f"pooling {modes or 'unknown'} is not mean pooling"
    return None


def ensure_onnx_model(settings: Settings) -> Path:
    """The ONNX file of the configured model, exported first if missing (see module doc)."""
    target = onnx_model_file(settings)
    if target.is_file():
        return target
    model_dir = resolve_model_path(settings.embedding)
    reason = onnx_supported(model_dir)
    if reason is not None:
        raise AssistantError(f"cannot export {model_dir} to ONNX: {reason}")
    with _LOCK:
        if target.is_file():
            return target
        log.warning("exporting the embedding model to ONNX once, into %s (takes ~10-20 s)",
                    target.parent)
        started = time.perf_counter()
        _export(model_dir, target)
        log.warning("ONNX export done in %.1f s", time.perf_counter() - started)
    return target


def _export(model_dir: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        reference, exported = _write(model_dir, tmp)
        cosine = _check(tmp, model_dir, reference)
        if cosine < _MIN_COSINE:
            raise AssistantError(f"the ONNX export of {model_dir} disagrees with the model "
                                 f"(cosine {cosine:.6f} on a probe)")
        (target.parent / "export.json").write_text(json.dumps(
            {**exported, "probe_cosine": cosine}, indent=1), encoding="utf-8")
        os.replace(tmp, target)
    except AssistantError:
        raise
    except Exception as err:
        raise AssistantError(f"cannot export {model_dir} to ONNX: {err}") from err
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def _write(model_dir: Path, tmp: Path) -> tuple[Any, dict[str, Any]]:
    """Trace the transformer into ``tmp``; returns its pooled probe vector and provenance."""
    import warnings

    from assistant.core.environment import set_offline_defaults

    set_offline_defaults()
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    # Eager attention traces into plain ops whose shapes stay dynamic.
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True,
                                      attn_implementation="eager").eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    batch = tokenizer([_PROBE, "two words"], padding=True, return_tensors="pt")
    args = tuple(batch[name] for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, OUTPUT)}
    wrapper = LastHidden(model).eval()  # the exporter restores the wrapper's mode afterwards
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hidden = model(**tokenizer([_PROBE], return_tensors="pt")).last_hidden_state
        torch.onnx.export(wrapper, args, str(tmp), input_names=list(INPUTS),
                          output_names=[OUTPUT], dynamic_axes=axes, opset_version=OPSET,
                          dynamo=False)
    reference = hidden.mean(dim=1)[0].numpy()
    provenance = {"model_dir": str(model_dir), "format": EXPORT_FORMAT, "opset": OPSET,
                  "torch": _version("torch"), "onnx": _version("onnx"),
                  "onnxruntime": _version("onnxruntime"), "transformers": _version("transformers")}
    return reference, provenance


def _check(path: Path, model_dir: Path, reference: Any) -> float:
    """Cosine between the ONNX graph's and torch's pooled vectors for the probe."""
    import numpy as np

    from assistant.indexing.embed_onnx import OnnxEmbedder

    vector = np.asarray(OnnxEmbedder(path, model_dir, str(model_dir)).embed([_PROBE])[0])
    ref = reference / np.linalg.norm(reference)
    return float(vector @ ref)
