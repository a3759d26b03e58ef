"""The benchmark corpus generator: deterministic by seed, entities taken from the corpus."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from synth_corpus import corpus_texts, entity_words, synthesize  # noqa: E402


def test_same_seed_same_documents_and_entities_come_from_the_corpus() -> None:
    texts = corpus_texts(ROOT / "corpus")
    first, again = synthesize(texts, 12, seed=3), synthesize(texts, 12, seed=3)
    assert first == again and len(first) == 12
    assert synthesize(texts, 12, seed=4) != first
    assert len({name for name, _ in first}) == 12
    entities = entity_words(texts, 2.5)
    assert len(entities) >= 20
    corpus_text = " ".join(texts).lower()
    assert all(e in corpus_text for e in entities)
    # Every document renames the corpus's entities: none is left as it was, in any document.
    left = [e for _, text in first for e in entities if f" {e} " in f" {text.lower()} "]
    assert len(left) <= len(entities) // 10  # (an invented name may happen to be a real one)
    titles = {text.splitlines()[0] for _, text in first}
    assert len(titles) > 1 and all(text.strip() for _, text in first)
