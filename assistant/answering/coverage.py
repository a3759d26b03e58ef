"""What the retrieved evidence covers of a question (read by ``refusal.decide``): whether it
ever discusses the question's two named things together ("clonazepam" with "omeprazole"),
whether a covered subject's asked-about thing is in it ("magnesium" … "kidney stones"), and
which rare words the question asks about with a subject (``asked_rare``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from assistant.answering.topic import split_carried
from assistant.answering.vocabulary import NAMED_ZIPF, CorpusVocabulary
from assistant.text.sentences import (
    MODALS,
    asked_or_paired,
    asked_parts,
    clauses,
    points_back,
    question_parts,
    taken_after,
)
from assistant.text.words import (
    EVERYDAY_ZIPF,
    WORD,
    common_adjective,
    plain,
    stem,
    stopwords,
    verb_or_adjective,
    word_stems,
    words,
    zipf,
)

#: An asked-about phrase goes on through following words rarer than this ("birth control pills",
#: not "... pills less").
PHRASE_ZIPF = 5.0
#: A word right before one of these takes an object ("would pills fix the cramping"): it is a
#: verb, and the words before it name no thing together with it.
_OBJECT_STARTS = frozenset({"the", "a", "an", "my", "your", "his", "her", "its", "our", "their",
                            "this", "that", "these", "those", "it", "them", "me", "him", "us"})
#: A word these follow before an object ("mess with it", "mess w it", "mix up the") is a verb.
_VERB_PARTICLES = frozenset({"with", "w", "up", "around", "into", "about"})
_TOKEN = re.compile(rf"\d+(?:\.\d+)?|{WORD.pattern}")
#: A rare word this near a core subject's name is asked about with it (chosen on tuning).
PAIRED_WINDOW = 5
#: ... or, in a message naming no core subject, this many words after a word for taking it.
PAIRED_AFTER = 2
#: A "-ly" word at least this common is an adverb, no part of a thing's name ("pill
#: eventually"); rarer ones may be ("anomaly").
ADVERB_ZIPF = 4.0


class Chunkish(Protocol):
    @property
    def embed_text(self) -> str: ...


class Scored(Protocol):
    @property
    def dense(self) -> float: ...

    @property
    def sentence_sim(self) -> float: ...

    @property
    def chunk(self) -> Chunkish: ...


def never_together(question: str, hits: Sequence[Scored], vocab: CorpusVocabulary,
                    core: frozenset[str] = frozenset(),
                    forms: Mapping[str, frozenset[str]] | None = None) -> list[str]:
    """The two rarest named things of the question, when the evidence has both but never in the
    same passage (e.g. clonazepam and omeprazole): the pairing itself is not covered. A core
    subject of the question is found in a passage that names any core subject the question
    names: "magnesium glycinate with temazepam" is covered by a passage on magnesium with
    temazepam, and so is "bisglycinate", a form with a core subject's name inside it, and a
    form is found in a passage naming what it is a form of ("glycinate" in one on magnesium)."""
    passages = [word_stems(h.chunk.embed_text) for h in hits]
    message = split_carried(question)[0]
    own = " ".join(asked_parts(message))  # the pairing asked about: not the topic, nor what
    # the user tells before the question ("my bloodwork says …")
    pairing = vocab.terms.pairing if vocab.terms else []
    named = [e for e in named_things(own, vocab) if any(stem(e) in p for p in passages)
             and asked_or_paired(e, message.lower(), pairing)]
    pair = sorted(named, key=zipf)[:2]
    asked_core = {c for w in word_stems(own) for c in _cores_in(w, core)}
    # a form and what it is a form of are one subject ("glycinate" and "magnesium")
    asked_core |= {base for base, its_forms in (forms or {}).items() if its_forms & asked_core}
    asked_core |= {f for base in asked_core for f in (forms or {}).get(base, frozenset())}

    def found(passage: frozenset[str], entity: str) -> bool:
        return stem(entity) in passage or (bool(_cores_in(stem(entity), core))
                                           and bool(asked_core & passage))
    if len(pair) < 2 or any(all(found(p, e) for e in pair) for p in passages) \
            or _alternatives(own.lower(), *pair) or _EACH.search(own):
        return []
    return pair


def _cores_in(root: str, core: frozenset[str]) -> set[str]:
    """The core subjects a stem is, or holds as its name inside ("bisglycin" holds
    "glycin")."""
    return {c for c in core if root == c or (len(c) > 3 and c in root)}


#: Two things named this close, with "or" and no joining word between them, are alternatives
#: ("a benadryl or one of my flexeril on top of my magnesium"), each asked about on its own.
_ALTERNATIVES_SPAN = 60
_JOINED = re.compile(r"\b(and|with|plus|together|both|combin\w*|mix\w*)\b")


#: "… furosemide … and i have IBS, does either of those matter?": each is asked about on its own.
_EACH = re.compile(r"\b(?:either|each|any|neither)\s+(?:one\s+)?of\s+(?:those|these|them|the two)\b"
                   r"|\beither one\b", re.I)


def _alternatives(text: str, a: str, b: str) -> bool:
    i, j = text.find(a.lower()), text.find(b.lower())
    if i < 0 or j < 0:
        return False
    (first, n), (second, _) = sorted([(i, len(a)), (j, len(b))])
    between = text[first + n:second]
    return (len(between) <= _ALTERNATIVES_SPAN and bool(re.search(r"\bor\b", between))
            and not _JOINED.search(between))


def uncovered_focus(question: str, hits: Sequence[Scored], vocab: CorpusVocabulary,
                    core: frozenset[str]) -> tuple[str, str]:
    """(the core subject, the asked-about phrase) when the question's last clause asks about a
    compound thing ("birth control pills", "kidney stones") one of whose words the corpus never
    uses and no retrieved passage contains: the subject is covered, the question is not.
    ("", "") otherwise. Only words after the clause's last core subject count (the object of
    the question), a word right after a number is a unit, not a thing, and an everyday word
    ("without") is no part of one's name ("stop it anytime without tapering" asks no thing)."""
    terms = vocab.terms
    if not core or terms is None or not hits:
        return "", ""
    own, carried = split_carried(vocab.strip_noise(question))
    own = vocab.strip_described(own)
    own = _ALTERNATIVES.sub(" or ", own)  # "magnesium spray / oil": two forms, not one thing
    # the last clause naming a core subject, of the parts that ask ("can magnesium cause hair
    # loss? my hair's been shedding": not the story after the question)
    parts = [c for part in asked_parts(own.strip()) for c in clauses(part)]
    tokens, last = _last_in(parts, lambda w: stem(w) in core)
    subject = _core_run(tokens, last, core) if last >= 0 else ""
    if last < 0:  # a follow-up's pronoun stands for the topic it carries ("does it cause …?")
        subject = next((t.strip() for t in carried.split(",") if word_stems(t) & core), "")
        tokens, last = _last_in(parts, _POINTING.__contains__) if subject else ([], -1)
    if last < 0:
        return "", ""
    passages = [word_stems(h.chunk.embed_text) for h in hits]
    stop = stopwords()

    def content(i: int) -> bool:
        w = tokens[i]
        return (w not in stop and len(w) > 2 and w.isalpha() and stem(w) not in core
                and not (i > 0 and tokens[i - 1][:1].isdigit()) and not _adverb(w)
                and not _after_modal(tokens, i))
    for i in range(last + 1, len(tokens)):
        w = tokens[i]
        if not content(i) or vocab.known(w) or w in vocab.drug_names \
                or not terms.very_rare_zipf <= zipf(w) \
                < terms.focus_max_zipf or any(stem(w) in p for p in passages):
            continue
        if i == last + 1:
            continue  # right after the subject's name, it says which form ("magnesium oil spray")
        after = i + 1 < len(tokens) and content(i + 1) and zipf(tokens[i + 1]) < EVERYDAY_ZIPF
        before = i - 1 > last and content(i - 1) and zipf(tokens[i - 1]) < EVERYDAY_ZIPF
        if before and not after and known_thing(tokens[i - 1], vocab) \
                and any(stem(tokens[i - 1]) in p for p in passages):
            continue  # "calcium chew": a form of a thing the passages name
        if after or before:
            lo, hi = (i, i + 1) if after else (i - 1, i)
            while hi + 1 < len(tokens) and content(hi + 1) and zipf(tokens[hi + 1]) < PHRASE_ZIPF:
                hi += 1
            if _takes_object(tokens, hi + 1):
                continue  # "pills fix the …", "supplement mess w it": a verb and its subject
            if all(common_adjective(t) for t in tokens[lo:hi + 1]):
                continue  # "the horrible anxious week": how it is, no thing
            phrase = " ".join(tokens[lo:hi + 1])
            if vocab.names_a_thing(phrase):  # not everyday words ("worth buying")
                return subject, phrase
    return "", ""


#: A slash between words writes alternatives ("spray / oil", "and/or").
_ALTERNATIVES = re.compile(r"\s*/\s*(?=[^\W\d])")


def asked_rare(own: str, carried: str, vocab: CorpusVocabulary,
               core: frozenset[str]) -> set[str]:
    """Rare words asked about with a core subject, within ``PAIRED_WINDOW`` words of it, in a
    part that asks about combining ("are kava and klonopin ok together?"): named things,
    whatever the embedder says (``unknown_entities`` keeps those the documents never use).
    "… klonopin does it kick in?? got a root canal thurs": the weekday is far from it. Also the
    rare words of the ``carried`` topic: one the documents never use was swapped in by a
    follow-up ("and what about evening primrose oil for that?") and is what it asks about."""
    out = {w for w in words(carried) if _rare_word(w) and stem(w) not in core}
    terms = vocab.terms
    if terms is None or not terms.combining:
        return out
    parts = question_parts(own)
    if points_back(" ".join(parts)) and not any(stem(w) in core
                                                for w in (*words(own), *words(carried))):
        # a question pointing back at what a message naming no core subject takes or tries
        # asks about that ("thinking of trying kava tea … I've heard it can be bad for the
        # liver?"); "started sertraline, what helps?" asks about something else
        out |= {w for w in words(own) if _rare_word(w) and stem(w) not in core
                and asked_or_paired(w, own, terms.pairing, PAIRED_AFTER)}
    for part in parts:
        said = words(part)
        at = [i for i, w in enumerate(said) if stem(w) in core]
        if not at or not any(re.search(p, part) for p in terms.combining):
            continue
        # near the subject, or what the part says is taken ("ok to drink kava tea in the
        # evening if I'm already taking magnesium glycinate?")
        out |= {w for i, w in enumerate(said) if _rare_word(w) and stem(w) not in core
                and (min(abs(i - j) for j in at) <= PAIRED_WINDOW
                     or taken_after(w, part, terms.pairing, PAIRED_AFTER))}
    return out


def named_by_frame(own: str, vocab: CorpusVocabulary, core: frozenset[str]) -> set[str]:
    """Rare words the documents never use that a frame says name a product ("is kava tea ok
    for anxiety?", "and what about kratom?"; query_terms ``named_frames``): not a shorthand of
    three letters ("a MgG capsule"), a word for what it is like ("that fizzy powder") or a
    brand with a core subject's name or shorthand in it ("my SlumberMag capsules")."""
    terms = vocab.terms
    if terms is None:
        return set()
    inside = {w for w in core if len(w) > 3} | {
        short for short, word in terms.synonyms.items()
        if len(short) > 2 and short.isalpha() and stem(word.split()[0]) in core}
    return {w for p in terms.named_frames for m in re.finditer(p, own)
            if len(w := m.group(1).lower()) > 3 and not w.endswith("y")
            and zipf(w) < NAMED_ZIPF and not verb_or_adjective(w) and not vocab.known(w)
            and not any(part in w for part in inside)}


def _rare_word(w: str) -> bool:
    return w.isalpha() and len(w) > 3 and zipf(w) < NAMED_ZIPF and not verb_or_adjective(w)


def named_things(text: str, vocab: CorpusVocabulary) -> list[str]:
    """The named things of the text the corpus knows (drugs, conditions: rare words the
    embedder reads as named), in text order."""
    return [e for e in vocab.entities(text) if zipf(e) < NAMED_ZIPF and vocab.is_named(e)]


def known_thing(word: str, vocab: CorpusVocabulary) -> bool:
    """Does the corpus name this thing: a word it uses that is rare or names a medical thing
    ("calcium", "melatonin")? A word right after it that the corpus lacks says which form of
    it ("calcium chew", "melatonin gummies")."""
    return vocab.known(word) and (zipf(word) < NAMED_ZIPF or vocab.is_named(word))


def _takes_object(tokens: list[str], i: int) -> bool:
    """Does an object start at token ``i``, or after a particle there ("with it")?"""
    if i < len(tokens) and tokens[i] in _VERB_PARTICLES:
        i += 1
    return i < len(tokens) and tokens[i] in _OBJECT_STARTS


def _after_modal(tokens: list[str], i: int) -> bool:
    """Is token ``i`` a verb after a modal ("should fix", "should basically fix")?"""
    before = tokens[max(0, i - 2):i]
    return bool(before) and (before[-1] in MODALS or (
        len(before) == 2 and before[0] in MODALS and _adverb(before[1])))


def _adverb(word: str) -> bool:
    """A common "-ly" word ("eventually", "totally") says how or when, and names no thing."""
    return len(word) >= 6 and word.endswith("ly") and zipf(word) >= ADVERB_ZIPF


#: Words standing for a thing named before ("does it cause kidney stones?").
_POINTING = frozenset({"it", "they", "them"})


def _last_in(parts: list[str], wanted: Callable[[str], bool]) -> tuple[list[str], int]:
    """The tokens of the last clause with a wanted token, and the index of its last one;
    ([], -1) without one."""
    for clause in reversed(parts):
        tokens = _TOKEN.findall(plain(clause))
        at = max((i for i, w in enumerate(tokens) if wanted(w)), default=-1)
        if at >= 0:
            return tokens, at
    return [], -1


def _core_run(tokens: list[str], last: int, core: frozenset[str]) -> str:
    start = last
    while start > 0 and stem(tokens[start - 1]) in core:
        start -= 1
    return " ".join(tokens[start:last + 1])
