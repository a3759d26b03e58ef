"""Cold-start times: a fresh ``assistant ask`` end to end, and ``/readyz`` after ``python app.py``.

    .venv/bin/python benchmarks/bench_cold.py [--runs 5] [--tree DIR ...] [--json]

For each source tree (default: this one; pass several ``--tree`` to compare checkouts, e.g. the
main branch and a work tree, interleaved run by run so machine load hits them alike), with the
tree on PYTHONPATH and as working directory (its own index/, data/models/):
* ``ask``: wall time of ``python -m assistant.cli.main ask QUESTION`` in a new process;
* ``ready``: seconds from starting ``python app.py`` on a free loopback port until ``/readyz``
  answers 200 (polled every 0.1 s), then the app is stopped.
Prints the median and each run.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

QUESTION = "Is 120 mg magnesium glycinate safe with 0.5 mg clonazepam?"
REPO = Path(__file__).resolve().parent.parent


def tree_env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
            "GRADIO_ANALYTICS_ENABLED": "False"}


def cold_ask(tree: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "assistant.cli.main", "ask", QUESTION],
                            cwd=tree, env=tree_env(tree), capture_output=True, text=True,
                            check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"ask failed in {tree}:\n{result.stderr[-2000:]}")
    return elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def time_to_ready(tree: Path, timeout_s: float = 300) -> float:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=tree,
                            env=tree_env(tree), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < timeout_s:
            if proc.poll() is not None:
                sys.exit(f"app.py exited early in {tree}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        sys.exit(f"app.py in {tree} was not ready after {timeout_s} s")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", type=Path, action="append")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    trees = [t.resolve() for t in (args.tree or [REPO])]
    times: dict[str, dict[str, list[float]]] = {str(t): {"ask": [], "ready": []} for t in trees}
    for run in range(args.runs):
        for tree in trees:
            times[str(tree)]["ask"].append(round(cold_ask(tree), 2))
        for tree in trees:
            times[str(tree)]["ready"].append(round(time_to_ready(tree), 2))
        if not args.json:
            print(f"run {run + 1}: " + "; ".join(f"{t}: ask {v['ask'][-1]} s, ready "
                                                 f"{v['ready'][-1]} s" for t, v in times.items()),
                  flush=True)
    if args.json:
        print(json.dumps(times))
        return
    for tree, got in times.items():
        for what, values in got.items():
            print(f"{tree}  {what:5s} median {statistics.median(values):6.2f} s  runs {values}")


if __name__ == "__main__":
    main()
