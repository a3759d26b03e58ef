"""Answer latency through a Chroma server (scale-out mode) beside the embedded index, one run.

    .venv/bin/python benchmarks/bench_scaleout.py [--index-dir index] [--split tune] [--limit 12]
        [--database-url postgresql+psycopg://user@host:port/db]

Starts ``chroma run`` on a free loopback port (a temporary directory), builds the real corpus
into it, then asks each question of the split, interleaved, of: the embedded index (``--index-dir``)
with SQLite sessions; the Chroma server with SQLite sessions; and, with ``--database-url``, the
Chroma server with sessions in that database (the full scale-out configuration). Each answer
is a new session, extractive generator, after one untimed answer per variant. Prints p50/p95.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path",
                             str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("chroma run did not start")
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=ROOT / "index")
    parser.add_argument("--split", default="tune", choices=["tune", "test"])
    parser.add_argument("--limit", type=int, default=12, help="first N questions (0: all)")
    parser.add_argument("--database-url", help="also time server + sessions in this database")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    sys.path.insert(1, str(ROOT / "benchmarks"))
    from bench_answer import percentile
    from bench_retrieval import LABELS, split_labels

    from assistant.answering.assembly import build_assistant
    from assistant.core.settings import Settings
    from assistant.evaluation.retrieval import load_labels
    from assistant.indexing.indexer import build_index

    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp:
        base: dict[str, Any] = {"corpus_dir": ROOT / "corpus", "prompts_dir": ROOT / "prompts",
                                "policies_dir": ROOT / "policies"}
        port = free_port()
        chroma = start_chroma(Path(tmp) / "chroma", port)
        try:
            server = {"mode": "server", "host": "127.0.0.1", "port": port}
            variants: dict[str, Settings] = {
                "embedded": Settings(**base, index_dir=args.index_dir, data_dir=Path(tmp) / "e"),
                "server": Settings(**base, index_dir=Path(tmp) / "i", data_dir=Path(tmp) / "s",
                                   store=server),
            }
            if args.database_url:
                variants["server+db"] = Settings(**base, index_dir=Path(tmp) / "i",
                                                 data_dir=Path(tmp) / "d", store=server,
                                                 database={"url": args.database_url})
            t = time.perf_counter()
            built = build_index(variants["server"], progress=False)
            print(f"build into the Chroma server: {built.chunks} chunks, "
                  f"{time.perf_counter() - t:.1f} s")
            labels = split_labels(load_labels(LABELS, ROOT / "corpus"))[args.split].labels
            questions = [lb.question for lb in labels][: args.limit or None]
            bots = {}
            for name, settings in variants.items():
                t = time.perf_counter()
                bots[name] = build_assistant(settings)
                bots[name].warm_up()
                bots[name].ask(questions[0])
                print(f"{name:10s} start-up + warm-up + first answer: "
                      f"{time.perf_counter() - t:.1f} s")
            times: dict[str, list[float]] = {name: [] for name in bots}
            for question in questions:
                for name, bot in bots.items():
                    t = time.perf_counter()
                    bot.ask(question)
                    times[name].append((time.perf_counter() - t) * 1000)
            query_ms = time_queries(variants, questions, variants["server"].retrieval.fetch_k)
        finally:
            chroma.terminate()
            chroma.wait(timeout=30)
    print(f"split: {args.split} ({len(questions)} questions, interleaved)")
    for name, values in times.items():
        print(f"{name:10s} answer p50 {percentile(values, 0.5):7.1f} ms  "
              f"p95 {percentile(values, 0.95):7.1f} ms")
    for name, values in query_ms.items():
        print(f"{name:10s} dense query (k={variants[name].retrieval.fetch_k}) "
              f"p50 {percentile(values, 0.5):6.2f} ms  p95 {percentile(values, 0.95):6.2f} ms")
    return 0


def time_queries(variants: dict[str, Any], questions: list[str], k: int,
                 rounds: int = 5) -> dict[str, list[float]]:
    """The one step that differs: a Chroma nearest-neighbour query for a ready query vector,
    embedded index vs HTTP to the server, interleaved, ``rounds`` times per question."""
    from assistant.indexing.embed import get_embedder
    from assistant.indexing.store import open_store

    stores = {name: open_store(variants[name]) for name in ("embedded", "server")}
    vectors = get_embedder(variants["server"]).embed(questions)
    out: dict[str, list[float]] = {name: [] for name in stores}
    for _ in range(rounds):
        for vector in vectors:
            for name, store in stores.items():
                t = time.perf_counter()
                store.query(vector, k)
                out[name].append((time.perf_counter() - t) * 1000)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
