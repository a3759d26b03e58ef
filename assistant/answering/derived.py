"""What start-up and answering would otherwise recompute from a version's chunks, saved with it.

``write_derived(settings)`` runs after ``indexing.indexer.build_index`` (``assistant index``
calls it) and writes, into ``indexing.versions.derived_dir(settings, version)``:

* ``bm25/``: the BM25 index (bm25s arrays, memory-mapped on load; ``retrieval.hybrid``),
* ``vocabulary.json``: the words of the chunks (``answering.vocabulary.CorpusVocabulary``),
* ``arrays/``: chunk ids, chunk vectors, sentence/row spans and vectors in row order
  (``retrieval.arrays``), so start-up reads no chunk back from the store, and the chunk records
  by row (``retrieval.records``), so answering reads the retrieved ones without the store,
* ``drug_names.json``: other names of the medicines the corpus names (``answering.drug_names``),
* ``expander.json``: the query aliases and corpus word counts (``retrieval.aliases``),
* ``corpus.json``: titles, first lines and subject aliases (``answering.facts``),
* ``unit_keys.npy`` / ``unit_vectors.npy``: a vector for every answer unit of every chunk
  (``compose.units``: the text the composer scores, keyed by exact span and text,
  ``compose.stored``), so an answer embeds only its question. A unit whose text is a stored
  sentence text reuses that sentence's vector; one the previous version had is copied; only
  the rest is embedded.

The files go to a temporary directory renamed into place, so a reader sees all or nothing. An
index without them still works: start-up reads every chunk and builds them in memory (with a
log line) and the composer embeds units it has no vector for.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answering.compose.policy import AnswerPolicy, load_answer_policy
from assistant.answering.compose.stored import CENTROID_FILE, StoredVectors, match_key
from assistant.answering.compose.units import chunk_units, embedded_text, units_fingerprint
from assistant.answering.drug_names import DRUG_NAMES_FILE, derive_drug_names, save_drug_names
from assistant.answering.facts import CorpusFacts
from assistant.answering.vocabulary import corpus_words
from assistant.core.models import Chunk
from assistant.core.settings import Settings
from assistant.retrieval.aliases import QueryExpander
from assistant.retrieval.arrays import ARRAYS_DIR, SearchArrays
from assistant.retrieval.bm25 import BM25Index
from assistant.retrieval.hybrid import BM25_DIR, bm25_text
from assistant.retrieval.records import ChunkRecords

log = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"
EMBED_BATCH = 256

Embed = Callable[[Sequence[str]], list[list[float]]]


@dataclass
class DerivedReport:
    directory: Path
    chunks: int = 0
    units: int = 0
    reused: int = 0
    embedded: int = 0


def write_derived(settings: Settings, embed: Embed | None = None) -> DerivedReport:
    """Write the active version's derived files (see module doc); ``embed`` defaults to the
    configured model (benchmarks pass a stand-in). Returns what was written."""
    from assistant.indexing.backends import get_backend
    from assistant.indexing.store import open_store
    from assistant.indexing.versions import derived_dir

    store = open_store(settings)
    chunks = store.all_chunks()  # row order of every array below
    target = derived_dir(settings, store.version)
    report = DerivedReport(target, chunks=len(chunks))
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    units = store.units()
    if chunks:
        BM25Index([bm25_text(c) for c in chunks]).save(tmp / BM25_DIR)
        ids = [c.id for c in chunks]
        SearchArrays.from_parts(chunks, store.embeddings(ids), units).save(tmp)
        ChunkRecords.save(tmp / ARRAYS_DIR, chunks)
    vocabulary = sorted(corpus_words(c.embed_text for c in chunks))
    (tmp / VOCABULARY_FILE).write_text(json.dumps(vocabulary), encoding="utf-8")
    save_drug_names(tmp, derive_drug_names(vocabulary))
    QueryExpander.from_chunks(chunks, settings.corpus_dir).save(tmp)
    CorpusFacts.from_chunks(settings, chunks).save(tmp)
    pointer = get_backend(settings).read_pointer()
    previous = (StoredVectors.load(derived_dir(settings, pointer.previous))
                if pointer is not None and pointer.previous else None)
    policy = load_answer_policy(settings.policies_dir)
    keys, vectors = _unit_vectors(settings, policy, chunks, units, previous, embed, report)
    StoredVectors.save(tmp, keys, vectors, units_fingerprint(policy))
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return report


def _unit_vectors(settings: Settings, policy: AnswerPolicy, chunks: list[Chunk],
                  sentences: dict[str, tuple[list[tuple[int, int]], np.ndarray]],
                  previous: StoredVectors | None, embed: Embed | None,
                  report: DerivedReport) -> tuple[list[int], np.ndarray]:
    from assistant.indexing.sentence_vectors import unit_text

    by_text: dict[str, np.ndarray] = {}  # stored sentence vectors by the text they were made of
    keys: list[int] = []
    rows: list[np.ndarray | None] = []
    todo: dict[str, list[int]] = {}  # text -> rows waiting for its vector
    for chunk in chunks:
        spans, stored = sentences.get(chunk.id, ([], np.zeros((0, 0))))
        by_text.update((unit_text(chunk, s), v) for s, v in zip(spans, stored, strict=True))
        for unit, asked in ((u, a) for u in chunk_units(chunk, 0, policy)
                            for a in (False, True) if not a or u.asked):
            text = embedded_text(unit, asked)  # its text, and its heading's question if any
            key = match_key(chunk.source, unit.start, unit.end, text)
            vector = by_text.get(text)
            if vector is None and previous is not None:
                vector = previous.get(key)
            keys.append(key)
            rows.append(vector)
            if vector is None:
                todo.setdefault(text, []).append(len(rows) - 1)
        if len(by_text) > 100_000:  # bounded: a unit's sentence is in its own chunk
            by_text.clear()
    report.units = len(rows)
    report.embedded = len(todo)
    report.reused = report.units - sum(len(r) for r in todo.values())
    if todo:
        _embed_missing(settings, todo, rows, embed)
    if not rows:
        return [], np.zeros((0, 1), dtype=np.float16)
    return keys, np.vstack([np.asarray(r, dtype=np.float16) for r in rows if r is not None])


def _embed_missing(settings: Settings, todo: dict[str, list[int]],
                   rows: list[np.ndarray | None], embed: Embed | None) -> None:
    if embed is None:
        from assistant.indexing.embed import get_embedder

        embed = get_embedder(settings).embed
    texts = sorted(todo, key=len)  # similar lengths per batch: less padding
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start:start + EMBED_BATCH]
        for text, vector in zip(batch, embed(batch), strict=True):
            array = np.asarray(vector, dtype=np.float32)
            for row in todo[text]:
                rows[row] = array


def derived_current(settings: Settings, directory: Path) -> bool:
    """Are the derived files in ``directory`` there, made for today's answer units and with
    today's corpus facts?"""
    if not directory.is_dir() or CorpusFacts.load(directory) is None \
            or not (directory / DRUG_NAMES_FILE).is_file():
        return False
    policy = load_answer_policy(settings.policies_dir)
    return StoredVectors.fingerprint(directory) == units_fingerprint(policy) \
        and (directory / CENTROID_FILE).is_file()


def load_words(directory: Path | None) -> list[str] | None:
    """The vocabulary words saved for a version, or None (with a log line) when absent."""
    path = directory / VOCABULARY_FILE if directory is not None else None
    if path is not None and path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, list):
                return [str(w) for w in data]
        except ValueError as err:
            log.warning("saved vocabulary %s unreadable (%s): rebuilding it", path, err)
            return None
    log.info("no saved vocabulary for this version: building it in memory "
             "(`assistant index` saves one)")
    return None


def load_unit_vectors(directory: Path | None) -> StoredVectors | None:
    """The answer-unit vectors saved for a version, or None (with a log line) when absent."""
    stored = StoredVectors.load(directory) if directory is not None else None
    if stored is None:
        log.info("no stored answer-unit vectors for this version: the composer embeds units "
                 "(`assistant index` stores them)")
    return stored
