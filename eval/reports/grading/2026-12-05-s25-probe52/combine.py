"""Unblinds this round (key.json + grades*.jsonl) and prints figures for the held-out probes 52
and 53 (all 96 turns; a turn whose two answers are identical was graded once, for both
versions; the 8 that differ were graded before and after). usage: python combine.py"""
import collections
import glob
import json
from pathlib import Path

D = Path(__file__).parent
key = json.load(open(D / "key.json"))
grades = [json.loads(line) for p in sorted(glob.glob(str(D / "grades*.jsonl"))) for line in open(p)]
for g in grades:
    g.update(key[g["token"]])


def group(i):
    return "probes 52-53 (held out)" if i.startswith(("probe52/", "probe53/")) else (
        "probes 40-45 changed (tuning)" if i.startswith("probe4") else "test split changed")


out = []
for name in ("probes 52-53 (held out)",):
    gs = [g for g in grades if group(g["id"]) == name]
    for v in ("before", "after"):
        sel = [g for g in gs if g["version"] in (v, "both")]
        n = len(sel)
        ov = [g["overall"] for g in sel]
        out.append(f"{name} {v}: n={n} mean {sum(ov)/n:.2f}; >=4 {sum(o >= 4 for o in ov)/n:.0%}; "
                   f"direct {sum(g['direct'] for g in sel)/n:.0%}; relevance "
                   f"{sum(g['relevance'] for g in sel)/n:.2f}; faithful "
                   f"{sum(g['faithful'] for g in sel)/n:.0%}; refusals "
                   f"{dict(collections.Counter(g['refusal'] for g in sel))}; dist "
                   f"{sorted(collections.Counter(ov).items())}")
pairs = collections.defaultdict(dict)
for g in grades:
    if g["version"] != "both":
        pairs[g["id"]][g["version"]] = g["overall"]
out.append("changed turns: " + "; ".join(f"{i} {p.get('before')}->{p.get('after')}"
                                         for i, p in sorted(pairs.items())))
for g in sorted(grades, key=lambda g: (g["overall"], g["id"])):
    if g["overall"] <= 2:
        out.append(f"  {g['overall']} {g['id']} ({g['version']}): {g['why']}")
print("\n".join(out))
(D / "figures.txt").write_text("\n".join(out) + "\n")
