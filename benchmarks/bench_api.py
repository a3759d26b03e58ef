"""Latency and throughput of ``POST /api/chat`` under concurrent clients on loopback.

    .venv/bin/python benchmarks/bench_api.py [--requests 100] [--concurrency 10] [--url URL]

Without ``--url`` it starts the real app (real pipeline, the index in Settings().index_dir, UI
left out, rate limit lifted) with uvicorn on a free loopback port. Questions are a fixed mix
(answerable, paraphrased, off-corpus refusal, near-domain refusal) sent round-robin, each in a
new conversation. Prints p50/p95/max latency, requests/s and the status codes seen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = [
    "Is it safe to take 120mg magnesium glycinate with 0.5mg clonazepam?",
    "Does magnesium glycinate help with sleep?",
    "What dose of magnesium glycinate is used for anxiety?",
    "Can magnesium help during benzodiazepine withdrawal?",
    "Does clonazepam need a dose adjustment in kidney disease?",
    "What are the side effects of too much magnesium?",
    "Can I take magnesium with warfarin?",
    "What is the capital of France?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def one(client: httpx.AsyncClient, question: str) -> tuple[float, int, bool, str]:
    started = time.perf_counter()
    response = await client.post("/api/chat", json={"message": question})
    elapsed = (time.perf_counter() - started) * 1000
    body = response.json()
    ok = response.status_code == 200 and len(body.get("caveats", [])) == 3
    return elapsed, response.status_code, ok, f"{question}\x00{body.get('answer')}"


async def run(url: str, requests: int, concurrency: int, api_key: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    limits = httpx.Limits(max_connections=concurrency)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(QUESTIONS[i % len(QUESTIONS)])
    results: list[tuple[float, int, bool, str]] = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=300,
                                 limits=limits) as client:
        await one(client, QUESTIONS[0])  # not timed: connection + caches

        async def worker() -> None:
            while not queue.empty():
                results.append(await one(client, queue.get_nowait()))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    latencies = [r[0] for r in results]
    statuses: dict[str, int] = {}
    for _, status, _, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    distinct = {r[3] for r in results}
    return {
        "requests": len(results), "concurrency": concurrency, "wall_s": round(wall, 2),
        "requests_per_s": round(len(results) / wall, 2),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1), "mean_ms": round(statistics.fmean(latencies), 1),
        "statuses": statuses, "all_caveats": sum(r[2] for r in results),
        # the same question must get the same answer however many run at once (thread safety)
        "distinct_answers_per_question": round(len(distinct) / len(set(QUESTIONS)), 2),
    }


def local_server() -> AbstractContextManager[str]:
    from assistant.core.settings import Settings
    from assistant.serving.app import create_app
    from assistant.serving.background import background_server

    settings = Settings()
    server = settings.server.model_copy(update={"rate_limit": "1000000/minute"})
    return background_server(create_app(settings.model_copy(update={"server": server}), ui=False))


def wait_ready(url: str) -> float:
    started = time.perf_counter()
    while True:
        response = httpx.get(f"{url}/readyz", timeout=10)
        if response.status_code == 200:
            return time.perf_counter() - started
        error = response.json()["error"]["message"]
        if not error.startswith("starting"):
            raise SystemExit(f"server not ready: {error}")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--url", help="benchmark a running server instead of starting one")
    parser.add_argument("--api-key", help="bearer token, if the server requires one")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    context: AbstractContextManager[str] = nullcontext(args.url) if args.url else local_server()
    with context as url:
        ready_s = wait_ready(url)
        figures = asyncio.run(run(url, args.requests, args.concurrency, args.api_key))
    figures["startup_to_ready_s"] = round(ready_s, 1)
    if args.json:
        print(json.dumps(figures))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"POST /api/chat, {args.concurrency} concurrent clients, {url}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, str(value))
    Console().print(table)


if __name__ == "__main__":
    main()
