"""``assistant ask`` and ``assistant chat``: cited answers in the terminal."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from assistant.cli.common import run_guarded

if TYPE_CHECKING:
    from rich.console import Console

    from assistant.answering.pipeline import Assistant
    from assistant.core.models import Answer

GeneratorOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045 - typer needs Optional
    "--generator", help="extractive (default, offline) | openai | ollama")]
BaseUrlOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--base-url", help="LLM endpoint, e.g. http://127.0.0.1:8080/v1")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="LLM model name")]  # noqa: UP045


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("chat")(chat)


def ask(
    question: Annotated[str, typer.Argument(help="Your question.")],
    session: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--session", help="Conversation id: keeps the conversation across calls.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    generator: GeneratorOpt = None,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
) -> None:
    """Answer one question from the documents, with citations and safety notes."""
    def body() -> None:
        assistant = _assistant(generator, base_url, model)
        session_id = assistant.open_session(session) if session else None
        answer = assistant.ask(question, session_id)
        if as_json:
            typer.echo(json.dumps(answer.record() | {"session_id": answer.session_id,
                                                     "notes": answer.notes}, indent=2))
        else:
            print_answer(_console(), answer)
    run_guarded(body)


def chat(
    session: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--session", help="Resume this conversation id.")] = None,
    generator: GeneratorOpt = None,
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
) -> None:
    """Interactive chat with follow-up questions. Empty line or Ctrl-D quits; /new starts over."""
    def body() -> None:
        console = _console()
        with console.status("Loading the index and the embedding model…"):
            assistant = _assistant(generator, base_url, model)
        session_id = assistant.open_session(session) if session else assistant.new_session()
        console.print(f"[dim]conversation {session_id} — /new for a new one, Ctrl-D to quit[/]")
        while True:
            try:
                message = console.input("[bold cyan]you>[/] ")
            except (EOFError, KeyboardInterrupt):
                break
            if not message.strip():
                break
            if message.strip() == "/new":
                session_id = assistant.new_session()
                console.print(f"[dim]new conversation {session_id}[/]")
                continue
            with console.status("Searching the documents…"):
                answer = assistant.ask(message, session_id)
            print_answer(console, answer)
    run_guarded(body)


def _assistant(generator: str | None, base_url: str | None, model: str | None) -> Assistant:
    from assistant.answering.assembly import build_assistant
    from assistant.core.settings import Settings

    return build_assistant(Settings().with_llm(generator, base_url, model))


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def print_answer(console: Console, answer: Answer) -> None:
    """The reply (with safety notes), then the sources with their quoted passages."""
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.table import Table

    style = "yellow" if answer.refused else "green"
    title = "not covered by the documents" if answer.refused else "answer"
    console.print(Panel(Markdown(answer.answer), title=title, border_style=style))
    if answer.standalone_question != answer.question:
        console.print(f"[dim]understood as: {answer.standalone_question}[/]")
    table = Table(title="Sources", show_lines=True, expand=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("source")
    table.add_column("quote (exact text)", ratio=3)
    for c in answer.citations:
        table.add_row(f"[{c.id}]", f"{c.title}\n[dim]{c.source} {c.start}-{c.end}[/]",
                      c.quote.strip())
    console.print(table)
    console.print(f"[dim]{answer.latency_ms:.0f} ms · {answer.generator}[/]")
