"""Caveat detection patterns from ``prompts/caveats.yaml`` (optional; tolerated when absent)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.core.errors import PolicyError

CaveatPatterns = dict[str, list[re.Pattern[str]]]


def load_caveat_quotes(path: Path) -> frozenset[str]:
    """The backing quotes of the caveats (to tell caveat citations from answer citations)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return frozenset()
    entries = raw.get("caveats", []) if isinstance(raw, dict) else []
    return frozenset(str(e["quote"]) for e in entries if isinstance(e, dict) and e.get("quote"))


def load_caveat_patterns(path: Path) -> CaveatPatterns:
    """Map caveat id -> compiled regexes (case-insensitive). Empty when the file doesn't exist.

    Expected shape: ``caveats: [{id, patterns: [regex, ...]}, ...]``; entries without
    patterns are skipped. A file that exists but is unreadable or has a bad regex is an error.
    """
    if not path.is_file():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise PolicyError(f"cannot read caveat policy {path}: {err}") from None
    entries = raw.get("caveats", []) if isinstance(raw, dict) else []
    patterns: CaveatPatterns = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or "id" not in entry:
            continue
        found = entry.get("patterns") or []
        found = [found] if isinstance(found, str) else found
        try:
            compiled = [re.compile(str(p), re.IGNORECASE) for p in found]
        except re.error as err:
            raise PolicyError(f"caveat {entry['id']!r} in {path} has a bad regex: {err}") from None
        if compiled:
            patterns[str(entry["id"])] = compiled
    return patterns
