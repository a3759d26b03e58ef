"""Sentence and clause spans of a passage: the candidate support windows of the verifier."""

from __future__ import annotations

import re

from assistant.text.sentences import split_sentences

MIN_QUOTE_CHARS = 25


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text`` (the one segmenter), whitespace-trimmed."""
    return [(s, e) for s, e in (_trim(text, a, b) for a, b in split_sentences(text, 0)) if e > s]


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
