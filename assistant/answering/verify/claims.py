"""An LLM reply parsed into claims: sentences without markers and the passages they cite."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.refusal import CANNOT_ANSWER
from assistant.text.sentences import split_claims

MARKER_RE = re.compile(r"\s*\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
LIST_PREFIX = re.compile(r"^(?:\s*(?:[-*•]|\d{1,2}[.)])(?:\s+|$)|\s*\*\*[^*]{1,30}:?\*\*:?\s*)+")


@dataclass(frozen=True)
class Claim:
    """One sentence of a reply: its text without markers and the passage numbers it cites."""

    text: str
    markers: tuple[int, ...]


def _is_cannot_answer(sentence: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[^a-z]+", " ", s.lower()).strip()

    return norm(CANNOT_ANSWER) in norm(sentence)


def parse_reply(reply: str) -> tuple[list[Claim], bool]:
    """Claims of a reply and whether it used the CANNOT_ANSWER phrase."""
    pieces: list[str] = []
    for sentence in split_claims(reply):
        sentence = sentence.strip()
        lead = re.match(r"^(?:\s*\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\])+", sentence)
        if lead and pieces:  # "Claim. [1]" split after the period: marker belongs before
            pieces[-1] += " " + lead.group(0)
            sentence = sentence[lead.end():].strip()
        if sentence:
            pieces.append(sentence)
    claims: list[Claim] = []
    cannot = False
    for piece in pieces:
        markers = tuple(int(n) for m in MARKER_RE.finditer(piece)
                        for n in re.split(r"\s*[,;]\s*", m.group(1)))
        text = MARKER_RE.sub("", piece).strip()
        text = re.sub(r"\s+([.!?;:,])", r"\1", text)
        text = LIST_PREFIX.sub("", text)  # "- claim", "2. claim", "**Answer:** claim"
        if _is_cannot_answer(text):
            cannot = True
            continue
        if not markers and text.endswith(":"):
            continue  # a lead-in ("Here is what the passages say:"), not a claim
        if re.search(r"\w", text):
            claims.append(Claim(text=text, markers=markers))
    return claims, cannot
