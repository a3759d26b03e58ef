"""Doses the user gives against those the lead names: a sentence about "120mg … with 0.5mg" does
not answer "200 mg with 1 mg" as it stands, so the answer says which doses its evidence is about
(policy ``dose_note``). Units are compared in milligrams (500 mcg = 0.5 mg); a range in the lead
("200-400mg") covers the doses inside it."""

from __future__ import annotations

import re

#: A number as written, thousands separators included ("3,000" is three thousand, not "000").
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DOSE = re.compile(rf"(?<![\d.,])({_NUMBER})(?:\s*(?:-|–|to)\s*({_NUMBER}))?\s*"
                   r"(mg|mcg|µg|micrograms?|milligrams?|g|grams?)\b", re.I)
_IN_MG = {"mg": 1.0, "milligram": 1.0, "mcg": 0.001, "µg": 0.001, "microgram": 0.001,
          "g": 1000.0, "gram": 1000.0}


def doses(text: str) -> list[tuple[float, float, str]]:
    """(low, high, as written) of each dose in the text, in milligrams."""
    out = []
    for m in _DOSE.finditer(text):
        scale = _IN_MG[m.group(3).lower().rstrip("s")]
        low = float(m.group(1).replace(",", "")) * scale
        high = float(m.group(2).replace(",", "")) * scale if m.group(2) else low
        out.append((low, high, m.group(0).strip()))
    return out


def dose_note(asked: str, lead: str, template: str) -> str | None:
    """``template`` filled with the lead's doses and the user's, when the user gave doses and
    the lead names doses, none of which is one the user gave; else None."""
    mine, named = doses(asked), doses(lead)
    if not template or not mine or not named:
        return None
    if any(low <= dose <= high for dose, _, _ in mine for low, high, _ in named):
        return None
    return template.format(evidence=" and ".join(dict.fromkeys(d for *_, d in named)),
                           yours=" and ".join(dict.fromkeys(d for *_, d in mine)))
