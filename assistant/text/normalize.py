"""Display text: a verbatim source span turned into clean reading text.

``display_text(span)`` drops reference markers (``[2][3]``, ``<sup>1</sup>``, trailing "… dose
3, 4."), markup (``**``, ``<b>``, ``*italics*``, table pipes and rules, bullet glyphs, emoji,
``$Mg^{2+}$``) and extra whitespace. Sentence spans live in ``assistant.text.sentences``, word
forms in ``assistant.text.words``, the table-rule pattern in ``assistant.text.tables``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.text.tables import TABLE_RULE_RE, is_table_rule

# Pictographic emoji and symbols (checked against the corpus: never hits dashes, quotes, ½, ≥).
EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u20e3]"
)
_SUP_REF_RE = re.compile(r"<sup>\s*\d+(?:\s*[,\-–]\s*\d+)*\s*</sup>", re.I)
_SUP_RE = re.compile(r"<sup>(.*?)</sup>", re.I | re.S)
_BRACKET_REF_RE = re.compile(r"(?:\[\d+(?:[,\-–]\s*\d+)*\])+")
TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_LATEX_RE = re.compile(r"\$\s*([^$\n]{1,40}?)\s*\$")
_MD_LINK_RE = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_BOLD_RE = re.compile(r"\*\*|__")
_ITALIC_RE = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_HEADING_RE = re.compile(r"^\s*#{1,6}\s+", re.M)
_BULLET_RE = re.compile(r"^[ \t]*(?:[•\-*–]|✅)[ \t]+", re.M)
REFS = r"\d{1,2}(?:\s*,\s*\d{1,2})*"
#: A pointer to another part of the source ("(see below)", "(See What Is Micro Tapering)"):
#: meaningless once the sentence is quoted on its own.
_SEE_REF_RE = re.compile(r"\s*\((?:see|cf\.?)\s[^()]{1,80}\)", re.I)
# "… dose 3, 4." / "… impairment 2" : a bare reference list after a word, at the end of a line
# or sentence. Digits glued to a unit ("0.5mg") or after a comparison ("<30") are never touched.
_TRAILING_REF_RE = re.compile(rf"(?<=[A-Za-z)\]%])[ \t]+{REFS}(?=\.?[ \t]*$)", re.M)
# "… within 7 days. 1" : the reference list after the final full stop.
_AFTER_STOP_REF_RE = re.compile(rf"(?<=[.!?])[ \t]+{REFS}[ \t]*$", re.M)



def latex_to_text(match: re.Match[str]) -> str:
    """``$Mg^{2+}$`` → ``Mg2+``."""
    inner = match.group(1)
    inner = re.sub(r"[\^_]\{([^}]*)\}", r"\1", inner)
    inner = re.sub(r"[\^_](\S)", r"\1", inner)
    return inner.replace("\\", "").replace("{", "").replace("}", "").strip()


def strip_refs(text: str) -> str:
    """Remove source-side reference markers and pointers ("(see below)"), keeping real
    numbers."""
    text = _SUP_REF_RE.sub("", text)
    text = _BRACKET_REF_RE.sub("", text)
    text = _AFTER_STOP_REF_RE.sub("", text)
    text = _SEE_REF_RE.sub("", text)
    return _TRAILING_REF_RE.sub("", text)


def strip_markup(text: str) -> str:
    """Remove markdown/HTML markup, table pipes, bullet glyphs and emoji (line structure kept)."""
    text = _LATEX_RE.sub(latex_to_text, text)
    text = _SUP_RE.sub(r"\1", text)
    text = TAG_RE.sub("", text)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = TABLE_RULE_RE.sub("", text)
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
    return "\n".join(item if isinstance(item, str) else "; ".join(c for c in item if c)
                     for item in _tab_items(text))


def tab_cells(text: str) -> list[str] | None:
    """The cells of a text that is one TAB-table row (its continuation lines merged), else
    None."""
    items = [i for i in _tab_items(text) if not isinstance(i, str) or i.strip()]
    return items[0] if len(items) == 1 and isinstance(items[0], list) else None


def _tab_items(text: str) -> Iterator[str | list[str]]:
    """The text's lines, each TAB-table row (with its continuation lines) as its cells."""
    row: list[str] | None = None
    last: str | None = None  # the last line given out (None: nothing yet)
    for line in text.split("\n"):
        if row is not None and not line.strip():
            continue
        if "\t" in line and (not line.strip() or is_table_rule(line)):
            continue
        if "\t" in line and line.startswith("\t") and row is not None:
            for i, cell in enumerate(line.split("\t")):
                if cell.strip():
                    row.extend([""] * (i + 1 - len(row)))
                    row[i] = f"{row[i]} {cell.strip()}".strip()
            continue
        if row is not None:
            yield row
            last, row = "row", None
        if "\t" in line:
            row = [c.strip() for c in line.split("\t")]
        elif line.strip() or last is None or last.strip():
            yield line
            last = line
    if row is not None:
        yield row


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
