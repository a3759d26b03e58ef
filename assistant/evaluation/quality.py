"""Answer-quality facts of one reply's body (issue 11), measured, never enforced by the gate.

- ``body_sentences``: the body's sentences, ``[n]`` markers and list bullets removed, for the
  most-repeated-sentence metric (``sentence_key`` is how two sentences are compared).
- ``header_rows``: body lines whose cited quote is a table header row, i.e. in the source file
  the line after the quoted row is a markdown table rule (``|---|---|``).
- ``fragments``: body sentences that lean on a sentence before them (their opener is in the
  data file's ``leaning_openers``), miss final punctuation, or end on a stray reference number.

Word lists and patterns come from a validated data file (``eval/quality_checks.yaml``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.core.errors import InputError
from assistant.core.patterns import Regex, valid_regex
from assistant.core.policy import load_yaml_model
from assistant.evaluation.corpus import CorpusFiles
from assistant.text.sentences import split_sentences
from assistant.text.tables import is_table_rule

_MARKER = re.compile(r"\s*\[\d+\]")
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s+")
_EMPHASIS = re.compile(r"^[*_]+|[*_]+$")


class QualityChecks(BaseModel):
    """The data file of the quality checks (``eval/quality_checks.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    leaning_openers: list[str] = Field(
        min_length=1, description="Words or phrases that, opening a sentence, lean on the one "
        "before it; matched case-insensitively as whole words.")
    final_punctuation: str = Field(
        min_length=1, description="Characters a complete sentence ends with (closing quotes, "
        "brackets and emphasis after them ignored).")
    stray_reference: str = Field(
        description="Regex searched in a sentence (markers removed): a bare reference number "
        "left at its end.")
    standalone: list[Regex] = Field(
        default_factory=list, description="Regexes (any case) of openings that stand alone "
        "although they start with a leaning word: the 'it' of 'It is generally safe to take "
        "…' stands for what follows, not for an earlier sentence.")

    _regex = field_validator("stray_reference")(valid_regex)

    @field_validator("leaning_openers")
    @classmethod
    def _non_blank(cls, words: list[str]) -> list[str]:
        if any(not w.strip() for w in words):
            raise ValueError("blank opener")
        return words

    def opener_regex(self) -> re.Pattern[str]:
        alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in
                                sorted(self.leaning_openers, key=len, reverse=True))
        return re.compile(rf"^(?:{alternatives})\b", re.IGNORECASE)


def load_quality_checks(path: Path) -> QualityChecks:
    return load_yaml_model(path, QualityChecks, "quality check file", error=InputError)


def _clean(text: str) -> str:
    return " ".join(_EMPHASIS.sub("", _BULLET.sub("", _MARKER.sub("", text)).strip()).split())


def raw_sentences(body: str) -> list[str]:
    """The body's sentences, each up to the next one (so a trailing reference number the
    segmenter trims stays visible), markers, bullets and emphasis around it removed."""
    return [sentence for sentence, _first in _sentences_by_line(body)]


def _sentences_by_line(body: str) -> list[tuple[str, bool]]:
    """``raw_sentences`` with, for each, whether it is the first sentence of its line."""
    out = []
    for line in body.splitlines():
        spans = split_sentences(line)
        first = True
        for i, (start, _end) in enumerate(spans):
            stop = spans[i + 1][0] if i + 1 < len(spans) else len(line)
            text = _clean(line[start:stop])
            if text:
                out.append((text, first))
                first = False
    return out


def body_sentences(body: str) -> list[str]:
    """The body's sentences as a reader sees them (markers and bullets removed)."""
    return raw_sentences(body)


def sentence_key(sentence: str) -> str:
    """How sentences are compared: case and spacing ignored, final punctuation dropped."""
    return " ".join(sentence.casefold().split()).rstrip(" .!?:;")


def is_header_row(text: str, end: int) -> bool:
    """Is the line holding ``text[:end]``'s last character followed by a markdown table rule
    (``|---|---|``)? A short ``--<TAB>--`` line closing a TAB table does not make a header."""
    line_end = text.find("\n", max(0, end - 1))
    if line_end < 0:
        return False
    next_end = text.find("\n", line_end + 1)
    following = text[line_end + 1 : next_end if next_end >= 0 else len(text)]
    return "---" in following and is_table_rule(following)


def header_rows(body: str, citations: list[dict[str, Any]], corpus: CorpusFiles) -> list[str]:
    """The quotes of body lines that cite a table header row (one entry per such line)."""
    by_id = {str(c.get("id")): c for c in citations}
    out = []
    for line in body.splitlines():
        for marker in re.findall(r"\[(\d+)\]", line):
            c = by_id.get(marker)
            if c is None:
                continue
            text, end = corpus.text(str(c.get("source", ""))), c.get("end")
            if text is not None and isinstance(end, int) and is_header_row(text, end):
                out.append(str(c.get("quote", "")))
                break
    return out


def fragments(body: str, checks: QualityChecks) -> list[str]:
    """Body sentences that can't stand alone, each as ``"<reason>: <sentence>"``. A sentence
    opening with a leaning word counts only when it opens its line (the lead or a bullet): one
    after another sentence of the same line brought the sentence it leans on along."""
    opener = checks.opener_regex()
    stray = re.compile(checks.stray_reference)
    out = []
    for sentence, first in _sentences_by_line(body):
        tail = sentence.rstrip(" \"'”’)]*_")
        if first and opener.search(sentence) and not any(
                re.search(p, sentence, re.I) for p in checks.standalone):
            out.append(f"leans on the sentence before: {sentence}")
        elif stray.search(sentence):
            out.append(f"stray reference number: {sentence}")
        elif not tail or tail[-1] not in checks.final_punctuation:
            out.append(f"no final punctuation: {sentence}")
    return out
