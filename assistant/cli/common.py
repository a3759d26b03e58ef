"""What every command shares: turning an AssistantError into a clear message and exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer

from assistant.core.errors import AssistantError

T = TypeVar("T")


def run_guarded(fn: Callable[[], T]) -> T:
    """Run a command body; an AssistantError becomes a clear message and exit code 2."""
    try:
        return fn()
    except AssistantError as err:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {err}")
        raise typer.Exit(code=2) from None
