"""Share of answered turns whose lead matches the sentence a probe's note names.

    python eval/probes/lead_match.py eval/probes/probe6-notes.json RESULTS_DIR [-v]

For every answerable turn that was answered, the quote behind the body's first marker is
compared with each quoted sentence of the turn's note (word overlap: at least 0.6 of the smaller
word set). Prints the share for the lead and for either of the first two cited sentences; -v
lists the misses. A mechanical hint used to choose among changes on tuning sets (session 11),
not a grade: a note names one good lead, and other leads may be as good.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

MIN_OVERLAP = 0.6


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _matches(quote: str, sentences: list[str]) -> bool:
    a = _words(quote)
    return any(a and (b := _words(s)) and len(a & b) / min(len(a), len(b)) >= MIN_OVERLAP
               for s in sentences)


def main(notes_path: str, results_dir: str, verbose: bool = False) -> None:
    notes = json.loads(Path(notes_path).read_text(encoding="utf-8"))
    n = lead = first_two = 0
    for line in (Path(results_dir) / "results.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        note = notes.get(f"{r['case_id']}#{r['turn']}", "")
        if not note or note.startswith(("not covered", "DECLINE")) or r["refused"]:
            continue
        sentences = re.findall(r'"([^"]{20,})"', note)
        quotes = {c["id"]: c["quote"] for c in r["citations"]}
        ids = list(dict.fromkeys(re.findall(r"\[(\d+)\]", r["body"])))
        shown = [quotes.get(i, "") for i in ids[:2]]
        n += 1
        hit = bool(shown) and _matches(shown[0], sentences)
        lead += hit
        first_two += any(_matches(q, sentences) for q in shown)
        if verbose and not hit:
            print(f"MISS {r['case_id']}#{r['turn']} | {r['question'][-100:]}\n"
                  f"   got : {(shown or [''])[0][:140]}\n   want: {' || '.join(sentences)[:240]}")
    if n:
        print(f"{results_dir}: answered {n}, lead matches note {lead / n:.1%}, "
              f"in first two {first_two / n:.1%}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "-v" in sys.argv)
