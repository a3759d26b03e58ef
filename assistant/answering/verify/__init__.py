"""Citation verification of LLM replies.

An LLM reply is split into sentences with ``[n]`` markers. A sentence is kept only when

1. it carries a marker pointing at a passage it was given (out-of-range markers are dropped);
2. it does not advise stopping a benzodiazepine (policy, whatever it cites);
3. the numbers/doses and drug/supplement names it states occur in a cited passage;
4. its meaning is close to a cited passage: embedding cosine similarity between the sentence and
   the best sentence span (or pair of adjacent sentences) of the passage >= ``min_support``.

Instruction-like spans in passages ("ignore previous instructions ...") are flagged and never
used as support or quoted. Each kept marker becomes a citation whose quote is the best-matching
span of the passage with exact file offsets (``chunk.start`` + offset within ``chunk.text``).
Policy data (names, units, patterns) lives in ``policies/verify.yaml``.

Modules: ``policy`` (the policy model and its loader), ``spans`` (sentence and clause spans of a
passage), ``claims`` (a reply parsed into cited claims), ``lexicon`` (names, units, quantities,
stop advice, instruction patterns) and ``verifier`` (the Verifier and its verdicts).
"""

