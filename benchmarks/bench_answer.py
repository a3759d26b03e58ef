"""Whole answers beside a vanilla LangChain retrieval, in one run, with the embedding work counted.

    .venv/bin/python benchmarks/bench_answer.py --index-dir index              # this checkout
    .venv/bin/python benchmarks/bench_answer.py --index-dir index --code /work/main  # other code

For each labeled question of a split (``eval/splits.yaml``), interleaved: one vanilla LangChain
retrieval (``bench_retrieval.vanilla_search``: whole files, RecursiveCharacterTextSplitter
1000/200, same MiniLM, Chroma, query embedding included) and one whole answer of the project
(``build_assistant`` + ``warm_up``, a new session each, extractive generator). Prints answer and
vanilla p50/p95 (ms) and the model's embedding work per answer: ``embed`` calls on the
process-wide embedder (each is at least one forward pass; a call of more than ``batch_size``
texts is several, counted as ``passes``) and texts embedded. ``--code DIR`` imports the
``assistant`` package from another checkout (e.g. the code before a change) with the same script,
index and questions.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class Counter:
    """Counts the calls, forward passes and texts of the process-wide embedder's ``embed``."""

    def __init__(self, embedder: Any) -> None:
        self.calls = self.passes = self.texts = 0
        inner = embedder.embed
        batch = max(int(getattr(embedder, "batch_size", 32)), 1)

        def counted(texts: Sequence[str], *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            self.passes += max(1, math.ceil(len(texts) / batch))
            self.texts += len(texts)
            return inner(texts, *args, **kwargs)

        embedder.embed = counted

    def snapshot(self) -> tuple[int, int, int]:
        return self.calls, self.passes, self.texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=ROOT / "index")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout to import from")
    parser.add_argument("--split", default="test", choices=["tune", "test"])
    parser.add_argument("--limit", type=int, default=0, help="first N questions only")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    import assistant
    from assistant.answering.assembly import build_assistant
    from assistant.core.settings import Settings
    from assistant.evaluation.retrieval import load_labels
    from assistant.indexing.embed import get_embedder

    sys.path.insert(1, str(ROOT / "benchmarks"))
    from bench_retrieval import LABELS, split_labels, vanilla_search

    with tempfile.TemporaryDirectory(prefix="bench-answer-") as tmp:
        settings = Settings(corpus_dir=ROOT / "corpus", index_dir=args.index_dir,
                            data_dir=Path(tmp), prompts_dir=args.code / "prompts",
                            policies_dir=args.code / "policies")  # the checkout's own
        labels = split_labels(load_labels(LABELS, settings.corpus_dir))[args.split].labels
        questions = [lb.question for lb in labels][: args.limit or None]
        t = time.perf_counter()
        bot = build_assistant(settings)
        bot.warm_up()
        start_s = time.perf_counter() - t
        vanilla = vanilla_search(settings)
        counter = Counter(get_embedder(settings))
        warm = "What do the documents cover?"  # not a timed question: none is cached
        vanilla(warm)
        bot.ask(warm)  # one of each before timing
        answer_ms, vanilla_ms, per_answer = [], [], []
        for question in questions:
            t = time.perf_counter()
            vanilla(question)
            vanilla_ms.append((time.perf_counter() - t) * 1000)
            before = counter.snapshot()
            t = time.perf_counter()
            bot.ask(question)
            answer_ms.append((time.perf_counter() - t) * 1000)
            after = counter.snapshot()
            per_answer.append(tuple(b - a for a, b in zip(before, after, strict=True)))
    calls, passes, texts = zip(*per_answer, strict=True)
    print(f"code: {Path(assistant.__file__).parent.parent}  index: {args.index_dir}  "
          f"split: {args.split} ({len(questions)} questions)  start-up+warm-up: {start_s:.1f} s")
    print(f"answer   p50 {percentile(answer_ms, 0.5):7.1f} ms  p95 "
          f"{percentile(answer_ms, 0.95):7.1f} ms")
    print(f"vanilla  p50 {percentile(vanilla_ms, 0.5):7.1f} ms  p95 "
          f"{percentile(vanilla_ms, 0.95):7.1f} ms  (LangChain recipe, retrieval only)")
    print(f"answer p50 / vanilla p50 = "
          f"{percentile(answer_ms, 0.5) / percentile(vanilla_ms, 0.5):.2f}x")
    for name, values in (("embed calls", calls), ("forward passes", passes),
                         ("texts embedded", texts)):
        print(f"{name:15s} per answer: mean {statistics.mean(values):.2f}  "
              f"min {min(values)}  max {max(values)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
