"""Real servers for tests, on free loopback ports: PostgreSQL (the Debian package, in a
throw-away cluster) and Chroma (`chroma run` from the pinned chromadb). Each is a context
manager that yields once the server answers and stops it cleanly afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from fake_openai_server import free_port

PG_USER = "postgres"


def pg_bindir() -> Path:
    """The newest installed PostgreSQL's bin directory (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise AssertionError("PostgreSQL is not installed: `make test` installs the Debian package "
                         "postgresql (apt-get install postgresql)")


def _as_owner(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the postgres user then."""
    return ["runuser", "-u", PG_USER, "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres_server(database: str = "assistant") -> Iterator[str]:
    """A fresh PostgreSQL cluster in a temporary directory; yields a SQLAlchemy URL of a new,
    empty database (trust authentication on 127.0.0.1 only)."""
    bindir = pg_bindir()
    root = Path(tempfile.mkdtemp(prefix="pg-test-"))  # /tmp itself, which postgres can enter
    data, log = root / "data", root / "server.log"
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(root, PG_USER, PG_USER)
    try:
        subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-U", PG_USER,
                                  "-A", "trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c synchronous_commit=off")
        started = subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                       "-w", "-t", "60", "start"]), capture_output=True, text=True, timeout=90)
        if started.returncode != 0:
            raise AssertionError(f"PostgreSQL did not start: {started.stderr}"
                                 f"{log.read_text() if log.exists() else ''}")
        try:
            yield create_database(port, database)
        finally:
            subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast",
                                      "-w", "-t", "60", "stop"]),
                           capture_output=True, timeout=90)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def create_database(port: int, name: str) -> str:
    """A new empty database on the test cluster at ``port``; returns its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user=PG_USER, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{port}/{name}"


@contextmanager
def chroma_server(path: Path, timeout_s: float = 60) -> Iterator[tuple[str, int]]:
    """`chroma run` storing in ``path``; yields (host, port) once its heartbeat answers."""
    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"chroma server did not start (exit code {proc.poll()})")
            time.sleep(0.2)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
