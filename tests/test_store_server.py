"""Server mode: index and query through a real `chroma run` server on a loopback port."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.core.errors import BackendUnavailable
from assistant.indexing.store import open_store

FILES = ("000_ea444bfb46099086.txt", "002_90f8025de4ee4743.txt")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real Chroma server; yields (host, port) once its heartbeat answers."""
    chroma = Path(sys.executable).parent / "chroma"
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path / "db"), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"chroma server did not start (exit code {proc.poll()})")
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
                                store={"mode": "server", "port": _free_port()})
    with pytest.raises(BackendUnavailable, match="cannot reach the Chroma server"):
        open_store(settings)
