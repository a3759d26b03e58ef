"""A larger corpus for benchmarks, recombined from the real one: N documents, deterministic by seed.

    .venv/bin/python benchmarks/synth_corpus.py --docs 500 --seed 7 --out /tmp/synth

Each synthetic document takes its first line (title) and its paragraphs from one to three real
documents (paragraph order kept per source, sources interleaved), and renames the corpus's
entity-like words: rare words (wordfreq zipf < ``--entity-zipf``) of the real corpus, each mapped,
per document, to an invented name spliced from two of them (head of one, tail of another), so
documents differ in what they are about while keeping the real text's shape (headings, bullets,
tables, lengths). Nothing is hard-coded: the entities come from the corpus itself.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[A-Za-z][a-z]{5,}")


def corpus_texts(corpus_dir: Path) -> list[str]:
    return [p.read_bytes().decode("utf-8", errors="replace")
            for p in sorted(corpus_dir.glob("*.txt"))]


def entity_words(texts: list[str], max_zipf: float) -> list[str]:
    """Rare (entity-like) words of the corpus, lower-cased, sorted: drug, supplement and
    condition names, measured with the project's word frequencies."""
    from assistant.text.words import zipf

    found = {m.group(0).lower() for t in texts for m in WORD.finditer(t)}
    return sorted(w for w in found if zipf(w) < max_zipf)


def invent(rng: random.Random, entities: list[str]) -> str:
    """A new name: the head of one corpus entity and the tail of another."""
    a, b = rng.sample(entities, 2) if len(entities) > 1 else (entities[0], entities[0])
    return a[: max(3, len(a) // 2)] + b[len(b) // 2:]


def paragraphs(text: str) -> tuple[str, list[str]]:
    lines = text.split("\n", 1)
    body = lines[1] if len(lines) > 1 else ""
    return lines[0], [p for p in re.split(r"\n\s*\n", body) if p.strip()]


def synthesize(texts: list[str], n_docs: int, seed: int, max_zipf: float = 2.5
               ) -> list[tuple[str, str]]:
    """``n_docs`` (file name, text) pairs, the same for the same corpus, count and seed."""
    rng = random.Random(seed)
    entities = entity_words(texts, max_zipf)
    if not entities:
        raise SystemExit("no entity-like words in the corpus (try a higher --entity-zipf)")
    pattern = re.compile(r"\b(" + "|".join(re.escape(e) for e in entities) + r")\b",
                         re.IGNORECASE)
    parsed = [paragraphs(t) for t in texts]
    docs = []
    for i in range(n_docs):
        picks = rng.sample(range(len(parsed)), min(len(parsed), rng.randint(1, 3)))
        title = parsed[picks[0]][0]
        queues = [list(parsed[p][1]) for p in picks]
        keep = rng.uniform(0.5, 1.0)  # share of the sources' paragraphs used
        body: list[str] = []
        while any(queues):
            queue = rng.choice([q for q in queues if q])
            paragraph = queue.pop(0)
            if rng.random() < keep:
                body.append(paragraph)
        names = {e: invent(rng, entities) for e in entities}

        def rename(m: re.Match[str], names: dict[str, str] = names) -> str:
            new = names[m.group(0).lower()]
            return new.capitalize() if m.group(0)[0].isupper() else new

        text = pattern.sub(rename, title + "\n\n" + "\n\n".join(body) + "\n")
        docs.append((f"synth_{seed}_{i:06d}.txt", text))
    return docs


def write_corpus(corpus_dir: Path, out: Path, n_docs: int, seed: int,
                 max_zipf: float = 2.5) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in synthesize(corpus_texts(corpus_dir), n_docs, seed, max_zipf):
        path = out / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--entity-zipf", type=float, default=2.5)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    paths = write_corpus(args.corpus, args.out, args.docs, args.seed, args.entity_zipf)
    print(f"wrote {len(paths)} documents to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
