"""Sentence/row vectors pooled from the chunk's own forward pass ("late chunking"), against the
stored ones embedded alone, on the retrieval labels (issue 13: build throughput).

    .venv/bin/python benchmarks/bench_late_units.py [--index-dir index]

The build embeds about 85k tokens on the real corpus: the chunks (title, section path, body:
~28k), every sentence and table row after its heading (~32k, ``indexing.sentence_vectors``) and
the composer's answer units (~25k, ``answering.derived``); vanilla LangChain embeds ~31k. Only
the chunk pass is at parity. This benchmark asks whether the sentence vectors can come from that
pass instead: each chunk is run once through the ONNX model, and a sentence's vector is the mean
of the final hidden states of its own tokens and its heading's tokens inside the chunk
(normalized), so no sentence is embedded on its own. It prints, in one run on the same index,
hit@1 / hit@5 / MRR on the tuning and test halves for the stored vectors and the pooled ones,
the pooled vectors' cosine to the stored ones, and the seconds of each embedding pass.
A sentence whose text is not found in its chunk's embedded text keeps its stored vector.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_retrieval import (  # noqa: E402
    LABELS,
    PARTS,
    project_search,
    score_parts,
    split_labels,
    table,
)
from rich.console import Console  # noqa: E402

from assistant.core.settings import Settings  # noqa: E402
from assistant.evaluation.retrieval import load_labels  # noqa: E402


def _token_states(embedder: Any, text: str) -> tuple[Any, list[tuple[int, int]], list[int]]:
    """Final hidden states of ``text`` (one row per token), token character offsets, and which
    tokens are special ([CLS], [SEP])."""
    import numpy as np

    enc = embedder._tokenizer.encode(text)
    feeds = {"input_ids": [enc.ids], "attention_mask": [enc.attention_mask],
             "token_type_ids": [enc.type_ids]}
    names = {i.name for i in embedder._session.get_inputs()}
    hidden = embedder._session.run(None, {k: np.asarray(v, dtype=np.int64)
                                          for k, v in feeds.items() if k in names})[0][0]
    return hidden, list(enc.offsets), list(enc.special_tokens_mask)


def _tokens_in(offsets: Sequence[tuple[int, int]], special: Sequence[int], start: int,
               end: int) -> list[int]:
    return [i for i, (a, z) in enumerate(offsets) if not special[i] and a < end and z > start]


class LateStore:
    """The real store with each chunk's sentence/row vectors pooled from the chunk's pass."""

    def __init__(self, store: Any, embedder: Any) -> None:
        import numpy as np

        from assistant.indexing.sentence_vectors import unit_spans
        from assistant.text.normalize import display_text

        self._store = store
        stored = store.units()
        self.units_by_chunk: dict[str, tuple[list[tuple[int, int]], Any]] = {}
        self.cosines: list[float] = []
        self.missing = 0
        started = time.perf_counter()
        for chunk in store.all_chunks():
            hidden, offsets, special = _token_states(embedder, chunk.embed_text)
            text = chunk.embed_text
            body_at = max(len(text) - len(display_text(chunk.text)), 0)
            head = chunk.section[-1] if chunk.section else chunk.title
            at_head = text.find(head) if head else -1
            head_tokens = (_tokens_in(offsets, special, at_head, at_head + len(head))
                           if at_head >= 0 else [])
            spans = unit_spans(chunk)
            old = stored.get(chunk.id, ([], np.zeros((0, hidden.shape[1]))))[1]
            vectors = []
            for k, (s, e) in enumerate(spans):
                unit = display_text(chunk.text[s - chunk.start:e - chunk.start])
                at = text.find(unit, body_at)
                tokens = _tokens_in(offsets, special, at, at + len(unit)) if at >= 0 else []
                if not tokens or k >= len(old):
                    self.missing += 1
                    vectors.append(old[k] if k < len(old) else hidden.mean(axis=0))
                    continue
                v = hidden[sorted(set(tokens + head_tokens))].mean(axis=0)
                v = v / max(float(np.linalg.norm(v)), 1e-12)
                self.cosines.append(float(v @ old[k]) / max(float(np.linalg.norm(old[k])),
                                                              1e-12))
                vectors.append(v)
            self.units_by_chunk[chunk.id] = (spans, np.asarray(vectors, dtype=np.float32))
        self.seconds = time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def units(self) -> dict[str, tuple[list[tuple[int, int]], Any]]:
        return self.units_by_chunk


def _pass_seconds(embedder: Any, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.embed(texts)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=ROOT / "index")
    args = parser.parse_args(argv)
    console = Console(width=160)
    from assistant.indexing.embed import get_embedder
    from assistant.indexing.sentence_vectors import unit_spans, unit_text
    from assistant.indexing.store import open_store

    settings = Settings(corpus_dir=ROOT / "corpus", index_dir=args.index_dir)
    embedder: Any = get_embedder(settings)
    if not hasattr(embedder, "_session"):
        console.print("needs the ONNX embedding backend (settings.embedding.backend)")
        return 2
    embedder.embed(["warm up"])
    store = open_store(settings)
    chunks = store.all_chunks()
    chunk_s = _pass_seconds(embedder, [c.embed_text for c in chunks])
    unit_s = _pass_seconds(embedder, [unit_text(c, s) for c in chunks for s in unit_spans(c)])
    late = LateStore(store, embedder)
    parts = split_labels(load_labels(LABELS, settings.corpus_dir))
    rows = [("stored sentence vectors (embedded alone)",
             score_parts(project_search(settings, store, embedder, {}), parts)),
            ("sentence vectors pooled from the chunk pass",
             score_parts(project_search(settings, late, embedder, {}), parts))]
    console.print(table(rows, "Retrieval with late-chunked sentence vectors; choices on tune",
                        PARTS))
    cos = np.asarray(late.cosines)
    console.print(f"pooled vs stored cosine: mean {cos.mean():.3f}, min {cos.min():.3f} "
                  f"({len(cos)} sentences; {late.missing} kept their stored vector)")
    console.print(f"embedding passes: chunks {chunk_s:.1f} s, sentences alone {unit_s:.1f} s, "
                  f"chunks with pooled sentences {late.seconds:.1f} s (one text per call)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
