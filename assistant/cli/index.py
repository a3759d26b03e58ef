"""``assistant index``, ``assistant search`` and ``assistant stats``.

Parsing and printing only; the work lives in ``indexing.indexer`` / ``indexing.store`` (and
``assistant.retrieval.hybrid`` for hybrid search). Heavy imports happen inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from assistant.cli.common import run_guarded
from assistant.core.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from assistant.core.models import Chunk
    from assistant.core.settings import Settings
    from assistant.indexing.indexer import IndexReport


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("index")(index)
    app.command("search")(search)
    app.command("stats")(stats)


def index(
    corpus: Annotated[Optional[Path], typer.Option(  # noqa: UP045 - typer needs Optional
        "--corpus", help="Corpus directory (default: settings corpus_dir).")] = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Re-embed everything instead of updating incrementally.")] = False,
) -> None:
    """Build or update the index (incremental: only changed files are re-embedded)."""
    def body() -> None:
        from assistant.answering.derived import derived_current, write_derived
        from assistant.indexing.indexer import build_index
        from assistant.indexing.versions import derived_dir

        settings = load_settings()
        report = build_index(settings, corpus_dir=corpus, rebuild=rebuild, progress=True)
        print_report(_console(), report)
        if not (report.noop and derived_current(settings, derived_dir(settings, report.version))):
            derived = write_derived(settings)
            _console().print(f"saved the derived files (BM25, vocabulary, search arrays, chunk "
                             f"records) and {derived.units} answer-unit vectors "
                             f"({derived.embedded} embedded, {derived.reused} reused)")
    run_guarded(body)


def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=50, help="Results to show.")] = 6,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    dense: Annotated[bool, typer.Option(
        "--dense", help="Dense vector search only (skip the hybrid retriever).")] = False,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Per hit: dense rank, BM25 rank, fused score and the sentence that "
        "matched best; also the query as searched (aliases, spellings).")] = False,
) -> None:
    """Show the chunks the index ranks highest for a query, with source, section and offsets."""
    def body() -> None:
        if not query.strip():
            raise InputError("the query is empty")
        if explain and dense:
            raise InputError("--explain describes the hybrid ranking; drop --dense")
        rows = search_rows(load_settings(), query, k, dense=dense, explain=explain)
        if as_json:
            typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        elif explain:
            print_explained(_console(), query, rows)
        else:
            print_rows(_console(), query, rows)
    run_guarded(body)


def stats() -> None:
    """Describe the active index: version, files, chunks, model, settings hash, sizes."""
    def body() -> None:
        from rich.table import Table

        info = index_stats(load_settings())
        table = Table(title="Index", show_header=False)
        for key, value in info.items():
            table.add_row(key, str(value))
        _console().print(table)
    run_guarded(body)


# --------------------------------------------------------------------------- helpers


def load_settings() -> Settings:
    """Settings from the environment; a bad value is a clear error, not a traceback."""
    from pydantic import ValidationError

    from assistant.core.settings import Settings

    try:
        return Settings()
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise InputError(f"invalid settings: {problems}") from None


def search_rows(settings: Settings, query: str, k: int, *, dense: bool = False,
                explain: bool = False) -> list[dict[str, Any]]:
    """Ranked results as plain dicts (the hybrid retriever, or dense-only with --dense); with
    ``explain`` each hybrid row also has its ranks, the matched sentence and the searched query."""
    if not dense:
        from assistant.retrieval.hybrid import build_retriever

        retriever = build_retriever(settings)
        hits = retriever.search(query, k)
        searched = retriever.expand(query)
        pairs = [(h.chunk, h.score, {"dense": round(h.dense, 4), "bm25": round(h.bm25, 4),
                                     **(explain_fields(h, searched) if explain else {})})
                 for h in hits]
        method = settings.retrieval.mode
    else:
        from assistant.indexing.store import open_store

        pairs = [(c, s, {"dense": round(s, 4)}) for c, s in open_store(settings).search(query, k)]
        method = "dense"
    return [
        {"rank": n, "source": c.source, "section": " > ".join(c.section), "score": round(s, 4),
         "start": c.start, "end": c.end, "chunk_id": c.id, "method": method, **extra,
         "text": c.text}
        for n, (c, s, extra) in enumerate(pairs, start=1)
    ]


def explain_fields(hit: Any, searched: str) -> dict[str, Any]:
    """Why a hit ranks where it does: its dense and BM25 ranks (None: not in that list's
    candidates), the fused score, the best-matching sentence/row with its similarity (with the
    chunk's, the refusal's evidence strength) and the query as searched."""
    c = hit.chunk
    sentence = c.text[hit.sentence[0] - c.start:hit.sentence[1] - c.start] if hit.sentence else ""
    return {"dense_rank": hit.dense_rank, "bm25_rank": hit.bm25_rank,
            "fused": round(hit.score, 5), "sentence": sentence,
            "sentence_sim": round(hit.sentence_sim, 4),
            "sentence_start": hit.sentence[0] if hit.sentence else None,
            "sentence_end": hit.sentence[1] if hit.sentence else None, "searched_as": searched}


def index_stats(settings: Settings) -> dict[str, Any]:
    from assistant.indexing.backends import get_backend
    from assistant.indexing.store import open_store

    store = open_store(settings, check=False)
    backend = get_backend(settings)
    diffs = store.info.differences(settings)
    sizes = {v: backend.version_size(v) for v in backend.list_versions()}
    return {
        "mode": backend.describe(),
        "version": store.version,
        "files": len(store.info.files),
        "chunks": store.count(),
        "model": store.info.model,
        "chunker version": store.info.chunker_version,
        "max_tokens": store.info.max_tokens,
        "settings hash": store.info.settings_hash,
        "matches settings": "yes" if not diffs else "NO: " + "; ".join(diffs),
        "versions on disk": len(sizes),
        "size of active version": _human(sizes.get(store.version, 0)),
        "size of all versions": _human(sum(sizes.values())),
        "instruction-like spans": _marked(store.all_chunks()),
    }


def _marked(chunks: list[Chunk]) -> str:
    """Spans marked instruction-like at indexing (never quoted), by file, with each file's trust."""
    spans: dict[str, set[tuple[int, int]]] = {}
    for c in chunks:
        if c.flagged:
            spans.setdefault(c.source, set()).update(c.flagged)
    trust = {c.source: c.trust for c in chunks}
    total = sum(len(v) for v in spans.values())
    listed = ", ".join(f"{name} ({len(v)}, trust {trust[name]:.1f})"
                       for name, v in sorted(spans.items()))
    return f"{total} in {len(spans)} file(s)" + (f": {listed}" if listed else "")


def print_report(console: Console, report: IndexReport) -> None:
    from rich.table import Table

    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    if report.noop:
        console.print(f"[green]index is up to date[/] (version {report.version}); nothing embedded")
    table = Table(title=f"Index {report.version}")
    for col in ("files", "chunks", "embedded", "copied", "added", "changed", "removed", "seconds"):
        table.add_column(col, justify="right")
    table.add_row(str(report.files), str(report.chunks), str(report.embedded), str(report.copied),
                  str(len(report.added)), str(len(report.changed)), str(len(report.removed)),
                  f"{report.seconds:.1f}")
    console.print(table)
    for label, names in (("added", report.added), ("changed", report.changed),
                         ("removed", report.removed)):
        if names and not (label == "added" and report.rebuilt):
            console.print(f"{label}: {', '.join(names)}")
    if report.rebuilt and report.rebuild_reason:
        console.print(f"[dim]full build: {report.rebuild_reason}[/]")


def print_rows(console: Console, query: str, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=f"search: {query}", show_lines=True)
    for col in ("#", "score", "source", "offsets"):
        table.add_column(col, no_wrap=True)
    table.add_column("section", max_width=24, overflow="fold")
    table.add_column("text", overflow="fold", min_width=20)
    for row in rows:
        snippet = " ".join(row["text"].split())
        table.add_row(str(row["rank"]), f"{row['score']:.3f}", row["source"],
                      f"{row['start']}-{row['end']}", row["section"],
                      snippet[:160] + ("…" if len(snippet) > 160 else ""))
    console.print(table)


def print_explained(console: Console, query: str, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    searched = rows[0]["searched_as"] if rows else query
    title = f"search: {query}" + (f"\nsearched as: {searched}" if searched != query else "")
    table = Table(title=title, show_lines=True)
    for col in ("#", "fused", "dense rank", "BM25 rank", "source", "offsets"):
        table.add_column(col, no_wrap=True)
    table.add_column("sentence that matched", overflow="fold", min_width=30)
    for row in rows:
        sentence = " ".join(str(row["sentence"]).split())
        table.add_row(str(row["rank"]), f"{row['fused']:.4f}", str(row["dense_rank"] or "-"),
                      str(row["bm25_rank"] or "-"), row["source"],
                      f"{row['start']}-{row['end']}", sentence[:200] or "-")
    console.print(table)


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _console() -> Console:
    from rich.console import Console

    return Console()
