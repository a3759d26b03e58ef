"""N users chatting over loopback while a prober times /healthz; checks for cross-talk.

A real server (``app.py --no-ui`` in its own process, so client threads do not share its GIL;
loopback only) with the real pipeline over the index in ``ASSISTANT_INDEX_DIR`` (build it first
with ``assistant index``). Each user keeps one session
and asks ``--turns`` questions that carry a private marker; a history that shows another user's
marker is a leak. Bounded: ``--users`` x ``--turns`` requests and ``--max-seconds``.

    python benchmarks/bench_load.py --users 50 --turns 2 --max-seconds 600 --out result.json
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
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

QUESTIONS = ["Is magnesium glycinate safe with clonazepam? I am user {u}.",
             "What if my creatinine clearance is 25? (user {u})",
             "Does magnesium help sleep? user {u} asking"]


def _user(url: str, u: int, turns: int, deadline: float,
          key: str | None = None) -> dict[str, Any]:
    statuses: list[int] = []
    leaks = 0
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=url, timeout=900, headers=headers) as c:
        sid = None
        for t in range(turns):
            if time.monotonic() > deadline:
                break
            body: dict[str, Any] = {"message": QUESTIONS[t % len(QUESTIONS)].format(u=f"U{u}X")}
            if sid:
                body["session_id"] = sid
            r = c.post("/api/chat", json=body)
            statuses.append(r.status_code)
            if r.status_code == 200:
                sid = r.json()["session_id"]
        if sid:
            response = c.get(f"/api/sessions/{sid}")
            if key:  # the history read counts against the key's limit too
                statuses.append(response.status_code)
            history = response.json().get("turns", []) if response.status_code == 200 else []
            markers = {w.strip(".()?") for turn in history for w in turn["user"].split()
                       if w.strip(".()?").startswith("U") and w.strip(".()?").endswith("X")}
            leaks += len(markers - {f"U{u}X"})
    return {"statuses": statuses, "leaks": leaks}


def _probe(url: str, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(base_url=url, timeout=30) as c:
        while not stop.is_set():
            started = time.perf_counter()
            c.get("/healthz")
            out.append((time.perf_counter() - started) * 1000)
            time.sleep(0.05)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def _status(c: httpx.Client, path: str) -> int:
    try:
        return c.get(path).status_code
    except httpx.TransportError:
        return 0


@contextmanager
def _server(per_minute: int, workers: int, root: Path,
            key: str | None = None) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ASSISTANT_SERVER__RATE_LIMIT": f"{per_minute}/minute",
           "PYTHONPATH": str(root)}
    if key:
        env["ASSISTANT_SERVER__API_KEY"] = key
    if workers:  # 0: a checkout from before answering slots (for a baseline)
        env |= {"ASSISTANT_SERVER__BUSY_WAIT_S": "900",
                "ASSISTANT_SERVER__ANSWER_WORKERS": str(workers)}
    proc = subprocess.Popen([sys.executable, str(root / "app.py"), "--no-ui", "--host",
                             "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=root)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=600)
    parser.add_argument("--workers", type=int, default=2,
                        help="ASSISTANT_SERVER__ANSWER_WORKERS (0: leave unset, for old checkouts)")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1],
                        help="checkout whose app.py to serve (another one for a baseline)")
    parser.add_argument("--limit", type=int, default=0,
                        help="per-key limit per minute: every user sends one API key, so the "
                        "requests above it must get 429 and no others (0: a limit no run reaches)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    key = "bench-key" if args.limit else None
    per_minute = args.limit or args.users * (args.turns + 2)

    with _server(per_minute, args.workers, args.root, key) as url:
        with httpx.Client(base_url=url) as c:
            ready_by = time.monotonic() + 300
            while _status(c, "/readyz") != 200:
                if time.monotonic() > ready_by:
                    raise SystemExit("the server did not become ready")
                time.sleep(0.5)
            idle = []
            for _ in range(40):
                started = time.perf_counter()
                c.get("/healthz")
                idle.append((time.perf_counter() - started) * 1000)
        stop, probe_ms = threading.Event(), list[float]()
        prober = threading.Thread(target=_probe, args=(url, stop, probe_ms), daemon=True)
        prober.start()
        deadline = time.monotonic() + args.max_seconds
        started = time.perf_counter()
        with ThreadPoolExecutor(args.users) as pool:
            results = list(pool.map(lambda u: _user(url, u, args.turns, deadline, key),
                                    range(args.users)))
        wall = time.perf_counter() - started
        stop.set()
        prober.join(5)
    statuses = [s for r in results for s in r["statuses"]]
    report = {
        "users": args.users, "turns": args.turns, "answer_workers": args.workers,
        "root": str(args.root), "requests": len(statuses),
        "wall_s": round(wall, 1),
        "status_counts": {str(s): statuses.count(s) for s in sorted(set(statuses))},
        "non_429_errors": sum(1 for s in statuses if s >= 400 and s != 429),
        "per_key_limit_per_minute": per_minute if key else None,
        # within one minute: exactly the requests above the limit are refused
        "expected_429": max(0, len(statuses) - per_minute) if key and wall < 60 else None,
        "cross_session_leaks": sum(r["leaks"] for r in results),
        "healthz_idle_p95_ms": round(_p95(idle), 2),
        "healthz_load_samples": len(probe_ms),
        "healthz_load_p50_ms": round(statistics.median(probe_ms), 2),
        "healthz_load_p95_ms": round(_p95(probe_ms), 2),
        "healthz_load_max_ms": round(max(probe_ms), 2),
    }
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
