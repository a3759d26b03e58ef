"""The ONNX embedder: same vectors and token counts as sentence-transformers on the real model,
an export made once, and answering without torch (real model, real index, no mocks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import app_env

from assistant.core.errors import AssistantError
from assistant.core.settings import Settings
from assistant.indexing.embed import get_embedder
from assistant.indexing.embed_onnx import OnnxEmbedder
from assistant.indexing.ingest import load_corpus
from assistant.indexing.onnx_export import (
    ensure_onnx_model,
    export_key,
    onnx_model_file,
    onnx_supported,
)
from assistant.text.sentences import split_sentences

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "sentence_transformers", "transformers", "langchain_core")


def backend(settings: Settings, name: str) -> Settings:
    return settings.model_copy(update={"embedding": settings.embedding.model_copy(
        update={"backend": name})})


def corpus_sentences(settings: Settings, n: int) -> list[str]:
    """``n`` distinct sentences, bullets and table rows of the corpus, as the project's
    segmenter cuts them, taken evenly across every document."""
    per_doc = []
    for doc in load_corpus(settings):
        texts = [doc.text[s:e] for s, e in split_sentences(doc.text)]
        per_doc.append(list(dict.fromkeys(t for t in texts if len(t) >= 20)))
    picked: list[str] = []
    for i in range(max(len(texts) for texts in per_doc)):
        picked += [texts[i] for texts in per_doc if i < len(texts)]
    assert len(picked) >= n, f"the corpus has only {len(picked)} sentences"
    return picked[:n]


@pytest.fixture(scope="module")
def pair(indexed_settings: Settings) -> tuple[object, object]:
    onnx = get_embedder(backend(indexed_settings, "onnx"))
    torch = get_embedder(backend(indexed_settings, "sentence-transformers"))
    assert isinstance(onnx, OnnxEmbedder) and onnx.backend == "onnx"
    assert torch.backend == "sentence-transformers"
    return onnx, torch


def test_onnx_vectors_match_sentence_transformers(indexed_settings: Settings,
                                                  pair: tuple[object, object]) -> None:
    onnx, torch = pair
    sentences = corpus_sentences(indexed_settings, 200)
    # Past the 256-token window: both backends must truncate the same way.
    long_text = " ".join(sentences[:40])
    texts = [*sentences, long_text]
    a = np.asarray(onnx.embed(texts), dtype=np.float64)  # type: ignore[attr-defined]
    b = np.asarray(torch.embed(texts), dtype=np.float64)  # type: ignore[attr-defined]
    assert a.shape == b.shape == (201, 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    cosines = (a * b).sum(axis=1)
    assert cosines.min() >= 0.9999, (cosines.min(), texts[int(cosines.argmin())])
    assert onnx.count_tokens(long_text) > 256  # type: ignore[attr-defined]
    for text in (*sentences[:20], long_text):
        assert onnx.count_tokens(text) == torch.count_tokens(text)  # type: ignore[attr-defined]
    # Order in, order out (texts are sorted by length inside a call), duplicates included.
    again = onnx.embed([texts[5], texts[0], texts[5]])  # type: ignore[attr-defined]
    assert np.allclose(again, a[[5, 0, 5]], atol=1e-6)
    assert onnx.embed([]) == []  # type: ignore[attr-defined]


def test_export_is_made_once_and_reused(indexed_settings: Settings) -> None:
    """The index build made the export; asking again neither rewrites nor moves it."""
    target = onnx_model_file(indexed_settings)
    assert target.is_file()
    before = target.stat().st_mtime_ns
    assert ensure_onnx_model(indexed_settings) == target
    assert ensure_onnx_model(indexed_settings) == target
    assert target.stat().st_mtime_ns == before
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
    provenance = json.loads((target.parent / "export.json").read_text(encoding="utf-8"))
    assert provenance["probe_cosine"] >= 0.9999
    # The folder is keyed by the model and the exporter/runtime versions.
    model_dir = Path(provenance["model_dir"])
    assert target.parent.name.endswith(export_key(model_dir))
    other = indexed_settings.model_copy(update={"embedding": indexed_settings.embedding
                                                .model_copy(update={"onnx_dir": Path("x")})})
    assert onnx_model_file(other).parent.name == target.parent.name


def test_no_export_falls_back_to_torch_under_auto_and_fails_clearly_under_onnx(
        indexed_settings: Settings, tmp_path: Path, pair: tuple[object, object],
        caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")  # the export folder cannot be made under a file
    unwritable = indexed_settings.model_copy(update={"embedding": indexed_settings.embedding
                                                     .model_copy(update={"onnx_dir": blocker})})
    with caplog.at_level("WARNING"):
        fallback = get_embedder(unwritable)
    assert fallback is pair[1]  # the process's sentence-transformers embedder
    assert "instead of ONNX" in caplog.text
    with pytest.raises(AssistantError, match="cannot export"):
        get_embedder(backend(unwritable, "onnx"))


def test_only_mean_pooled_transformers_are_exported(tmp_path: Path) -> None:
    modules = [{"path": "", "type": "sentence_transformers.models.Transformer"},
               {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    (tmp_path / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    (tmp_path / "1_Pooling").mkdir()
    pooling = tmp_path / "1_Pooling" / "config.json"
    pooling.write_text(json.dumps({"pooling_mode_mean_tokens": True}), encoding="utf-8")
    assert onnx_supported(tmp_path) is None
    pooling.write_text(json.dumps({"pooling_mode_cls_token": True}), encoding="utf-8")
    assert "not mean pooling" in str(onnx_supported(tmp_path))
    (tmp_path / "modules.json").unlink()
    assert "no modules.json" in str(onnx_supported(tmp_path))


def _run_without_torch(code: str, settings: Settings, tmp_path: Path) -> list[str]:
    """Run ``code`` in a fresh interpreter with ``settings``'s index; return its last line's
    list of heavy modules imported, after checking the code succeeded."""
    probe = (f"{code}\nimport sys\n"
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                            text=True, timeout=300, env=app_env(settings, tmp_path / "data"))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) >= 2, result.stdout
    return [m.strip("' ") for m in lines[-1].strip("[]").split(",") if m.strip()]


def test_asking_does_not_import_torch(indexed_settings: Settings, tmp_path: Path) -> None:
    code = ("import json\n"
            "from assistant.core.settings import Settings\n"
            "from assistant.answering.assembly import build_assistant\n"
            "a = build_assistant(Settings())\n"
            "answer = a.ask('What is magnesium glycinate?')\n"
            "print(json.dumps({'citations': len(answer.citations)}))")
    heavy = _run_without_torch(code, indexed_settings, tmp_path)
    assert heavy == []


@pytest.mark.slow
def test_the_cli_and_the_app_start_without_torch(indexed_settings: Settings,
                                                  tmp_path: Path) -> None:
    cli = ("import sys\n"
           "from assistant.cli.main import main\n"
           "sys.argv = ['assistant', 'ask', 'Can I stop clonazepam suddenly?', '--json']\n"
           "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code")
    assert _run_without_torch(cli, indexed_settings, tmp_path) == []
    app = ("from fastapi.testclient import TestClient\n"
           "import time\n"
           "from assistant.core.settings import Settings\n"
           "from assistant.serving.app import create_app\n"
           "with TestClient(create_app(Settings())) as client:\n"
           "    for _ in range(600):\n"
           "        if client.get('/readyz').status_code == 200:\n            break\n"
           "        time.sleep(0.2)\n"
           "    reply = client.post('/api/chat', json={'message': 'What is magnesium?'})\n"
           "    assert reply.status_code == 200, reply.text\n"
           "    print(reply.json()['citations'][0]['source'])")
    assert _run_without_torch(app, indexed_settings, tmp_path) == []
