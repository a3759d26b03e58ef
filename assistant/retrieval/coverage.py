"""Rare query terms must be found in what is retrieved.

Every rare query term (in at most ``retrieval.rare_term_df`` chunks: a drug or test name) is
found in some pick: if none has it, its best-fused chunk replaces the last pick that carries no
rare term of the query. A passage naming the asked-about thing is what lets the composer answer
it (or say the pairing is not covered). In a small corpus everyday words ("sick", "whole",
"reason") are in few chunks too, and a long message has many of them: a term counts when it
comes from a word rare in English (a name) or from the part of the message that asks
(``asked_terms``: "on an empty stomach?" must find the one passage about an empty stomach).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.retrieval.bm25 import TOKEN_PATTERN, tokenize
from assistant.text.sentences import asking_part
from assistant.text.words import zipf


def asked_terms(query: str, max_zipf: float) -> frozenset[str]:
    """The BM25 terms of the query's words rarer than ``max_zipf`` in English, and of every
    word of its asking part (``sentences.asking_part``)."""
    rare = [w for w in re.findall(TOKEN_PATTERN, query.lower())
            if not w[0].isdigit() and zipf(w) < max_zipf]
    return frozenset(tokenize([" ".join(rare) + " " + asking_part(query)])[0])


def rare_terms(query: str, postings: Mapping[str, Sequence[int]], max_zipf: float) -> list[str]:
    """The query's terms, in order, that are rare in the corpus (``postings``) and count
    (``asked_terms``)."""
    rare = [t for t in dict.fromkeys(tokenize([query])[0]) if t in postings]
    if not rare:  # most queries: no Zipf lookups or second tokenizing on the search path
        return []
    counted = asked_terms(query, max_zipf)
    return [t for t in rare if t in counted]


def cover_rare_terms(terms: Sequence[str], postings: Mapping[str, Sequence[int]],
                     row: Mapping[str, int], ids: Sequence[str], picks: list[str],
                     order: list[str], fused: dict[str, float]) -> list[str]:
    """``picks`` (chunk ids) with a chunk for each rare term none of them has (see module doc).
    ``postings``: term -> rows holding it; ``row``/``ids``: chunk id <-> row; ``order``: every
    candidate by fused score; ``fused`` gains a (zero) score for a chunk brought in."""
    if not terms or not picks:
        return picks
    rank = {cid: i for i, cid in enumerate(order)}
    carriers = {cid for cid in picks for t in terms if row[cid] in postings[t]}
    picks = list(picks)
    for term in terms:
        rows = postings[term]
        if any(row[cid] in rows for cid in picks):
            continue
        best = min((ids[r] for r in rows), key=lambda cid: (rank.get(cid, len(order)), cid))
        spare = [i for i, cid in enumerate(picks) if cid not in carriers]
        if not spare:
            break
        picks[spare[-1]] = best
        carriers.add(best)
        fused.setdefault(best, 0.0)
    return picks
