"""Server mode: index and query through a real `chroma run` server on a loopback port."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import services
from fake_openai_server import free_port

from assistant.core.errors import BackendUnavailable
from assistant.indexing.store import open_store

FILES = ("000_ea444bfb46099086.txt", "002_90f8025de4ee4743.txt")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real Chroma server; yields (host, port) once its heartbeat answers."""
    with services.chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as address:
        yield address


@pytest.mark.slow
def test_index_and_query_through_server(
    chroma_server: tuple[str, int], tmp_path: Path, corpus_dir: Path, settings_factory: Any
) -> None:
    import chromadb

    from assistant.indexing.indexer import build_index

    host, port = chroma_server
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in FILES:
        shutil.copy2(corpus_dir / name, corpus / name)
    settings = settings_factory(tmp_path, corpus,
                                store={"mode": "server", "host": host, "port": port,
                                       "collection": "srvtest"})
    first = build_index(settings, progress=False)
    assert first.embedded == first.chunks > 0
    assert not list(Path(settings.index_dir).glob("v-*"))  # nothing stored locally

    store = open_store(settings)
    assert store.version == first.version and store.count() == first.chunks
    top, score = store.search("creatinine clearance magnesium dose adjustment", 3)[0]
    assert top.source == FILES[0] and 0.3 < score <= 1.0
    assert build_index(settings, progress=False).noop

    (corpus / FILES[1]).unlink()
    second = build_index(settings, progress=False)
    assert second.removed == [FILES[1]] and second.embedded == 0
    assert {c.source for c in open_store(settings).all_chunks()} == {FILES[0]}

    client = chromadb.HttpClient(host=host, port=port)
    names = {c.name for c in client.list_collections()}
    assert names >= {"srvtest-pointer", f"srvtest-{first.version}", f"srvtest-{second.version}"}
    pointer = client.get_collection("srvtest-pointer").metadata or {}
    assert pointer["current"] == second.version and pointer["previous"] == first.version
    meta = client.get_collection(f"srvtest-{second.version}").configuration_json
    assert meta["hnsw"]["space"] == "cosine"
    assert meta["embedding_function"]["name"] == "assistant-sentence-transformers"


def test_unreachable_server_is_a_clear_error(
    tmp_path: Path, corpus_dir: Path, settings_factory: Any
) -> None:
    settings = settings_factory(tmp_path, corpus_dir,
                                store={"mode": "server", "port": free_port()})
    with pytest.raises(BackendUnavailable, match="cannot reach the Chroma server"):
        open_store(settings)
