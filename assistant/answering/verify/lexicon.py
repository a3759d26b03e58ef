"""The compiled verification policy: numbers with units, drug names, stop advice, injections."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.verify.policy import VerifyPolicy
from assistant.text.words import content_stems, content_words, stem

NUMBER_RE = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|\.\d+)(?![\d])\s*(?:-|–|to)?\s*"
)
RISKY_START = re.compile(r"(?i)\b(?:ignore|disregard|forget|override|tell|instruct|system)\b")


class Lexicon:
    """Compiled policy: numbers with units, drug names, stop advice, instruction patterns."""

    def __init__(self, policy: VerifyPolicy,
                 instructions: Sequence[re.Pattern[str]] = ()) -> None:
        """``instructions``: the instruction-like text patterns (``policies/untrusted.yaml``,
        the same list indexing marks spans with)."""
        alias = {a.lower(): unit for unit, aliases in policy.units.items() for a in aliases}
        ordered = sorted(alias, key=len, reverse=True)
        self._unit_alias = alias
        self._unit_re = re.compile(
            r"(?:" + "|".join(re.escape(a) for a in ordered) + r")(?![a-z])", re.IGNORECASE
        )
        self._groups = [tuple(n.lower() for n in g) for g in policy.drug_groups]
        names = sorted({n for g in self._groups for n in g}, key=len, reverse=True)
        self._name_re = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b",
                                   re.IGNORECASE)
        self._suffix_re = re.compile(policy.drug_suffix_pattern)
        self._stop = policy.stop_advice
        self._instructions = list(instructions)
        self._negation = re.compile(policy.negation_pattern)

    def negated(self, text: str) -> bool:
        return bool(self._negation.search(text))

    def quantities(self, text: str) -> set[tuple[float, str | None]]:
        """(value, normalized unit or None) for every number in the text."""
        found: set[tuple[float, str | None]] = set()
        for m in NUMBER_RE.finditer(text):
            value = float(m.group(1).replace(",", ""))
            unit_m = self._unit_re.match(text, m.end())
            unit = self._unit_alias[unit_m.group(0).lower()] if unit_m else None
            found.add((value, unit))
        return found

    def missing_quantities(self, sentence: str, evidence: str) -> list[str]:
        have = self.quantities(evidence)
        values = {v for v, _ in have}
        missing = []
        for value, unit in sorted(self.quantities(sentence), key=lambda q: q[0]):
            ok = (value, unit) in have if unit else value in values
            if unit and not ok:  # "120 to 240 mg", or a table cell wrapped between 2 and hours
                ok = (value, None) in have and self._has_unit(evidence, unit)
            if not ok:
                missing.append(f"{value:g}{' ' + unit if unit else ''}")
        return missing

    def _has_unit(self, text: str, unit: str) -> bool:
        return any(self._unit_alias[m.group(0).lower()] == unit
                   for m in re.finditer(r"(?<![a-z])" + self._unit_re.pattern, text, re.I))

    def _name_keys(self, text: str) -> set[str]:
        keys = set()
        for m in self._name_re.finditer(text):
            word = m.group(0).lower()
            keys.add(next(g[0] for g in self._groups if word in g))
        keys |= {m.group(0).lower() for m in self._suffix_re.finditer(text)}
        return keys

    def missing_names(self, sentence: str, evidence: str) -> list[str]:
        return sorted(self._name_keys(sentence) - self._name_keys(evidence))

    @staticmethod
    def coverage(sentence: str, evidence: str) -> float:
        """Share of the sentence's content words (by stem) that occur in the evidence."""
        have = content_stems(evidence)
        words = content_words(sentence)
        return sum(stem(w) in have for w in words) / len(words) if words else 1.0

    def advises_stopping_benzo(self, sentence: str) -> bool:
        if not re.search(self._stop.drug, sentence) or re.search(self._stop.taper, sentence):
            return False
        return any(not re.search(self._stop.negation_before_verb, sentence[: m.start()])
                   for m in re.finditer(self._stop.verb, sentence))

    def may_turn_unsafe(self, partial: str) -> bool:
        """An unfinished sentence that could still become stop advice or injected text."""
        return bool(re.search(self._stop.verb, partial) or RISKY_START.search(partial))

    def is_unsafe(self, sentence: str) -> bool:
        return self.advises_stopping_benzo(sentence) or self.is_instruction(sentence)

    def is_instruction(self, text: str) -> bool:
        return any(p.search(text) for p in self._instructions)
