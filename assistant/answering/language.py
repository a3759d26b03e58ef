"""Messages written in another language than English.

The documents and the answering steps are English-only. A message whose words are clearly more
common in another language (``wordfreq`` knows many; the policy lists which to compare) or that
is written mostly in a non-Latin script is *read*, not answered word by word:

* when it names at least ``min_named_terms`` distinct things the corpus knows ("glicinato de
  magnesio con clonazepam" -> glycinate, magnesium, clonazepam; names are matched across spelling
  with the corpus vocabulary's fuzzy repair), those names become the English question and the
  reply says it was read that way;
* otherwise the reply says plainly that only English is supported (never a refusal quoting
  fragments of the message).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from assistant.answering.query_terms import ENTITY_ZIPF
from assistant.answering.vocabulary import CorpusVocabulary
from assistant.text.words import fold, stem, words, zipf

#: Fuzzy score (rapidfuzz ratio) at which another language's form of a name is taken for the
#: corpus word ("glicinato" ~ "glycinate" scores 78; a misspelling in English needs 80).
NAME_CUTOFF = 75
#: A message is in a non-Latin script when at least this share of its letters are not Latin.
NON_LATIN_SHARE = 0.5
#: Messages with fewer words than this are not judged by word frequencies (too little to go on).
MIN_WORDS = 3


@dataclass(frozen=True)
class Reading:
    """A message in another language: the language and the corpus names recognised in it."""

    language: str
    names: tuple[str, ...]

    @property
    def question(self) -> str:
        """The English question the names make ("magnesium glycinate clonazepam")."""
        return " ".join(self.names)


@lru_cache(maxsize=20_000)
def _zipf_in(word: str, language: str) -> float:
    """The word's frequency in a language from wordfreq's "small" lists (words at least once
    per million, zipf >= 3; rarer ones count 0): a language is told by its common words, and
    the small lists load in 0.1 s and ~25 MB for seven languages where the full ones take
    1.4 s and ~250 MB."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, language, wordlist="small"))


class LanguageReader:
    """Notices non-English messages and reads the corpus names out of them."""

    def __init__(self, vocab: CorpusVocabulary) -> None:
        self.vocab = vocab
        terms = vocab.terms
        self.languages = list(terms.other_languages) if terms else []
        self.margin = terms.language_margin if terms else 1.0
        self.min_names = terms.min_named_terms if terms else 2

    def warm_up(self) -> None:
        """Load the word-frequency lists now, not on the first message long enough to check."""
        for code in ["en", *self.languages]:
            _zipf_in("the", code)

    def language(self, message: str) -> str | None:
        """The language code of a message not written in English, else None."""
        letters = [ch for ch in fold(message) if ch.isalpha()]
        if letters and sum(not ch.isascii() for ch in letters) >= NON_LATIN_SHARE * len(letters):
            return "non-latin"
        # the corpus's names ("clonazepam", "magnesio" repaired) say nothing of the language;
        # its everyday words do ("read that mag works better w b6": English, however few of
        # its words are not in the documents)
        tokens = [w for w in words(message)
                  if not (self.vocab.mentions(w) and zipf(w) < ENTITY_ZIPF)]
        if len(tokens) < MIN_WORDS or not self.languages:
            return None
        english = sum(_zipf_in(w, "en") for w in tokens) / len(tokens)
        best, lang = max((sum(_zipf_in(w, code) for w in tokens) / len(tokens), code)
                         for code in self.languages)
        return lang if best - english >= self.margin else None

    def read(self, message: str) -> Reading | None:
        """None for an English message; else the language and the corpus names found."""
        language = self.language(message)
        if language is None:
            return None
        names: list[str] = []
        for w in words(message):
            if language != "non-latin" and _zipf_in(w, language) >= ENTITY_ZIPF:
                continue  # a common word of that language ("mit", "con"), not a name
            name = self.vocab.correct(w, cutoff=NAME_CUTOFF)
            if (self.vocab.mentions(name) and zipf(name) < ENTITY_ZIPF
                    and stem(name) not in {stem(n) for n in names}):
                names.append(name)
        return Reading(language, tuple(names) if len(names) >= self.min_names else ())
