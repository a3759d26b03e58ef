"""What a question points back at: a pronoun that asks about a thing the sentence before it
names ("… gave me some cbd gummies. can i take those …?", "on seroquel 25 for sleep. does it
make u gain weight?"). The refusal check reads the thing as asked about."""

from __future__ import annotations

import re

from assistant.answering.coverage import named_things
from assistant.answering.vocabulary import CorpusVocabulary
from assistant.text.sentences import part_before, question_parts
from assistant.text.words import stem, words

#: A question that points back at what the message named before it.
POINTS_BACK = re.compile(r"\b(those|these|them)\b")
#: "it" (or "that") as what a question asks of: the subject of its verb ("does it make u gain
#: weight?", "does that change how much klonopin gets in?") or
#: what the user takes or adds ("should i take it before or after food?", "can i drink a cup of
#: it with my clonazepam?", "fine to add that on top of everything?"); not "is it ok to …".
IT_ASKED_OF = re.compile(r"\b(?:does|did|do|will|would|can|could|might|may)\s+(?:it|that)\b"
                         r"(?!\s+(?:be|matter)\b)"
                         r"|\b(?:take|taking|took|use|using|drink|drinking|have|having)\s+"
                         r"(?:a\s+(?:cup|glass|mug|bit)\s+of\s+|some\s+of\s+)?it\s+"
                         r"(?:before|after|with)\b"
                         r"|\b(?:add|adding|mix|mixing|combine|combining)\s+(?:it|that)\b")


def pointed_at(word: str, own: str, vocab: CorpusVocabulary, core: frozenset[str] = frozenset(),
               medicine: bool = True) -> bool:
    """Does the question point back ("those", "them") at the sentence right before it, which
    names ``word`` and nothing the documents know ("either of those" after "metformin and
    omeprazole" asks about omeprazole too: answered, with metformin noted as not covered)?
    An "it" the question asks of before naming any core subject points back too, at a
    medicine named before it with no named thing the documents know ("on seroquel 25 for
    sleep. does it make u gain weight?"), not a dummy "it" ("is it ok to take magnesium?")."""
    asks = question_parts(own)
    if not asks:
        return False
    last = part_before(own, asks[0])
    if not re.search(rf"\b{re.escape(word)}\b", last):
        return False
    if POINTS_BACK.search(asks[0]):
        return not vocab.entities(last)
    it = IT_ASKED_OF.search(asks[0])
    if it is None or not medicine or any(
            stem(w) in core for w in words(asks[0][:it.start()])):
        return False
    return not named_things(last, vocab)


#: Words saying what a subject does for something ("magnesium helps kids with ADHD focus").
_DOES_FOR = (r"(?:helps?|helped|helping|treats?|treating|fix(?:es)?|cures?|good for|works? for"
             r"|improves?)")


def core_purpose(word: str, own: str, core: frozenset[str]) -> bool:
    """Is ``word`` what the message says a core subject helps with or treats ("his teacher
    said magnesium glycinate helps kids with ADHD focus. any evidence for that?")? The
    question is about that use of the subject, whatever sentence it is in."""
    for m in re.finditer(rf"\b{_DOES_FOR}\b[^.?!]{{0,30}}\b{re.escape(word)}\b", own):
        before = words(own[max(0, m.start() - 40):m.start()])
        if any(stem(w) in core for w in before[-3:]):
            return True
    return False

