"""The ``assistant`` command. Thin: parsing and printing only; logic lives in importable modules.

Each group of commands is registered from its own module (cli_index, cli_answer, cli_eval) and
every heavy import happens inside the command, so ``assistant --help`` is instant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import typer

from assistant.errors import AssistantError

app = typer.Typer(
    name="assistant",
    help="Evidence-grounded assistant: index a corpus, search it, ask cited questions, run evals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    from assistant import cli_answer, cli_eval, cli_index

    for module in (cli_index, cli_answer, cli_eval):
        module.register(app)


def run_guarded(fn: Callable[[], Any]) -> Any:
    """Run a command body; an AssistantError becomes a clear message and exit code 2."""
    try:
        return fn()
    except AssistantError as err:
        from rich.console import Console

        Console(stderr=True).print(f"[bold red]error:[/] {err}")
        raise typer.Exit(code=2) from None


def main() -> None:
    _register()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
