"""Honest refusal: no evidence, no answer.

A question is declined when retrieval finds nothing close enough (evidence strength: the best
similarity of a retrieved chunk or of its best sentence or table row, so a short fact in a long
chunk counts as close), or when it names something the documents never mention (a rare word
such as "warfarin" that no chunk contains, even after spelling repair), which is the hard
near-domain case: magnesium interaction passages come back for "magnesium with warfarin", but
none of them is about warfarin.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from assistant.answering.condense import split_carried
from assistant.answering.vocabulary import NAMED_ZIPF, CorpusVocabulary
from assistant.core.models import Decision, Hit
from assistant.core.settings import Settings
from assistant.text.sentences import asked_or_paired, asked_parts, question_parts
from assistant.text.words import (
    EVERYDAY_ZIPF,
    WORD,
    fold,
    plain,
    stem,
    stopwords,
    word_stems,
    words,
    zipf,
)

#: The one phrase every refusal starts with (used by the composer, the LLM prompt and tests).
CANNOT_ANSWER = "The documents I have don't cover"
#: Said when a declined question names a medicine or condition the documents lack.
REFER_TO = "Please ask your pharmacist or prescriber about it."
#: A refusal names at most this many documents (those of the best hits).
MAX_TITLES = 3
#: Decision reasons with their own wording.
NOT_ENGLISH = "not written in English"
WEAK = "weak evidence"
NUMBERS_ONLY = "numbers without words"
#: An asked-about phrase goes on through following words rarer than this ("birth control pills",
#: not "... pills less").
PHRASE_ZIPF = 5.0
#: A word right before one of these takes an object ("would pills fix the cramping"): it is a
#: verb, and the words before it name no thing together with it.
_OBJECT_STARTS = frozenset({"the", "a", "an", "my", "your", "his", "her", "its", "our", "their",
                            "this", "that", "these", "those", "it", "them", "me", "him", "us"})
_TOKEN = re.compile(rf"\d+(?:\.\d+)?|{WORD.pattern}")
PARTIAL = "the subject is covered, but not what is asked about it"
#: A question about everything at once ("can I take both?") pairs what the user takes within
#: this many words after a pairing word ("gave me a few halcion").
JOINT_WINDOW = 4
#: Evidence this far under the similarity floor still answers when a retrieved passage names a
#: rare word of the question (chosen on the tuning sets; off-corpus questions score far lower).
RESCUE_BAND = 0.1
#: A "-ly" word at least this common is an adverb, no part of a thing's name ("pill
#: eventually"); rarer ones may be ("anomaly").
ADVERB_ZIPF = 4.0


class _Chunkish(Protocol):
    @property
    def embed_text(self) -> str: ...


class _Scored(Protocol):
    @property
    def dense(self) -> float: ...

    @property
    def sentence_sim(self) -> float: ...

    @property
    def chunk(self) -> _Chunkish: ...


def decide(question: str, hits: Sequence[_Scored], vocab: CorpusVocabulary,
           settings: Settings, core: frozenset[str] = frozenset()) -> Decision:
    """Answer or decline, with the reason recorded on the answer."""
    best = max((max(h.dense, h.sentence_sim) for h in hits), default=0.0)
    if not words(question) and re.search(r"\d", question):
        return Decision(True, NUMBERS_ONLY, [], best)
    unknown = [w for w in vocab.unknown_entities(question)
               if not _purpose(w, question, vocab, core)]
    # the message as the pairing checks read it: folded, lower case, own words and carried topic
    own, carried = split_carried(fold(question).lower())
    missing = [w for w in unknown if _asked_of(w, own, carried, vocab)]
    if missing:
        return Decision(True, "names something the documents never mention", missing, best)
    if not hits or (best < settings.answer.min_evidence and not (
            best >= settings.answer.min_evidence - RESCUE_BAND
            and _rare_term_found(question, hits, vocab, core))):
        return Decision(True, f"{WEAK} (best similarity {best:.2f})", [], best)
    apart = _never_together(question, hits, vocab, core)
    if apart:
        return Decision(True, "the evidence never discusses these together", apart, best)
    subject, focus = uncovered_focus(question, hits, vocab, core)
    if focus:
        return Decision(True, f"{PARTIAL} ({subject})", [focus], best)
    return Decision(False, "", [], best, unmentioned=[w for w in unknown if _taken(w, own, vocab)
                                                      and _medicine(w, vocab)])


def unmentioned_note(decision: Decision) -> str:
    """The line an answer ends with when the message named things the documents never mention
    in passing ("my OB wants to hold off on an SSRI"): the answer says nothing about them."""
    if decision.refuse or not decision.unmentioned:
        return ""
    them = "it" if len(decision.unmentioned) == 1 else "them"
    return (f"{CANNOT_ANSWER} {_quote_terms(decision.unmentioned)}, so this answer says nothing "
            f"about {them}. {REFER_TO}")


def _rare_term_found(question: str, hits: Sequence[_Scored], vocab: CorpusVocabulary,
                     core: frozenset[str]) -> bool:
    """Does a retrieved passage name a rare word of the question that is no core subject
    ("what does 'glutamate storm' mean", "on omeprazole … related?")? Then evidence a little
    under the similarity floor is still about the question."""
    rare = {stem(w) for w in words(split_carried(question)[0])
            if zipf(w) < NAMED_ZIPF and len(w) > 3 and stem(w) not in core and vocab.known(w)}
    return bool(rare) and any(rare & word_stems(h.chunk.embed_text) for h in hits)


def _asked_of(word: str, own: str, carried: str, vocab: CorpusVocabulary) -> bool:
    """Is the unknown ``word`` part of what is asked: in the question itself (``own``: its
    parts that ask, or ``carried``: the topic a follow-up carries), or anywhere after a pairing
    word ("I take Synthroid. How far apart …?")? A thing only mentioned in passing before the
    question ("my naturopath friend keeps telling me …") is not. Without a pairing policy,
    every word is."""
    terms = vocab.terms
    if terms is None or not terms.pairing:
        return True
    if re.search(rf"\b{re.escape(word)}\b", carried) or asked_or_paired(word, own):
        return True  # in what is asked (or the topic carried)
    if not _medicine(word, vocab):
        return False  # only a medicine is paired with the question by being taken before it
    asks = " ".join(question_parts(own))  # not the story before it ("heard bad things")
    if any(re.search(p, asks) for p in terms.joint) and asked_or_paired(
            word, own, terms.pairing, JOINT_WINDOW):
        return True  # "dr gave me a few seroquel … can i take both?": what the user takes
    # only after a pairing word before the question ("I'm on metformin … is 1.6 low?"): it is
    # the pairing asked about when the question asks about combining or safety (policy
    # ``combining``: "… is magnesium safe?", "how far apart?"), not when it asks something else
    # or about stopping what they take (``solo``)
    return asked_or_paired(word, own, terms.pairing) and not any(
        re.search(p, asks) for p in terms.solo) and (
        not terms.combining or any(re.search(p, asks) for p in terms.combining))


def _medicine(word: str, vocab: CorpusVocabulary) -> bool:
    """Is ``word`` a medicine by the drug dictionary (always, when the index has no list)?"""
    return not vocab.medicines_elsewhere or word in vocab.medicines_elsewhere


def _taken(word: str, own: str, vocab: CorpusVocabulary) -> bool:
    """Is ``word`` something the user takes or uses in ``own`` (the message's own words, after
    a pairing word: "she takes mestinon", "on metformin"), not a word of their story
    ("hungover", "at walgreens")?"""
    terms = vocab.terms
    return terms is not None and bool(terms.pairing) and asked_or_paired(word, own, terms.pairing)


def _purpose(word: str, question: str, vocab: CorpusVocabulary, core: frozenset[str]) -> bool:
    """Is ``word`` what a medicine the documents name is taken for ("on omeprazole for
    reflux")? Then it says why the user takes that medicine; the question is about the medicine.
    A core subject's purpose ("magnesium for migraines") is what is asked, so it is not one."""
    m = re.search(rf"\b([a-z][\w-]*)\s+for\s+(?:(?:my|the|his|her|their|your)\s+)?"
                  rf"(?:[a-z]+\s+)?{re.escape(word)}\b", fold(question).lower())
    if m is None:
        return False
    medicine = m.group(1)
    return (stem(medicine) not in core and zipf(medicine) < NAMED_ZIPF
            and vocab.known(medicine) and vocab.is_named(medicine))


class EvidenceRefusal:
    """``decide`` as a ``core.protocols.RefusalPolicy``: the vocabulary and settings bound."""

    def __init__(self, vocab: CorpusVocabulary, settings: Settings,
                 core: frozenset[str] = frozenset()) -> None:
        self.vocab = vocab
        self.settings = settings
        self.core = core

    def decide(self, question: str, hits: Sequence[Hit]) -> Decision:
        return decide(question, hits, self.vocab, self.settings, self.core)


def _never_together(question: str, hits: Sequence[_Scored], vocab: CorpusVocabulary,
                    core: frozenset[str] = frozenset()) -> list[str]:
    """The two rarest named things of the question, when the evidence has both but never in the
    same passage (e.g. clonazepam and omeprazole): the pairing itself is not covered. A core
    subject of the question is found in a passage that names any core subject the question
    names: "magnesium glycinate with temazepam" is covered by a passage on magnesium with
    temazepam."""
    passages = [word_stems(h.chunk.embed_text) for h in hits]
    message = split_carried(question)[0]
    own = " ".join(asked_parts(message))  # the pairing asked about: not the topic, nor what
    # the user tells before the question ("my bloodwork says …")
    pairing = vocab.terms.pairing if vocab.terms else []
    named = [e for e in vocab.entities(own) if zipf(e) < NAMED_ZIPF and vocab.is_named(e)
             and any(stem(e) in p for p in passages)
             and asked_or_paired(e, message.lower(), pairing)]
    pair = sorted(named, key=zipf)[:2]
    asked_core = word_stems(own) & core

    def names(passage: frozenset[str], entity: str) -> bool:
        return stem(entity) in passage or (stem(entity) in core and bool(asked_core & passage))
    if len(pair) < 2 or any(all(names(p, e) for e in pair) for p in passages):
        return []
    return pair


def uncovered_focus(question: str, hits: Sequence[_Scored], vocab: CorpusVocabulary,
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
    own = vocab.strip_described(split_carried(vocab.strip_noise(question))[0])
    clause = re.split(r"[.!?:;]\s+", own.strip())[-1]
    tokens = _TOKEN.findall(plain(clause))
    last = max((i for i, w in enumerate(tokens) if stem(w) in core), default=-1)
    if last < 0:
        return "", ""
    passages = [word_stems(h.chunk.embed_text) for h in hits]
    stop = stopwords()

    def content(i: int) -> bool:
        w = tokens[i]
        return (w not in stop and len(w) > 2 and w.isalpha() and stem(w) not in core
                and not (i > 0 and tokens[i - 1][:1].isdigit()) and not _adverb(w))
    for i in range(last + 1, len(tokens)):
        w = tokens[i]
        if not content(i) or vocab.known(w) or not terms.very_rare_zipf <= zipf(w) \
                < terms.focus_max_zipf or any(stem(w) in p for p in passages):
            continue
        after = i + 1 < len(tokens) and content(i + 1) and zipf(tokens[i + 1]) < EVERYDAY_ZIPF
        before = i - 1 > last and content(i - 1) and zipf(tokens[i - 1]) < EVERYDAY_ZIPF
        if after or before:
            lo, hi = (i, i + 1) if after else (i - 1, i)
            while hi + 1 < len(tokens) and content(hi + 1) and zipf(tokens[hi + 1]) < PHRASE_ZIPF:
                hi += 1
            if hi + 1 < len(tokens) and tokens[hi + 1] in _OBJECT_STARTS:
                continue  # "pills fix the …": a verb and its subject
            phrase = " ".join(tokens[lo:hi + 1])
            if vocab.names_a_thing(phrase):  # not everyday words ("worth buying")
                return _core_run(tokens, last, core), phrase
    return "", ""


def _adverb(word: str) -> bool:
    """A common "-ly" word ("eventually", "totally") says how or when, and names no thing."""
    return len(word) >= 6 and word.endswith("ly") and zipf(word) >= ADVERB_ZIPF


def _core_run(tokens: list[str], last: int, core: frozenset[str]) -> str:
    start = last
    while start > 0 and stem(tokens[start - 1]) in core:
        start -= 1
    return " ".join(tokens[start:last + 1])


def refusal_text(decision: Decision, titles: Sequence[str]) -> str:
    """A plain decline that names what is missing and says what the documents do cover
    (``titles``: at most ``MAX_TITLES`` are named, best hits first)."""
    if decision.reason == NOT_ENGLISH:
        return (f"I can only answer questions written in English, and {CANNOT_ANSWER[0].lower()}"
                f"{CANNOT_ANSWER[1:]} other languages. Please ask your question again in English.")
    if decision.reason == NUMBERS_ONLY:
        return ("Could you tell me in words what you would like to know about these numbers "
                "(for example, which medicine or supplement a dose is for)? "
                "I need a question in words to look it up in the documents.")
    if decision.reason.startswith(PARTIAL) and decision.missing:
        subject = decision.reason[len(PARTIAL):].strip(" ()")
        asked = re.sub(r"[^a-z0-9 -]", "", decision.missing[0].lower())[:60]
        return (f"{CANNOT_ANSWER} “{asked}”: they discuss {subject}, but not {asked}, so I "
                f"can't answer that part from them. {REFER_TO} They cover: "
                f"{'; '.join(list(titles)[:MAX_TITLES])}.")
    joiner = " together with " if decision.reason.startswith("the evidence never") else ", "
    topic = _quote_terms(decision.missing, joiner) if decision.missing else "this question"
    cover = "; ".join(list(titles)[:MAX_TITLES])
    # a named thing the documents lack (a medicine, a condition): someone who can answer it
    refer = f" {REFER_TO}" if decision.missing else ""
    return (f"{CANNOT_ANSWER} {topic}, so I can't answer it from them.{refer} "
            f"They cover: {cover}.")


def _quote_terms(terms: Sequence[str], joiner: str = ", ") -> str:
    safe = [re.sub(r"[^a-z0-9-]", "", t.lower())[:40] for t in terms[:4]]
    return joiner.join(f"“{t}”" for t in safe if t)
