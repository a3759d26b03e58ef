"""Sentence and clause spans of a passage: the candidate support windows of the verifier."""

from __future__ import annotations

import re

MIN_QUOTE_CHARS = 25


def segment(text: str) -> list[str]:
    """pysbd sentences of ``text`` (the text is not cleaned or changed)."""
    import pysbd

    return list(pysbd.Segmenter(language="en", clean=False).segment(text))


def _shared_spans(text: str) -> list[tuple[int, int]] | None:
    """Spans from the chunking engineer's ``text.normalize.split_sentences`` if present."""
    try:
        from assistant.text.normalize import split_sentences
    except ImportError:
        return None
    try:
        spans = [(int(a), int(b)) for a, b in split_sentences(text, 0)]
    except (TypeError, ValueError):
        return None
    ok = all(0 <= a <= b <= len(text) for a, b in spans)
    return spans if ok else None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``, whitespace-trimmed; lines never merge."""
    spans = _shared_spans(text)
    if spans is None:
        spans = []
        for line in re.finditer(r"[^\n]+", text):
            cursor = line.start()
            for piece in segment(line.group(0)):
                piece = piece.strip()
                if not piece:
                    continue
                at = text.find(piece, cursor, line.end())
                if at < 0:  # segmenter changed the text: take the rest of the line
                    spans.append((cursor, line.end()))
                    break
                spans.append((at, at + len(piece)))
                cursor = at + len(piece)
    return [(s, e) for s, e in (_trim(text, a, b) for a, b in spans) if e > s]


CLAUSE_BREAK = re.compile(r"(?:[,;:]|\s[—–-])\s+(?=(?:and|but|which|while|though|although|"
                          r"so|because|whereas|with|particularly|especially)\b)|[;—]\s*"
                          r"|\t+|\s+\|\s+")  # table cells are clauses too


def clause_spans(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """Clauses of a long sentence (each at least MIN_QUOTE_CHARS), for finer support windows."""
    start, end = span
    if end - start < 2 * MIN_QUOTE_CHARS:
        return []
    cuts = list(CLAUSE_BREAK.finditer(text, start, end))
    if not cuts:
        return []
    bounds = [start] + [m.end() for m in cuts] + [end]
    ends = [m.start() for m in cuts] + [end]
    out = []
    for a, b in zip(bounds[:-1], ends, strict=True):
        a, b = _trim(text, a, b)
        if b - a >= MIN_QUOTE_CHARS:
            out.append((a, b))
    return [c for c in out if c != span]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in "•·*-–"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
