"""Turn the latest message of a conversation into a standalone question, without an LLM.

* "And gabapentin?" after "How far apart should I take magnesium from doxycycline?" swaps the
  object of the previous question and keeps its core subject: "How far apart should I take
  magnesium from gabapentin?". "What about the magnesium?" after a clonazepam question swaps
  one core subject for the other. A refused question that named a core subject can be swapped
  from too (its object was what the documents lack).
* "And what about stopping the magnesium itself?" names a core subject and asks something of
  its own: it is a new question about that subject, not a copy of the previous one.
* "How far apart should I take it from doxycycline?" resolves "it" to the previous question's
  core subject when the message names another thing.
* "What if my creatinine clearance is 25?" after a question about magnesium with clonazepam
  carries the earlier topic terms: "What if my creatinine clearance is 25? (about magnesium
  glycinate, clonazepam)". Conditions the user stated earlier ("my kidneys are weak", policy
  ``conditions``) are carried into every follow-up's topic.
* A message that names its own topic is left as it is.
"""

from __future__ import annotations

import re

from assistant.answering import follow_up as fu
from assistant.answering.antecedent import ReferenceWords, adds, antecedent
from assistant.answering.query_terms import ENTITY_ZIPF
from assistant.answering.replaced import given_up, replacement
from assistant.answering.topic import (
    MAX_CARRIED,
    MAX_CONDITIONS,
    carried_terms,
    split_carried,
    with_topic,
)
from assistant.answering.vocabulary import CorpusVocabulary
from assistant.core.models import Turn
from assistant.text.sentences import asking_part, part_before, points_back
from assistant.text.words import content_words, stem, words, zipf


class Condenser:
    """Rule-based follow-up rewriting. ``core``: stems of the corpus's core subjects
    (``answering.subjects.core_subjects``): a message naming one is about its own topic.
    ``words``: what is read around a subject (``ReferenceWords.from_policy``); a condition
    described inside a phrase that sets it aside ("besides the runs") is not what is asked."""

    def __init__(self, vocab: CorpusVocabulary, core: frozenset[str],
                 words: ReferenceWords) -> None:
        self.vocab = vocab
        self.core = core
        self.words = words
        terms = vocab.terms
        self._topic_zipf = terms.topic_max_zipf if terms else ENTITY_ZIPF

    def _is_core(self, word: str) -> bool:
        return stem(word) in self.core

    def condense(self, message: str, history: list[Turn]) -> str:
        """The standalone question; a condition the message describes by its signs (policy
        ``described``) and does not name is added to its topic under its documents' name."""
        standalone = self._standalone(message, history)
        own, carried = split_carried(standalone)
        told = message
        for pattern in self.words.set_aside:  # "besides the runs, did anything serious happen?"
            told = pattern.sub(" ", told)
        named = [name for name, signs in self.vocab.described
                 if any(p.search(told) for p in signs) and name.lower() not in
                 standalone.lower()]
        if not named:
            return standalone
        return with_topic(own, carried_terms(carried) + named)

    def _standalone(self, message: str, history: list[Turn]) -> str:
        question = _squash(self.vocab.repair(message))
        answered = next((t.standalone_question for t in reversed(history) if not t.refused), None)
        last = history[-1].standalone_question if history else None
        if last and history[-1].refused:
            if self._core_run(split_carried(last)[0]):
                answered = last  # declined for weak evidence, its subject is still the topic
            else:
                last = answered  # a refused turn with no core subject sets no topic
        if not last or not self._is_follow_up(question):
            return question
        conditions = self._conditions_of([t.user for t in history], question)
        swapped = self._swap(question, last)
        if swapped is not None:
            own, carried = swapped
            return with_topic(own, carried + conditions)
        if not answered:
            return with_topic(question, conditions)
        swap = replacement(question)  # "… benadryl instead of the trazodone?": not about it
        if swap and not (self._thing(swap.old) or self._objects(swap.new)):
            swap = None  # "instead of with …", "try instead?", "switching to glycinate"
        gone = given_up(swap.old or self._object_of(split_carried(answered)[0]),
                        answered) if swap else set()
        question = swap.question if swap else question
        ordeal = fu.ORDEAL.search(question)  # "help me get thru it": the last message's topic
        resolved = None if ordeal else self._resolve_it(question, answered)
        if resolved:
            return with_topic(resolved, conditions)
        topic = [t for t in self._topic(answered) if t.lower() not in question.lower()
                 and t.lower() not in gone]
        if any(self._is_core(w) for w in content_words(question)) and not ordeal and not swap:
            # "And how much magnesium for her sleep?" after a clonazepam question: the message
            # names its own core subject, so the previous one is not carried
            topic = [t for t in topic if not self._is_core(t)]
        return with_topic(question, topic + conditions)

    def _is_follow_up(self, question: str) -> bool:
        words_ = content_words(question)
        names_core = any(self._is_core(w) for w in words_)
        if names_core and not (fu.FOLLOW.match(question) or fu.BACK.search(question)
                               or fu.ORDEAL.search(question)):
            return False
        short = len(words_) <= fu.MAX_BARE_FOLLOW_UP_WORDS
        return bool(fu.FOLLOW.match(question) or fu.PRONOUN.search(question)
                    or (not names_core and short))

    def _swap(self, question: str, previous: str) -> tuple[str, list[str]] | None:
        """(the previous question with the new thing swapped in, its carried terms); None when
        the message is not an "and X?" swap. A phrase that names a core subject and asks more
        than the subject itself is a question of its own (returned as it is, lead word off)."""
        m = fu.SWAP.match(question) or fu.INSTEAD.match(question)
        if not m:
            return None
        new = fu.OWNER.sub("", (m.group("x") or m.groupdict().get("y") or "").strip(" ?.!"))
        if m.group("x") and "," in new:  # "what about coq10, worth adding for prevention?":
            # what follows the thing asks a question of its own about it, with the topic carried
            thing, rest = new.split(",", 1)
            if len(content_words(rest)) >= fu.OWN_QUESTION_WORDS:
                return None
            if not re.search(r"\d", rest):  # "what about my lad, hes 12?" keeps his age
                new = thing.strip()
        named_old = m.groupdict().get("old")
        if new and named_old and re.search(rf"\b{re.escape(named_old)}\b", previous, re.I):
            own, carried = split_carried(previous)
            terms = [t for t in carried_terms(carried) if t.lower() != named_old.lower()]
            pattern = re.compile(rf"\b{re.escape(named_old)}\b", re.I)
            if pattern.search(own):
                return pattern.sub(new, own, count=1), terms
            return own, [*terms, new]
        if not new or len(new.split()) > 5 or fu.ASKS.match(new) or fu.FOR_WHOM.match(new):
            return None
        after = fu.AFTER_THING if m.groupdict().get("y") else fu.FOR_THAT  # "and my fosamax on
        # sundays, same deal?", "what about evening primrose oil for that?": the thing alone
        new = after.split(new, maxsplit=1)[0].strip() or new
        phrase = content_words(new)
        own, carried = split_carried(previous)
        terms = carried_terms(carried)
        if any(self._is_core(w) for w in phrase):
            if any(not self._is_core(w) for w in phrase):
                text = fu.LEAD.sub("", question).strip()
                return text[:1].upper() + text[1:], []
            old = [w for w in self._core_words(own) if stem(w) not in {stem(p) for p in phrase}]
            old = old[:1]
        else:
            old = [o] if (o := self._object_of(own)) else []
        if not old:
            objects = [t for t in terms if not any(self._is_core(w) for w in words(t))
                       and self._objects(t)]
            if objects:  # the object was carried: "Which one goes first? (about X, doxycycline)"
                return own, [new if t == objects[-1] else t for t in terms]
            return f"{own.rstrip(' ?.')} and {new}?", terms
        pattern = re.compile(rf"\b{re.escape(old[0])}\b", re.I)
        kept = [t for t in terms if t.lower() != old[0].lower()]
        return pattern.sub(new, own, count=1), kept

    def _thing(self, word: str) -> bool:
        return self._is_core(word) or bool(self._objects(word))

    def _object_of(self, own: str) -> str:
        """What "and X?" replaces in a question: the thing it ends on ("… apart from
        magnesium?"), core subject or not; otherwise its rarest non-core object, the most
        specific thing it names ("doxycycline", not "nightly"); empty when it names none."""
        tail = fu.TAIL_OBJECT.search(own)
        return tail.group(1) if tail else next(iter(sorted(self._objects(own), key=zipf)), "")

    def _resolve_it(self, question: str, previous: str) -> str | None:
        """"take it from doxycycline" -> "take magnesium from doxycycline": only when the
        message names another (non-core) thing, so "it" is the previous core subject: one the
        message does not name itself ("want off it … use the mag" after "magnesium … less
        klonopin?" is off klonopin), the one added or taken there (``antecedent``)."""
        it = fu.IT.search(question)
        before = question[:it.start()] if it else ""
        other = bool(re.search(r"\b(of|off)\s+$", before)) and adds(
            before, self._core_runs(before), self.words)
        if not it or not (self._objects(question) or other):
            return None  # ("could adding magnesium mean a lower dose of it?": not magnesium)
        if self._core_words(before) and not self.words.pairs_next(before) and not other:
            return None  # "what about my klonopin? … is it safe for the baby?": "it" is the
            # core subject the message names before it, unless paired with it ("the magnesium
            # i take with it")
        named = {stem(w) for w in self._core_words(question)}
        told = split_carried(previous)[0]
        runs = self._core_runs(told)
        unnamed = [r for r in runs if not named & {stem(w) for w in r.split()}]
        subject = antecedent(told, unnamed, self.words) or (runs[0] if runs else "")
        return fu.IT.sub(subject, question, count=1) if subject else None

    def _core_words(self, text: str) -> list[str]:
        return [w for w in dict.fromkeys(content_words(text)) if self._is_core(w)]

    def _core_run(self, text: str) -> str:
        """The first run of core-subject words in the text ("magnesium glycinate")."""
        return next(iter(self._core_runs(text)), "")

    def _core_runs(self, text: str) -> list[str]:
        """The runs of core-subject words in the text, in order."""
        runs: list[str] = []
        run: list[str] = []
        for w in [*words(text), ""]:
            if w and self._is_core(w):
                run.append(w)
            elif run:
                runs.append(" ".join(run))
                run = []
        return runs

    def _objects(self, text: str) -> list[str]:
        """Rare words that are not core subjects: the things a question asks about (known to
        the corpus or not: "levothyroxine", "doxycycline")."""
        glossed = {m.group(1).lower() for m in fu.GLOSSED.finditer(text)
                   if self._is_core(m.group(2))}
        return [w for w in dict.fromkeys(content_words(text)) if not self._is_core(w)
                and w.lower() not in glossed  # "gly (glycinate)": a core subject's short form
                and len(w) > 2 and not any(ch.isdigit() for ch in w) and zipf(w) < ENTITY_ZIPF]

    def _topic(self, previous: str) -> list[str]:
        text, carried = split_carried(previous)
        topic = [t for t in self.vocab.entities(text, self._topic_zipf) if t not in _UNITS]
        topic += [t for t in carried_terms(carried) if t not in topic]
        core = self._asked_core(text) or [t for t in topic if self._is_core(t)]
        return (core + [t for t in topic if not self._is_core(t)])[:MAX_CARRIED]

    def _asked_core(self, text: str) -> list[str]:
        """The core subjects a long message asks about, when its story names others: those its
        asking part names, or the one named last before it when the asking part points back
        ("… recommended magnesium. Is it actually helpful …?" after "a taper off clonazepam"),
        when the sentence right before it names one (a pronoun's antecedent is there, or
        unsure). Empty when the message names one core subject or none."""
        named = self._core_words(text)
        if len(named) < 2:
            return []
        asked = asking_part(text)
        if asked == text:
            return []
        own = self._core_words(asked)
        if own or not points_back(asked):
            return own
        runs = self._core_runs(part_before(text, asked))
        return runs[0].split() if len(runs) == 1 else []

    def _conditions_of(self, messages: list[str], question: str) -> list[str]:
        """Risk facts the user stated in earlier messages and does not restate now."""
        found: list[str] = []
        for message in messages:
            for pattern in self.vocab.conditions:
                for m in pattern.finditer(message):
                    text = _squash(re.sub(r"[(),]", " ", m.group(0)))
                    if text and text.lower() not in question.lower() \
                            and text.lower() not in (f.lower() for f in found):
                        found.append(text)
        return found[-MAX_CONDITIONS:]


#: Units of a dose or a weight ("3mg"): what a topic is measured in, never the topic.
_UNITS = frozenset({"mg", "mcg", "ml", "kg", "lb", "lbs", "iu"})


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
