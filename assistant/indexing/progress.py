"""Progress reporting for an index build: a rich progress bar, a caller's callback, or nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

#: Called with (phase, done, total); phase is "copy" or "embed".
Progress = Callable[[str, int, int], None]


@contextlib.contextmanager
def progress_callback(progress: bool | Progress) -> Iterator[Progress | None]:
    """``True``: a rich progress bar on stderr; a callable: used as is; ``False``: silent."""
    if progress is False:
        yield None
        return
    if progress is not True:
        yield progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bars = Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=False)
    tasks: dict[str, Any] = {}
    labels = {"copy": "copying unchanged chunks", "embed": "embedding new chunks"}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bars.add_task(labels.get(phase, phase), total=total)
        bars.update(tasks[phase], completed=done, total=total)

    with bars:
        yield update
