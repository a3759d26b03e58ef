"""Structure-aware chunking into exact, contiguous spans of the source text.

Pipeline: drop non-evidence regions (``clean``), read the remaining lines as headings, bullets,
table rows and prose ("units"), then pack units of one section into chunks whose embedded text
fits ``settings.chunking.max_tokens`` model tokens. Reading lives in ``indexing.lines`` and
``indexing.units``, packing and over-budget splits in ``indexing.packing``.

Guarantees (tested on the corpus):

* ``chunk.text == doc.text[chunk.start:chunk.end]``; a chunk never touches a dropped region;
* a bullet, a table row (including its PDF-broken continuation lines) and a sentence are never
  cut unless one alone is over budget (then: sentences, then clauses, then words; each such
  split is reported);
* a table's header row(s) travel with its first rows and, in later chunks, in ``context``;
* ``n_tokens`` is the measured token count of ``embed_text`` and never exceeds ``max_tokens``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.core.models import Chunk, SourceDocument
from assistant.core.settings import CHUNKER_VERSION, Settings
from assistant.indexing.boilerplate import find_excluded, load_policy
from assistant.indexing.packing import CountTokens, Packer, atoms
from assistant.indexing.units import Unit, read_units
from assistant.indexing.untrusted import instruction_spans, load_untrusted, within

log = logging.getLogger(__name__)


@dataclass
class ChunkingResult:
    chunks: list[Chunk]
    notes: list[str] = field(default_factory=list)


def _kind(units: Sequence[Unit]) -> str:
    kinds = {{"prose": "prose", "bullet": "bullets"}.get(u.kind, "table") for u in units}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def chunk_id(source: str, start: int, end: int, text: str) -> str:
    key = "\x1f".join((source, str(start), str(end), CHUNKER_VERSION, text))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def chunk_document_with_notes(
    doc: SourceDocument, settings: Settings, count_tokens: CountTokens
) -> ChunkingResult:
    """Chunks of one document plus notes on every over-budget split."""
    policy = load_policy(settings.chunking.boilerplate_file)
    units = read_units(doc, find_excluded(doc.text, policy))
    packer = Packer(doc, units, settings.chunking.max_tokens, count_tokens)
    untrusted, patterns = load_untrusted(settings)
    marked, trust = instruction_spans(doc.text, patterns), untrusted.trust_of(doc.kind)
    chunks = []
    for group in packer.pack(atoms(units)):
        start, end = group[0].start, group[-1].end
        text = doc.text[start:end]
        embed, n_tokens = packer.embed(group, shed=not packer.fits(group))
        chunks.append(Chunk(
            id=chunk_id(doc.source, start, end, text), source=doc.source, title=doc.title,
            section=list(group[0].section), text=text, start=start, end=end, kind=_kind(group),
            context=packer.context(group), embed_text=embed, n_tokens=n_tokens,
            file_sha256=doc.sha256, flagged=within(marked, start, end), trust=trust,
        ))
    return ChunkingResult(chunks, packer.notes)


def chunk_document(
    doc: SourceDocument, settings: Settings, count_tokens: Callable[[str], int]
) -> list[Chunk]:
    """Exact-offset chunks of one document (splits of over-budget units are logged)."""
    result = chunk_document_with_notes(doc, settings, count_tokens)
    for note in result.notes:
        log.warning("chunking: %s", note)
    return result.chunks
