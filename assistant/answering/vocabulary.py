"""The corpus vocabulary: which words the documents know, spelling repair and entity terms.

Used to read follow-ups (which terms carry the topic) and to refuse questions about things the
documents never mention (e.g. "warfarin"). Word rarity comes from ``wordfreq`` (offline data).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from assistant.answering.clipped import ClippedForms
from assistant.answering.drug_names import MisspeltNames
from assistant.answering.query_terms import ENTITY_ZIPF, QueryTerms
from assistant.answering.subjects import alias_pairs
from assistant.core.lru import LRUCache
from assistant.text.spelling import SpellingNeighbours
from assistant.text.words import (
    base_zipf,
    clips,
    content_words,
    fold,
    name_like,
    stem,
    stems,
    texted,
    texted_forms,
    us_spellings,
    verb_or_adjective,
    ves_plural,
    words,
    zipf,
)

#: Words rarer than this (Zipf) are named things for the refusal checks: drugs, supplements.
NAMED_ZIPF = 3.0
#: Only words rarer than this (not real English words, e.g. "magnesum") are spelling-repaired,
#: so a real drug name ("hydroxyzine") is never "corrected" into a corpus word ("hydroxide").
MISSPELLING_ZIPF = 1.0
#: A commoner word is repaired only into a corpus word this close (rapidfuzz ratio) and this much
#: commoner (Zipf): a frequent misspelling ("apetite") is a rare form of a common word, while a
#: real drug name is not far rarer than its look-alike ("lyrica", "lyric"). Chosen on tuning.
COMMON_TYPO_RATIO = 87
MISSPELLING_GAP = 2.0
#: A clipped form this short still counts when the longer word is in the same message or its
#: carried topic ("doxy" … "doxycycline"); against the whole corpus it needs ``CLIPPED_MIN``.
CLIPPED_MIN_IN_TEXT = 4
#: Bound of the "is this a named thing?" cache (keyed by words users type).
NAMED_CACHE_SIZE = 4096


def corpus_words(texts: Iterable[str]) -> frozenset[str]:
    """Every word of the texts, and the parts of hyphenated ones."""
    return frozenset(part for t in texts for w in words(t) for part in (w, *w.split("-")))


class CorpusVocabulary:
    """Every word of the answerable chunks (and ``known_words``, saved per index version by
    ``answering.derived``), with their stems and fuzzy spelling repair."""

    def __init__(self, texts: Iterable[str], terms: QueryTerms | None = None,
                 embed: Callable[[Sequence[str]], list[list[float]]] | None = None,
                 named_cache_size: int = NAMED_CACHE_SIZE,
                 known_words: Iterable[str] = (),
                 drug_names: Mapping[str, str] | None = None,
                 medicines_elsewhere: Iterable[str] = (),
                 headlines: Iterable[str] = ()) -> None:
        self.words: frozenset[str] = corpus_words(texts) | frozenset(known_words)
        self._stems = stems(self.words)
        self._sorted_stems = sorted(self._stems)
        self._neighbours = SpellingNeighbours(w for w in self.words if len(w) >= 4)
        self.terms = terms
        #: Another name of a corpus medicine -> its corpus word ("halcion" -> "triazolam").
        self.drug_names = dict(drug_names or {})
        #: The drug dictionary's names of medicines the corpus never names ("metformin").
        self.medicines_elsewhere = frozenset(medicines_elsewhere)
        self._misspelt = MisspeltNames(self.drug_names, self.medicines_elsewhere)
        #: Clipped forms ("fibro", "gly"): a short one stands first for a word of the documents'
        #: titles and opening lines, what the corpus is about.
        self._clips = ClippedForms(self.words, corpus_words(headlines), NAMED_ZIPF)
        self._embed = embed
        self._named: LRUCache[str, bool] = LRUCache(named_cache_size)
        self._phrases: LRUCache[str, bool] = LRUCache(named_cache_size)
        self._protos: tuple[np.ndarray, np.ndarray] | None = None
        self._noise = [re.compile(p) for p in (terms.noise if terms else [])]
        #: The policy's stated conditions and described conditions (name, signs), compiled
        #: once for every reader of the vocabulary (the refusal checks and the condenser).
        self.conditions = [re.compile(p, re.I) for p in (terms.conditions if terms else [])]
        self.described = [(d.name, [re.compile(p, re.I) for p in d.signs])
                          for d in (terms.described if terms else [])]
        self._states = [re.compile(p, re.I) for p in (terms.states if terms else [])]

    def mentions(self, word: str) -> bool:
        """Does the corpus use the word in some form (same stem: 'infused' ~ 'infusion'; an
        -f/-fe noun whose plural it uses: 'calf' ~ 'calves')?"""
        return word in self.words or stem(word) in self._stems or ves_plural(word) in self.words

    def known(self, word: str) -> bool:
        if self.mentions(word):
            return True
        if "-" in word:  # a suffix ("withdrawal-y", "flu-ish") adds nothing to know
            return all(self.known(p) for p in word.split("-") if p not in ("", "y", "ish", "like"))
        return self._same_family(word) or self._clips.is_clip(word)

    def _same_family(self, word: str) -> bool:
        """A derived word of the corpus's family, beyond inflection ('pharmacist' ~
        'pharmaceutical'): a corpus stem shares a long prefix with the word's stem."""
        root = stem(word)
        if len(root) < 7 or word in self.medicines_elsewhere:  # "hydroxyzine", a medicine the
            return False  # documents never name, is no kin of their "hydroxyindole"
        prefix = root[: max(5, len(root) - 3)]
        i = bisect.bisect_left(self._sorted_stems, prefix)
        return i < len(self._sorted_stems) and self._sorted_stems[i].startswith(prefix)

    def is_named(self, word: str) -> bool:
        """Is this rare word a named medical thing (drug, supplement, condition)?"""
        return self._named.get_or_compute(word, self._judge_named)

    def warm_up(self) -> None:
        """Embed the named/general prototypes and list texted forms now, not on first use."""
        if self._embed is not None and self.terms is not None:
            self._prototypes()
        texted_forms()

    def pending(self, text: str, entity_zipf: float = ENTITY_ZIPF) -> list[str]:
        """Words whose "named thing?" judgment would embed them (rare enough to be judged, common
        enough to need the model, not judged lately), unknown to the corpus or a corpus entity
        rarer than ``entity_zipf``: an answer embeds them with its question (``assembly``)."""
        t = self.terms
        if self._embed is None or t is None:
            return []
        out: list[str] = []

        def judged_by_model(w: str) -> bool:  # rare, common enough to embed, not judged lately
            return (w not in out and self._named.get(w) is None
                    and t.very_rare_zipf <= base_zipf(w) < t.rare_zipf)

        for w in self._unknown_words(text, judged_by_model):  # as ``unknown_entities``
            out.append(w)
        for w in self.entities(text):  # as the named-pair test reads them ("b6" included)
            if zipf(w) < min(entity_zipf, ENTITY_ZIPF) and judged_by_model(w):
                out.append(w)
        return out

    def _judge_named(self, word: str) -> bool:
        t = self.terms
        very_rare, rare, margin = (t.very_rare_zipf, t.rare_zipf, t.named_margin) if t \
            else (2.4, ENTITY_ZIPF, 0.06)
        frequency = base_zipf(word)  # "budged" is as everyday as "budge"
        if texted(word):
            return False  # "shld", "ppl": an everyday word without its vowels
        if verb_or_adjective(word):
            return False  # "draining", "unsteady": what happens, not a named thing
        if frequency < very_rare or (word in self.medicines_elsewhere and frequency < NAMED_ZIPF):
            return True  # very rare, or a medicine the drug dictionary knows ("valerian")
        if frequency >= rare or self._embed is None or t is None:
            return self._embed is None and frequency < rare
        return self._closer_to_named(word) > margin

    def names_a_thing(self, phrase: str) -> bool:
        """Is this phrase a named thing ("kidney stones"), not everyday words ("wives tale"):
        nearer the named prototypes than the general ones by ``phrase_margin`` (or no model)?"""
        t = self.terms
        if self._embed is None or t is None or not t.phrase_margin:
            return True
        return self._phrases.get_or_compute(
            phrase, lambda p: self._closer_to_named(p) > t.phrase_margin)

    def _prototypes(self) -> tuple[np.ndarray, np.ndarray]:
        """The named and the general prototypes' vectors (embedded once)."""
        t = self.terms
        assert self._embed is not None and t is not None
        if self._protos is None:
            self._protos = (np.asarray(self._embed(t.named_prototypes)),
                            np.asarray(self._embed(t.general_prototypes)))
        return self._protos

    def _closer_to_named(self, text: str) -> float:
        """How much closer the text is to the nearest named prototype than to a general one."""
        named, general = self._prototypes()  # asserts there is a model
        assert self._embed is not None
        vec = np.asarray(self._embed([text])[0])
        return float((named @ vec).max() - (general @ vec).max())

    def correct(self, word: str, cutoff: float = 80) -> str:
        """The corpus word a misspelling (or, with a lower ``cutoff``, another language's form
        of a name: "magnesio") most likely means (or the word itself)."""
        if self.mentions(word) or len(word) < 5:
            return word
        if spelt := [s for s in us_spellings(word) if self.mentions(s)]:  # "apnoea" -> "apnea"
            return spelt[0]
        common = zipf(word) >= MISSPELLING_ZIPF
        match = self._neighbours.closest(word, max(cutoff, COMMON_TYPO_RATIO) if common
                                         else cutoff)
        if match is None or (common and zipf(match) - zipf(word) < MISSPELLING_GAP):
            return word
        return match

    def strip_noise(self, text: str) -> str:
        """The text without code and markup fragments (the policy's ``noise`` patterns)."""
        for pattern in self._noise:
            text = pattern.sub(" ", text)
        return text

    def strip_described(self, text: str) -> str:
        """The text without the everyday descriptions of what the documents name (policy
        ``described`` signs: "loose stools" is the documents' diarrhea, not a thing they lack)."""
        for _, signs in self.described:
            for pattern in signs:
                text = pattern.sub(" ", text)
        return text

    def repair(self, text: str) -> str:
        """Text with shorthand and misspelled domain words replaced by the corpus's words, and
        another name of a medicine the corpus names glossed with the corpus's ("halcion
        (triazolam)")."""
        synonyms = self.terms.synonyms if self.terms else {}

        def fix_word(word: str, after: str) -> str:
            if word.lower() in synonyms:
                return synonyms[word.lower()]
            if word[-1:].lower() == "s" and word[:-1].lower() in synonyms:  # "kpins"
                return synonyms[word[:-1].lower()]
            # another name of a corpus medicine ("halcion") or a clipped form ("gly"), glossed
            # with the corpus's word unless the user glossed it already
            gloss = (None if self.mentions(word.lower()) else self.drug_names.get(word.lower())
                     ) or self._completion(word.lower())
            fixed = self.correct(word.lower()) if gloss is None else word.lower()
            if gloss is None and fixed == word.lower() and not self.mentions(fixed):
                gloss = self._misspelt.corpus_word(fixed)  # a misspelt brand ("benadril")
            if gloss:  # "benadryl (25mg each)" is no gloss; "halcion (triazolam)" is one
                glossed = after.lstrip().lower().startswith(f"({gloss}")
                return word if glossed else f"{word} ({gloss})"
            return word if fixed == word.lower() else fixed

        def fix(m: re.Match[str]) -> str:
            word, after = m.group(0), m.string[m.end():]
            parts = re.split(r"(['’])", word, maxsplit=1)
            if len(parts) == 1:
                return fix_word(word, after)
            name, apostrophe, tail = parts
            # a contraction is one word ("shouldn't" is no misspelt "shouldn"); a possessive's
            # name is repaired ("klonapin's")
            return f"{fix_word(name, after)}{apostrophe}{tail}" if tail.lower() == "s" else word
        text = fold(text)
        for short, long in synonyms.items():  # a shorthand of several words ("k-pin(s)",
            if "-" in short or " " in short:  # "k pin")
                written = re.escape(short).replace(r"\-", "[- ]?")
                text = re.sub(rf"(?<![\w-]){written}s?(?![\w-])", long, text, flags=re.I)
        return re.sub(r"[A-Za-z][A-Za-z0-9]*(?:['’][A-Za-z]+)*", fix, text)

    def _completion(self, word: str) -> str | None:
        """The word a clipped form the corpus does not use stands for ("gly" -> "glycinate")."""
        return None if self.mentions(word) else self._clips.completion(word)

    def entities(self, text: str, max_zipf: float = ENTITY_ZIPF) -> list[str]:
        """Rare words of the text that the corpus knows (topic terms such as drug names); a
        word at least ``max_zipf`` common in English does not count."""
        seen: list[str] = []
        for w in content_words(text):
            if self.known(w) and zipf(w) < max_zipf and w not in seen:
                seen.append(w)
        return seen

    def unknown_entities(self, text: str, also: Callable[[str], bool] | None = None) -> list[str]:
        """Rare words the corpus never mentions, even after spelling repair (or ``also`` names)."""
        missing: list[str] = []
        said = content_words(text)
        # a name glossed with a name the corpus knows ("alprazolam (xanax)"; "pill" is none)
        glossed = {x.lower(): y.lower() for a, b in alias_pairs([fold(text)])
                   for x, y in ((a, b), (b, a))}
        for w in self._unknown_words(text):
            if any(clips(w, o, CLIPPED_MIN_IN_TEXT) for o in said):
                continue  # a clipped form of a word of the same text ("doxy" … "doxycycline")
            if w in glossed and self.entities(glossed[w]):
                continue
            if (self.is_named(w) or (also is not None and also(w))) and w not in missing:
                missing.append(w)
        return missing

    def _unknown_words(self, text: str, worth: Callable[[str], bool] = lambda w: True
                       ) -> Iterator[str]:
        """Content words (3+ letters, ``name_like``; noise stripped) no corpus word matches even
        after spelling repair, outside stated ``conditions`` and everyday descriptions of what
        the documents name (``described``): words that may name something the corpus lacks."""
        text = self.strip_described(self.strip_noise(text))
        for pattern in [*self.conditions, *self._states]:
            text = pattern.sub(" ", text)
        for w in content_words(text):
            if len(w) >= 3 and name_like(w) and worth(w) \
                    and not self.known(self.correct(w)):
                yield w

