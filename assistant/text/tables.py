"""The one definition of a table separator line ("rule"), for pipe and TAB tables.

A rule is a line whose cells (split by ``|`` or TABs) are all dashes (``---``, ``:--:``, ``--``)
or empty, with at least one dash cell: ``| --- | :---: |``, ``|---|---|``, ``--\\t--\\t--``.
Used by display text, sentence spans, chunking and the composer's table rows.
"""

from __future__ import annotations

import re

_CELL = r"[ \t]*(?::?-{2,}:?)?[ \t]*"
#: A whole separator line (``re.M``: also finds rule lines inside a longer text).
TABLE_RULE_RE = re.compile(rf"^(?=[^\n]*--)[ \t]*\|?{_CELL}(?:[|\t]{_CELL})*$", re.M)


def is_table_rule(line: str) -> bool:
    """Is the (single) line a table separator row?"""
    return TABLE_RULE_RE.fullmatch(line.strip("\r\n")) is not None
