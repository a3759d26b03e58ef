"""Shared fixtures. Names are stable: other test modules rely on them.

``indexed_settings`` builds the real index (real Chroma, real embeddings) ONCE per session
from the repo's ``corpus/`` into a temporary directory.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from assistant.core.environment import OFFLINE_DEFAULTS
from assistant.core.settings import Settings

if TYPE_CHECKING:
    from assistant.answering.pipeline import Assistant

REPO_ROOT = Path(__file__).resolve().parent.parent

_OFFLINE_ENV = OFFLINE_DEFAULTS  # the entry points' defaults, forced for the test session


@pytest.fixture(scope="session", autouse=True)
def offline_env() -> Iterator[None]:
    """No hub downloads, no telemetry, no analytics, for the whole session."""
    saved = {k: os.environ.get(k) for k in _OFFLINE_ENV}
    os.environ.update(_OFFLINE_ENV)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def corpus_dir(repo_root: Path) -> Path:
    return repo_root / "corpus"


def make_settings(base: Path, corpus: Path, **overrides: Any) -> Settings:
    """Settings rooted in ``base`` (index/, data/) reading ``corpus``; prompts, policies: the repo.

    ``overrides``: Settings fields; nested groups as dicts (``chunking={"max_tokens": 120}``).
    """
    values: dict[str, Any] = {
        "corpus_dir": corpus,
        "index_dir": base / "index",
        "data_dir": base / "data",
        "prompts_dir": REPO_ROOT / "prompts",
        "policies_dir": REPO_ROOT / "policies",
        "chunking": {"boilerplate_file": REPO_ROOT / "policies" / "boilerplate.yaml"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(values.get(key), dict):
            values[key] = {**values[key], **value}
        else:
            values[key] = value
    return Settings.model_validate(values)


@pytest.fixture(scope="module")
def assistant(indexed_settings: Settings) -> Assistant:
    """The real pipeline over ``indexed_settings``, warmed up; one per test module."""
    from assistant.answering.assembly import build_assistant

    a = build_assistant(indexed_settings)
    a.warm_up()
    return a


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Settings:
    """Settings with a real index of the repo corpus, built once per test session, with its
    derived files (BM25, vocabulary, answer-unit vectors) as ``assistant index`` writes them."""
    from assistant.answering.derived import write_derived
    from assistant.indexing.indexer import build_index

    base = tmp_path_factory.mktemp("indexed")
    settings = make_settings(base, corpus_dir)
    build_index(settings, progress=False)
    write_derived(settings)
    return settings


@pytest.fixture(scope="session")
def embedder(indexed_settings):
    """The process-wide embedder (already loaded by the index build)."""
    from assistant.indexing.embed import get_embedder

    return get_embedder(indexed_settings)


@pytest.fixture(scope="session")
def store(indexed_settings):
    """The active ChromaChunkStore of ``indexed_settings``."""
    from assistant.indexing.store import open_store

    return open_store(indexed_settings)


@pytest.fixture(scope="session")
def settings_factory() -> Any:
    """``settings_factory(base_dir, corpus_dir, **overrides) -> Settings`` (see make_settings)."""
    return make_settings


def app_env(settings: Settings, data_dir: Path) -> dict[str, str]:
    """The environment that makes ``python app.py`` serve ``settings``'s corpus and index."""
    return {**os.environ,
            "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
            "ASSISTANT_INDEX_DIR": str(settings.index_dir),
            "ASSISTANT_DATA_DIR": str(data_dir),
            "ASSISTANT_PROMPTS_DIR": str(settings.prompts_dir),
            "ASSISTANT_POLICIES_DIR": str(settings.policies_dir),
            "ASSISTANT_CHUNKING__BOILERPLATE_FILE": str(settings.chunking.boilerplate_file)}


def wait_ready(proc: subprocess.Popen[str], url: str, timeout_s: float = 300) -> None:
    """Poll ``url``/readyz until it answers 200; fail (with the process's output if it exited
    and its output was piped) when the process dies or the time runs out."""
    import httpx

    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            pipe = proc.stdout or proc.stderr
            output = pipe.read() if pipe else ""
            raise AssertionError(f"app.py exited before it was ready: {output}")
        assert time.monotonic() < deadline, "app.py never became ready"
        try:
            if httpx.get(f"{url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
