"""THE sentence segmenter: exact character spans of sentences, bullets and table rows.

``split_sentences(text, base_offset)`` is used by chunking (over-budget units), the composer
(quotable units), the caveat guard (claims) and verification. Spans are exact:
``text[s - base_offset:e - base_offset]`` is a verbatim quote, trimmed of whitespace, bullet
glyphs, table pipes and trailing reference markers.

Text is first read as line blocks (a line, plus lower-case continuation lines of a sentence broken
by a line break, plus TAB-table continuation lines); a table row is one span, a prose block is cut
into sentences.

Sentence cuts are a regex, not pysbd. pysbd (``char_span=True``) was tried for the cuts inside a
prose block and rejected: it splits sentences broken by a blank line ("… is also\n\n
essential ..."; test_textnorm and test_chunk fail), leaves reference markers at the start of the
next sentence ("<sup>2</sup> An average ..."), cuts URLs at "?" ("…/pdf?" | "article=…") and does
not cut inside quotations; repairing that would leave pysbd plus the same rules, not one segmenter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.normalize import REFS, TAG_RE, strip_refs
from assistant.text.tables import is_table_rule

_TERMINAL = ".!?"
_ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "st", "vs", "e.g", "i.e", "etc", "al", "fig", "no", "approx", "ca"}
)
# A sentence ends after . ! ? (plus closing quotes/brackets and reference markers) and whitespace,
# when the next character can start a sentence.
_BOUNDARY_RE = re.compile(
    r"(?<=[.!?])(?P<tail>[\"'”’)\]]*(?:[ \t]*<sup>[^<]{0,20}</sup>|[ \t]*\[\d+\])*)(?P<gap>\s+)"
    r"(?=[A-Z0-9\"“‘(*<\[$])"
)
_SPAN_LEAD_RE = re.compile(r"(?:\s|[•\-*–]\s|✅\s?|\|)+")
_SPAN_TRAIL_RE = re.compile(
    rf"(?:(?<=[.!?\"”)])(?:\s*<sup>[^<]{{0,20}}</sup>|\s*\[\d+\])+|(?<=[.!?])\s+{REFS}|\s|\|)+$"
)
_SPAN_TRAIL_REF_RE = re.compile(rf"(?<=[A-Za-z)%])[ \t]+{REFS}$")

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
    tail = TAG_RE.sub("", tail).rstrip(" *_\"”’)")
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
            if e > s and re.search(r"[A-Za-z]{2}", text[s:e]) and not is_table_rule(text[s:e]):
                spans.append((base_offset + s, base_offset + e))
    return spans


def split_claims(text: str) -> list[str]:
    """Lines, then sentences: the units a claim (or a caveat with its marker) must sit in.

    Sentences are cut where ``split_sentences`` starts one; each unit runs up to the next
    sentence, so a marker after the full stop ("… dose. [2]") stays with its claim."""
    units: list[str] = []
    for line in text.splitlines():
        starts = [s for s, _ in split_sentences(line)][1:]
        bounds = list(zip([0, *starts], [*starts, len(line)], strict=True))
        units.extend(part for a, b in bounds if (part := line[a:b]).strip())
    return units


def asked_parts(message: str) -> list[str]:
    """The parts of a user's message that ask something: its sentences or clauses (cut after
    ". ! : ; ?", whatever the case of the next word: users write "ok. what now?") that end with
    "?"; the whole message when it has one part or none ends with "?". A word repeated over and
    over ("please please please …") counts once."""
    message = re.sub(r"\b(\w+)(?:\s+\1\b)+", r"\1", message, flags=re.I)
    parts = clauses(message)
    asked = [p for p in parts if p.endswith("?")]
    return asked if len(parts) > 1 and asked else [" ".join(parts)]


def asking_part(message: str) -> str:
    """The last part of the message that asks (``asked_parts``): what the pipeline searches and
    embeds beside the whole message, and the composer reads sentences against."""
    return asked_parts(message)[-1]


def question_parts(message: str) -> list[str]:
    """The parts of the message that are its question: those ending with "?", else its last
    sentence or clause ("… I've heard bad things. does magnesium help and how much")."""
    parts = asked_parts(message)
    return parts if parts[-1].rstrip().endswith("?") else clauses(parts[-1])[-1:]


#: A word of a question that points back at what was said before it ("Is that too much?").
_POINTS_BACK = re.compile(r"\b(it|that|this|them|those|these)\b", re.I)
#: Modal verbs: the word after one (and its subject, or an adverb) is a verb ("should fix",
#: "can i just soak"), not a thing.
MODALS = ("can", "could", "should", "would", "will", "might", "may", "must")


def points_back(part: str) -> bool:
    """Does this part of a message point back at the sentence before it (``part_before``)?"""
    return bool(_POINTS_BACK.search(part))


def part_before(message: str, part: str) -> str:
    """The sentence or clause of the message right before ``part`` (its last occurrence), cut
    as ``asked_parts`` cuts; "" when nothing comes before it. What a pronoun in ``part`` points
    back at is there ("… gave me some cbd gummies. can i take those …?")."""
    before = clauses(message[:message.rfind(part)])
    return before[-1] if before else ""


def part_naming(message: str, word: str) -> str:
    """The first sentence or clause of the message (cut as ``asked_parts`` cuts) that names
    ``word`` (lower case), or ""."""
    found = re.compile(rf"\b{re.escape(word)}\b")
    return next((p for p in clauses(message.lower()) if found.search(p)), "")


def clauses(message: str) -> list[str]:
    """A user message's sentences or clauses (the one way messages are cut), cut after
    ". ! : ; ?" whatever follows (a "?" not before a bracket: a follow-up's carried topic,
    "… them? (about …)", stays with it)."""
    return [p.strip() for p in re.split(r"(?<=[.!:;])\s+|(?<=\?)\s+(?!\()", message)
            if p.strip()]


#: A pairing the user says is not so ("hold off on an SSRI", "not on lithium", "stopped taking").
_NOT_TAKEN = re.compile(r"\b(not|never|no longer|off|without|avoid\w*|stopped|quit)\b")


def asked_or_paired(word: str, message: str, pairing: Sequence[str] = (),
                    window: int = 2) -> bool:
    """Is ``word`` (lower case) part of what ``message`` asks: in its asking parts (its last
    sentence when it has no question mark), or anywhere within ``window`` words after a
    ``pairing`` pattern ("I take Synthroid. How far apart …?") that the user does not deny ("my
    OB wants to hold off on an SSRI")? A word only mentioned in passing before the question ("my
    naturopath friend …") is not."""
    text = message.lower()
    if re.search(rf"\b{re.escape(word)}\b", " ".join(question_parts(text))):
        return True
    return taken_after(word, text, pairing, window)


def taken_after(word: str, message: str, pairing: Sequence[str], window: int = 2) -> bool:
    """Is ``word`` (lower case) within ``window`` words after a ``pairing`` pattern ("I take
    Synthroid", "drink kava tea") that the user does not deny?"""
    text = message.lower()
    for m in re.finditer(rf"\b{re.escape(word)}\b", text):
        context = re.findall(r"[\w'-]+", text[:m.start()])
        before = " ".join(context[-window:])
        if any(re.search(p, before) for p in pairing) \
                and not _NOT_TAKEN.search(" ".join(context[-window - 2:])):
            return True
    return False
