"""The ``assistant`` command. Thin: parsing and printing only; logic lives in importable modules.

Each group of commands is registered from its own module (``cli.index``, ``cli.answer``,
``cli.eval``) and every heavy import happens inside a command, so ``assistant --help`` is instant.
"""

from __future__ import annotations

import sys

import typer

from assistant.core.environment import set_offline_defaults

app = typer.Typer(
    name="assistant",
    help="Evidence-grounded assistant: index a corpus, search it, ask cited questions, run evals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    from assistant.cli import answer, eval, index

    for module in (index, answer, eval):
        module.register(app)


def main() -> None:
    set_offline_defaults()
    _register()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
