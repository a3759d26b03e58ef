"""Text normalization shared by the chunker (embedded text) and the answer composer (display).

Two jobs:

* ``display_text(span)`` turns a verbatim source span into clean reading text: reference
  markers (``[2][3]``, ``<sup>1</sup>``, trailing "… dose 3, 4."), markup (``**``, ``<b>``,
  ``*italics*``, table pipes, bullet glyphs, emoji, ``$Mg^{2+}$``) and extra whitespace go.
* ``split_sentences(text, base_offset)`` finds exact ``(start, end)`` spans of sentences, bullets
  and table rows, so that ``source_text[start:end]`` is a clean verbatim quote.
"""

from __future__ import annotations

import re

# Pictographic emoji and symbols (checked against the corpus: never hits dashes, quotes, ½, ≥).
EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u20e3]"
)
_SUP_REF_RE = re.compile(r"<sup>\s*\d+(?:\s*[,\-–]\s*\d+)*\s*</sup>", re.I)
_SUP_RE = re.compile(r"<sup>(.*?)</sup>", re.I | re.S)
_BRACKET_REF_RE = re.compile(r"(?:\[\d+(?:[,\-–]\s*\d+)*\])+")
_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_LATEX_RE = re.compile(r"\$\s*([^$\n]{1,40}?)\s*\$")
_MD_LINK_RE = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_BOLD_RE = re.compile(r"\*\*|__")
_ITALIC_RE = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_HEADING_RE = re.compile(r"^\s*#{1,6}\s+", re.M)
_BULLET_RE = re.compile(r"^[ \t]*(?:[•\-*–]|✅)[ \t]+", re.M)
_PIPE_SEP_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$", re.M)
_TAB_SEP_RE = re.compile(r"^\s*--(?:\t+--)*\s*$", re.M)
_REFS = r"\d{1,2}(?:\s*,\s*\d{1,2})*"
# "… dose 3, 4." / "… impairment 2" : a bare reference list after a word, at the end of a line
# or sentence. Digits glued to a unit ("0.5mg") or after a comparison ("<30") are never touched.
_TRAILING_REF_RE = re.compile(rf"(?<=[A-Za-z)\]%])[ \t]+{_REFS}(?=\.?[ \t]*$)", re.M)
# "… within 7 days. 1" : the reference list after the final full stop.
_AFTER_STOP_REF_RE = re.compile(rf"(?<=[.!?])[ \t]+{_REFS}[ \t]*$", re.M)

_TERMINAL = ".!?"
_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "st", "vs", "e.g", "i.e", "etc", "al", "fig", "no", "approx", "ca"}
)
# A sentence ends after . ! ? (plus closing quotes/brackets and reference markers) and whitespace,
# when the next character can start a sentence.
_BOUNDARY_RE = re.compile(
    r"(?<=[.!?])(?P<tail>[\"'”’)\]]*(?:<sup>[^<]{0,20}</sup>|\[\d+\])*)(?P<gap>\s+)"
    r"(?=[A-Z0-9\"“‘(*<\[$])"
)
_SPAN_LEAD_RE = re.compile(r"(?:\s|[•\-*–]\s|✅\s?|\|)+")
_SPAN_TRAIL_RE = re.compile(
    rf"(?:(?<=[.!?\"”)])(?:\s*<sup>[^<]{{0,20}}</sup>|\s*\[\d+\])+|(?<=[.!?])\s+{_REFS}|\s|\|)+$"
)
_SPAN_TRAIL_REF_RE = re.compile(rf"(?<=[A-Za-z)%])[ \t]+{_REFS}$")


def latex_to_text(match: re.Match[str]) -> str:
    """``$Mg^{2+}$`` → ``Mg2+``."""
    inner = match.group(1)
    inner = re.sub(r"[\^_]\{([^}]*)\}", r"\1", inner)
    inner = re.sub(r"[\^_](\S)", r"\1", inner)
    return inner.replace("\\", "").replace("{", "").replace("}", "").strip()


def strip_refs(text: str) -> str:
    """Remove source-side reference markers, keeping real numbers."""
    text = _SUP_REF_RE.sub("", text)
    text = _BRACKET_REF_RE.sub("", text)
    text = _AFTER_STOP_REF_RE.sub("", text)
    return _TRAILING_REF_RE.sub("", text)


def strip_markup(text: str) -> str:
    """Remove markdown/HTML markup, table pipes, bullet glyphs and emoji (line structure kept)."""
    text = _LATEX_RE.sub(latex_to_text, text)
    text = _SUP_RE.sub(r"\1", text)
    text = _TAG_RE.sub("", text)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _PIPE_SEP_RE.sub("", text)
    text = _TAB_SEP_RE.sub("", text)
    text = _HEADING_RE.sub("", text)
    text = _BULLET_RE.sub("", text)
    text = _BOLD_RE.sub("", text)
    text = _ITALIC_RE.sub(r"\1", text)
    text = EMOJI_RE.sub("", text)
    return _cells_to_text(text)


def _cells_to_text(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        if line.lstrip().startswith("|") or line.count(" | ") >= 2:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            line = "; ".join(c for c in cells if c)
        lines.append(line)
    return "\n".join(lines)


def merge_tab_rows(text: str) -> str:
    """TAB-table rows as one line each: "a; b; c". A line starting with a TAB continues the
    cells of the row above (rows broken over several lines by PDF extraction)."""
    out: list[str] = []
    row: list[str] | None = None
    for line in text.split("\n"):
        if row is not None and not line.strip():
            continue
        if "\t" in line and all(c.strip() in ("", "--") for c in line.split("\t")):
            continue
        if "\t" in line and line.startswith("\t") and row is not None:
            for i, cell in enumerate(line.split("\t")):
                if cell.strip():
                    row.extend([""] * (i + 1 - len(row)))
                    row[i] = f"{row[i]} {cell.strip()}".strip()
            continue
        if row is not None:
            out.append("; ".join(c for c in row if c))
            row = None
        if "\t" in line:
            row = [c.strip() for c in line.split("\t")]
        elif line.strip() or not out or out[-1].strip():
            out.append(line)
    if row is not None:
        out.append("; ".join(c for c in row if c))
    return "\n".join(out)


def collapse_ws(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\s+\)", ")", text)
    return re.sub(r"\s+([,.;:!?])(?=\s|$)", r"\1", text)


def display_text(span: str) -> str:
    """Clean reading text of a verbatim source span (markers, markup and emoji removed)."""
    text = merge_tab_rows(span.replace("\r", ""))
    text = strip_refs(text)
    text = strip_markup(text)
    text = strip_refs(text)  # markers that only became line-final once markup went
    return collapse_ws(text)


def heading_text(line: str) -> str:
    """A heading line as a clean name: no hashes, bold, emoji or wrapping quotes."""
    text = display_text(line)
    return text.strip(" \"“”'‘’:").strip()


def _blocks(text: str) -> list[tuple[int, int]]:
    """Line blocks of ``text``: one per line, except that a line continuing a sentence broken by
    a line break (next line starts in lower case) and TAB-table continuation lines join the
    block before them."""
    blocks: list[list[int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        start, body = pos, line.rstrip("\r\n")
        pos += len(line)
        if not body.strip():
            continue
        end = start + len(body)
        if blocks and _continues(text[blocks[-1][0] : blocks[-1][1]], body):
            blocks[-1][1] = end
        else:
            blocks.append([start, end])
    return [(s, e) for s, e in blocks]


def _continues(previous: str, line: str) -> bool:
    if line.startswith("\t") and "\t" in previous:
        return True
    if "\t" in line or line.lstrip().startswith(("|", "#", "- ", "• ", "* ")):
        return False
    first = line.lstrip().lstrip("*_")
    return bool(first) and first[0].islower() and not ends_sentence(previous)


def ends_sentence(text: str) -> bool:
    """Does the text end with terminal punctuation (reference markers ignored)?"""
    tail = strip_refs(text.rstrip()).rstrip()
    tail = _TAG_RE.sub("", tail).rstrip(" *_\"”’)")
    return bool(tail) and tail[-1] in _TERMINAL + ":"


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z.]+)\.$", text[: dot + 1])
    return word is not None and word.group(1).lower() in _ABBREVIATIONS


def _sentence_cuts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces, cur = [], start
    for m in _BOUNDARY_RE.finditer(text, start, end):
        dot = m.start() - 1
        if _is_abbreviation(text, dot):
            continue
        pieces.append((cur, m.start("gap")))
        cur = m.end("gap")
    pieces.append((cur, end))
    return pieces


def trim_span(text: str, start: int, end: int, row: bool = False) -> tuple[int, int]:
    """Shrink a span past surrounding whitespace, bullet glyphs, pipes and trailing reference
    markers (for non-table text also a bare "… impairment 2" reference list at the very end)."""
    lead = _SPAN_LEAD_RE.match(text, start, end)
    if lead:
        start = lead.end()
    trail = _SPAN_TRAIL_RE.search(text[start:end])
    if trail:
        end = start + trail.start()
    ref = None if row else _SPAN_TRAIL_REF_RE.search(text[start:end])
    if ref:
        end = start + ref.start()
    return start, end


def split_sentences(text: str, base_offset: int = 0) -> list[tuple[int, int]]:
    """Exact spans of the sentences, bullets and table rows in ``text``.

    Spans are ``(base_offset + s, base_offset + e)``, trimmed of whitespace, bullet glyphs, table
    pipes and reference markers that follow the final full stop, so the source slice is a clean
    verbatim quote. Table rows are one span each; everything else is split into sentences.
    """
    spans = []
    for b_start, b_end in _blocks(text):
        block = text[b_start:b_end]
        is_row = "\t" in block or block.lstrip().startswith("|")
        pieces = [(b_start, b_end)] if is_row else _sentence_cuts(text, b_start, b_end)
        for p_start, p_end in pieces:
            s, e = trim_span(text, p_start, p_end, row=is_row)
            if e > s and re.search(r"[A-Za-z]{2}", text[s:e]) and not _is_separator(text[s:e]):
                spans.append((base_offset + s, base_offset + e))
    return spans


def _is_separator(text: str) -> bool:
    return bool(_PIPE_SEP_RE.fullmatch(text) or _TAB_SEP_RE.fullmatch(text))
