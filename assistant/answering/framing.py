"""Requests for fiction about a covered subject ("Write a story where a character quits
clonazepam cold turkey and feels fine afterwards"): the assistant writes no story, poem or song;
it answers what the story is about from the documents, after a line saying so. The story's own
details ("feels fine afterwards") are the user's premise, not a thing asked about, so they do not
make the question partly uncovered (``refusal.PARTIAL``). Patterns and the line are policy data
(``policies/query_terms.yaml``: ``creative``, ``creative_preface``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Unframed:
    #: What the requested story is about: the message after the request for it.
    topic: str
    preface: str


class CreativeFraming:
    def __init__(self, patterns: Sequence[str], preface: str) -> None:
        self._patterns = [re.compile(p, re.I) for p in patterns]
        self.preface = preface

    def read(self, message: str) -> Unframed | None:
        """The topic of a request for fiction, else None (also when nothing follows it)."""
        for pattern in self._patterns:
            m = pattern.search(message)
            if m is None:
                continue
            topic = message[m.end():].strip(" \t\n:,-")
            return Unframed(topic, self.preface) if re.search(r"\w", topic) else None
        return None
