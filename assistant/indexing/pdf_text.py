"""The text of a PDF as a reader sees it: text drawn invisibly is dropped before extraction.

A PDF can carry text no reader sees, a place to plant instructions for an assistant: render
mode 3 or 7 (invisible), a white fill, or a font too small to read. Like hidden HTML elements,
such text is evidence of nothing, so its show operators are emptied (keeping the layout) before
pypdf extracts the page text, and the count is logged. Text in form XObjects is not inspected.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass, replace
from typing import Any

log = logging.getLogger(__name__)

#: Smallest readable font size, in points on the page (text matrix and CTM scale included).
MIN_VISIBLE_PT = 2.0
#: A fill at least this light (0..1 per component; CMYK: at most 1 minus this) reads as white.
WHITE = 0.95
INVISIBLE_MODES = {3, 7}
SHOW_OPS = {b"Tj", b"TJ", b"'", b'"'}


class PdfUnreadable(Exception):
    """The PDF is encrypted or cannot be parsed."""


@dataclass(frozen=True)
class _State:
    white: bool = False
    mode: int = 0
    font_size: float = 12.0
    ctm_scale: float = 1.0


def _scale(a: float, b: float, c: float, d: float) -> float:
    return math.sqrt(abs(a * d - b * c))


def _is_white(op: bytes, values: list[float]) -> bool:
    if op in (b"k",) or (op in (b"sc", b"scn") and len(values) == 4):
        return all(v <= 1 - WHITE for v in values)
    return bool(values) and all(v >= WHITE for v in values)


def _numbers(operands: list[Any]) -> list[float]:
    out = []
    for value in operands:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            continue
    return out


def hide_invisible_text(operations: list[tuple[list[Any], bytes]]) -> int:
    """Empties, in place, the text shown invisibly; returns how many show operators it was."""
    from pypdf.generic import ArrayObject, TextStringObject

    state, stack, tm_scale, hidden = _State(), list[_State](), 1.0, 0
    for i, (operands, op) in enumerate(operations):
        nums = _numbers(operands)
        if op == b"q":
            stack.append(state)
        elif op == b"Q":
            state = stack.pop() if stack else _State()
        elif op == b"cm" and len(nums) == 6:
            state = replace(state, ctm_scale=state.ctm_scale * _scale(*nums[:4]))
        elif op in (b"rg", b"g", b"k", b"sc", b"scn"):
            state = replace(state, white=_is_white(op, nums))
        elif op == b"Tr" and nums:
            state = replace(state, mode=int(nums[0]))
        elif op == b"Tf" and nums:
            state = replace(state, font_size=abs(nums[-1]))
        elif op == b"Tm" and len(nums) == 6:
            tm_scale = _scale(*nums[:4])
        elif op == b"BT":
            tm_scale = 1.0
        elif op in SHOW_OPS:
            size = state.font_size * tm_scale * state.ctm_scale
            if state.white or state.mode in INVISIBLE_MODES or size < MIN_VISIBLE_PT:
                hidden += 1
                empty: list[Any] = [TextStringObject("")]
                if op == b"TJ":
                    empty = [ArrayObject()]
                elif op == b'"':
                    empty = [*operands[:2], TextStringObject("")]
                operations[i] = (empty, op)
    return hidden


def pdf_text(raw: bytes, name: str = "") -> tuple[str, str | None]:
    """(the visible text of every page, the metadata title); PdfUnreadable when it cannot."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    from pypdf.generic import ContentStream, NameObject

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise PdfUnreadable("the PDF is encrypted")
        pages, hidden = [], 0
        for page in reader.pages:
            contents = page.get_contents()
            if contents is not None:
                stream = ContentStream(contents, reader)
                operations = stream.operations
                count = hide_invisible_text(operations)
                if count:
                    hidden += count
                    stream.operations = operations  # re-serialised from the edited list
                    page[NameObject("/Contents")] = stream  # in memory only
            pages.append((page.extract_text() or "").strip())
        meta = reader.metadata
        title = str(meta.title).strip() if meta and meta.title else None
    except (PdfReadError, ValueError, KeyError, TypeError) as err:
        raise PdfUnreadable(f"is not a readable PDF ({err})") from None
    if hidden:
        log.warning("%s: dropped %d invisible text run(s) (white, invisible or tiny text is not "
                    "evidence)", name or "PDF document", hidden)
    return "\n\n".join(p for p in pages if p) + "\n", title or None
