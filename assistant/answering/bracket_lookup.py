"""The row for the user's age or weight. "I'm 72 … how much should someone my age be taking?"
is searched as a whole, so the table row for their bracket ("Elderly (>65 years): 200-300mg
elemental") is seldom among the hits; the composer can only prefer a bracket row it is handed
(``compose.lead``). When the question asks an amount (policy ``bracket_kinds``) and gives an
age outside an ordinary adult's (the age risk's ``ordinary`` range) or a weight, the asked core
subjects are searched with the policy's ``bracket_query``, and
the first passage with a row whose bracket holds the person, closer than any row of the hits
(``quantities.bracket_fit``), is added after them.

No corpus fact: the kinds and the query are policy data, the subjects the corpus's own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.answering.compose.policy import matches
from assistant.answering.compose.profile import StandaloneReader
from assistant.answering.compose.quantities import Quantity, body_measures, bracket_fit
from assistant.core.models import Hit, unseen
from assistant.text.words import words

#: How many of the bracket search's hits are looked through.
LOOK_THROUGH = 5


class BracketLookup:
    def __init__(self, read: StandaloneReader, subject: Callable[[str], str | None],
                 search: Callable[[str], list[Hit]]) -> None:
        self._read = read
        self._policy = policy = read.policy
        self._subject = subject  # the core subject a word names, or None
        self._search = search
        self._evidence = [p for k in policy.kinds if k.id in policy.bracket_kinds
                          for p in k.evidence]
        # an ordinary adult's age ("I'm 34") has no row of its own: the all-adults row would
        # crowd out the answer to what is asked
        self._ordinary = [(r.bracket_unit, r.ordinary) for r in policy.risks
                          if r.bracket_unit and r.ordinary is not None]

    def query(self, question: str) -> str | None:
        """The asked core subjects with the bracket words, when the question asks an amount
        for a person whose age or weight it gives; None otherwise."""
        return self._searched(question, self._body(question))

    def _body(self, question: str) -> list[Quantity]:
        profile = self._read(question)
        if not set(profile.kinds) & set(self._policy.bracket_kinds):
            return []
        return [(n, u) for n, u in body_measures(question, profile)
                if not any(u == unit and lo <= n <= hi for unit, (lo, hi) in self._ordinary)]

    def _searched(self, question: str, body: list[Quantity]) -> str | None:
        if not body or not self._policy.bracket_query:
            return None
        named: dict[str, str] = {}
        for w in words(question):
            if (s := self._subject(w)) is not None:
                named.setdefault(s, w)
        return f"{' '.join(named.values())} {self._policy.bracket_query}" if named else None

    def add(self, question: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and the passage with the closest bracket row, when it is closer than any
        row of the hits."""
        body = self._body(question)
        query = self._searched(question, body)
        if query is None:
            return hits
        have = max((self._fit(h, body) for h in hits), default=0)
        found = unseen(self._search(query)[:LOOK_THROUGH], hits)
        best = max(found, key=lambda h: self._fit(h, body), default=None)
        if best is None or self._fit(best, body) <= max(have, 0):
            return hits
        return [*hits, best]

    def _fit(self, hit: Hit, body: Sequence[Quantity]) -> int:
        """The closest fit of a row of the passage that states an amount."""
        return max((bracket_fit(list(body), line) for line in hit.chunk.text.splitlines()
                    if matches(self._evidence, line)), default=0)
