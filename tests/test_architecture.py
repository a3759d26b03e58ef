"""The architecture a newcomer relies on: stages layered one way, no import cycles, small modules,
no side effects at import, and no facts of this particular corpus in code."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "assistant"
MAX_MODULE_LINES = 300


def test_layer_contract_is_kept() -> None:
    """core <- text <- indexing <- retrieval <- answering <- serving/evaluation/cli."""
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 kept, 0 broken" in out.stdout


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("assistant", cache_dir=None)
    edges = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            # A package's __init__ naming its own children is not a cycle between concerns.
            if not imported.startswith(module + "."):
                edges.add_edge(module, imported)
    cycles = [sorted(c) for c in nx.strongly_connected_components(edges) if len(c) > 1]
    assert cycles == []


def test_modules_are_small() -> None:
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    too_big = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert too_big == {}


def test_import_has_no_side_effects() -> None:
    code = ("import os; before = dict(os.environ); import assistant, assistant.core.settings, "
            "assistant.cli.main; print(sorted(set(os.environ.items()) ^ set(before.items())))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True, env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"


def _corpus_facts() -> set[str]:
    """Names that belong to this corpus, derived from it: file names, the rare words of the
    manifest's titles (drug names) and the words most titles share (the corpus's subject)."""
    from collections import Counter

    from wordfreq import zipf_frequency

    manifest = yaml.safe_load((ROOT / "corpus" / "manifest.yaml").read_text(encoding="utf-8"))
    documents = manifest["documents"]
    facts = {Path(name).stem for name in documents}
    titles = [{w.lower() for w in re.findall(r"[A-Za-z]{5,}", doc.get("title", ""))}
              for doc in documents.values()]
    shared = Counter(word for title in titles for word in title)
    for word, count in shared.items():
        if zipf_frequency(word, "en") < 3.0 or count > len(titles) / 2:
            facts.add(word)
    return facts


def _code_strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_no_corpus_facts_in_code() -> None:
    facts = _corpus_facts()
    assert len(facts) >= 5, facts  # the derivation found the corpus's names
    pattern = re.compile(r"(?i)\b(" + "|".join(map(re.escape, sorted(facts))) + r")\b")
    found = [f"{p.relative_to(ROOT)}:{line}: {m.group(0)}"
             for p in sorted(PACKAGE.rglob("*.py"))
             for line, text in _code_strings(p) if (m := pattern.search(text))]
    assert found == []


@pytest.mark.parametrize("stage", ["core", "text", "indexing", "retrieval", "answering",
                                   "serving", "evaluation", "cli"])
def test_every_stage_is_a_package(stage: str) -> None:
    assert (PACKAGE / stage / "__init__.py").is_file()
