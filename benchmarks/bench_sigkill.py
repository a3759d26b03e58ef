"""SIGKILL loop during indexing: the active index survives every kill, and the next run completes.

On a copy of the smallest ``--files`` corpus files (in a temporary directory; the repo's index/
is not touched), each round changes the corpus (a file removed or put back, and a line appended
to another, so the run has real work), starts ``index`` in a subprocess, kills it with SIGKILL
after a random delay (0 s up to the duration of an uninterrupted run), then checks:

1. the active index (``index/CURRENT``) still opens, holds chunks, and the real pipeline answers
   a corpus question from it with citations;
2. a following ``index`` run exits 0 and indexes exactly the files now in the corpus.

A round counts as a survival when both hold. A run that finished before its kill is retried with
a shorter delay (it was not a kill).

    python benchmarks/bench_sigkill.py [--rounds 20] [--files 3] [--seed 14] [--out result.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
INDEXER = """
from assistant.core.settings import Settings
from assistant.indexing.indexer import build_index

def progress(phase, done, total):
    print(phase, done, total, flush=True)

build_index(Settings(), progress=progress)
print("finished", flush=True)
"""


def _env(base: Path) -> dict[str, str]:
    return os.environ | {
        "ASSISTANT_CORPUS_DIR": str(base / "corpus"), "ASSISTANT_INDEX_DIR": str(base / "index"),
        "ASSISTANT_DATA_DIR": str(base / "data"), "PYTHONPATH": str(REPO),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
    }


def _start(base: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", INDEXER], env=_env(base), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO)


def _full_run(base: Path) -> tuple[int, float]:
    started = time.monotonic()
    proc = _start(base)
    proc.communicate(timeout=1800)
    return proc.returncode, time.monotonic() - started


def _kill_after(base: Path, delay: float) -> tuple[bool, str]:
    """(killed while running, last progress line seen)."""
    proc = _start(base)
    time.sleep(delay)
    running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    lines = [line for line in out.splitlines() if line.strip()]
    return running and proc.returncode == -signal.SIGKILL, (lines[-1] if lines else "(start-up)")


def _mutate(corpus: Path, spare: Path, names: list[str], toggled: str, round_no: int) -> None:
    """Remove or put back the ``toggled`` file, and append a line to another."""
    if (corpus / toggled).exists():
        shutil.move(corpus / toggled, spare / toggled)
    else:
        shutil.move(spare / toggled, corpus / toggled)
    kept = [name for name in names if name != toggled]
    target = corpus / kept[round_no % len(kept)]
    with target.open("a", encoding="utf-8") as f:
        f.write(f"\nRevision note {round_no}: this paragraph was edited for the benchmark.\n")


def _check_active(settings: Any, question: str, expected: set[str]) -> dict[str, Any]:
    """The active index opens, has chunks from the expected files, and answers with citations."""
    from assistant.answering.assembly import build_assistant
    from assistant.indexing.store import open_store

    result: dict[str, Any] = {"opens": False, "answers": False}
    try:
        store = open_store(settings)
        sources = {c.source for c in store.all_chunks()}
        result["opens"] = bool(sources) and sources <= expected
        answer = build_assistant(settings).ask(question)
        result["answers"] = not answer.refused and bool(answer.citations)
        result["version"] = store.version
    except Exception as err:  # reported, counted as a failed survival
        result["error"] = f"{type(err).__name__}: {err}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--files", type=int, default=3, help="smallest corpus files to copy")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    from assistant.core.settings import Settings

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-sigkill-") as tmp:
        base = Path(tmp)
        corpus, spare = base / "corpus", base / "spare"
        corpus.mkdir()
        spare.mkdir()
        # the caveat policy quotes its backing files: they stay; another file comes and goes
        backing = sorted(set(re.findall(r"source:\s*(\S+)", (
            REPO / "policies" / "caveats.yaml").read_text(encoding="utf-8"))))
        files = sorted((REPO / "corpus").glob("*.txt"), key=lambda p: p.stat().st_size)
        names = sorted(set(backing) | {p.name for p in files[:args.files]})
        toggled = next(name for name in names if name not in backing)
        for name in names:
            shutil.copy2(REPO / "corpus" / name, corpus / name)
        question = (corpus / backing[0]).read_text(encoding="utf-8").splitlines()[0]
        code, first_s = _full_run(base)
        if code != 0:
            print(f"the first index run failed (exit {code})", file=sys.stderr)
            return 1
        settings = Settings(corpus_dir=corpus, index_dir=base / "index", data_dir=base / "data")
        rounds: list[dict[str, Any]] = []
        full_s = [first_s]
        for n in range(args.rounds):
            before = {p.name for p in corpus.glob("*.txt")}
            _mutate(corpus, spare, names, toggled, n)
            now = {p.name for p in corpus.glob("*.txt")}
            delay = rng.uniform(0.0, sorted(full_s)[len(full_s) // 2])
            killed, at = _kill_after(base, delay)
            while not killed:  # finished before the kill: not a kill, try earlier
                delay /= 2
                killed, at = _kill_after(base, delay)
            active = _check_active(settings, question, before | now)
            code, took = _full_run(base)
            full_s.append(took)
            after = _check_active(settings, question, now)
            from assistant.indexing.store import open_store

            complete = code == 0 and {c.source for c in open_store(settings).all_chunks()} == now
            survived = bool(active["opens"] and active["answers"] and complete
                            and after["answers"])
            rounds.append({"round": n + 1, "kill_after_s": round(delay, 2), "killed_at": at,
                           "active": active, "next_run_exit": code,
                           "next_run_s": round(took, 1), "next_run_complete": complete,
                           "survived": survived})
            print(json.dumps(rounds[-1]), flush=True)
    survivals = sum(r["survived"] for r in rounds)
    summary = {"rounds": len(rounds), "survivals": survivals,
               "kill_phases": sorted({r["killed_at"].split()[0] for r in rounds}),
               "full_run_s_median": round(sorted(full_s)[len(full_s) // 2], 1)}
    print(json.dumps(summary))
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=2))
    return 0 if survivals == len(rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
