"""The indexer's lock: one ``assistant index`` at a time per index directory."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from assistant.core.errors import AssistantError
from assistant.core.settings import Settings

LOCK_FILE = ".index.lock"


class IndexBusy(AssistantError):
    """Another indexer holds the lock."""

    http_status = 409


@contextlib.contextmanager
def index_lock(settings: Settings) -> Iterator[None]:
    """Exclusive, non-blocking lock (released by the OS even on kill -9)."""
    root = Path(settings.index_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AssistantError(f"cannot create index directory {root}: {err}") from None
    path = root / LOCK_FILE
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(
                f"another `assistant index` is running (lock {path}); wait for it to finish"
            ) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(str(os.getpid()))
            fh.flush()
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
