"""Grades of the final code (rl2: fit refitted without risk-led pools) on probes 40/41, per turn:
an answer identical to the graded 'after' (fit incl. risk pools) or 'before' (base) answer takes
that grade from the same round; the 3 answers that are neither were graded blind by one more
helper (part1.jsonl, grades1.jsonl, key.json here).
usage: combine.py FINAL_RESULTS_DIR_PATTERN (e.g. /tmp/s23/rl2-p{n}) BASE_PATTERN AFTER_PATTERN"""
import collections, json, sys
from pathlib import Path
HERE = Path(__file__).parent
final_p, base_p, after_p = sys.argv[1:4]
extra_key = json.load(open(HERE / "key.json"))
extra = {extra_key[g["token"]]: g for g in map(json.loads, open(HERE / "grades1.jsonl"))}
rows, out = [], []
for n in (40, 41):
    D = HERE.parent / f"2026-12-05-s23-probe{n}"
    key = json.load(open(D / "key.json"))
    grades = [json.loads(l) for p in sorted(D.glob("grades*.jsonl")) for l in open(p)]
    by = collections.defaultdict(dict)
    for g in grades:
        k = key[g["token"]]
        for v in (("before", "after") if k["version"] == "both" else (k["version"],)):
            by[k["id"]][v] = g
    def load(p):
        return {f'{r["suite"]}/{r["case_id"]}#{r["turn"]}': r for r in map(json.loads, open(p.format(n=n) + "/results.jsonl"))}
    final, base, after = load(final_p), load(base_p), load(after_p)
    for i, r in final.items():
        if r["answer"] == after[i]["answer"]:
            g, src = by[i]["after"], "after"
        elif r["answer"] == base[i]["answer"]:
            g, src = by[i]["before"], "before"
        else:
            g, src = extra[i], "extra"
        rows.append((n, i, src, g))
for n in (40, 41, None):
    gs = [g for m, _, _, g in rows if n is None or m == n]
    ov = [g["overall"] for g in gs]
    out.append(f"{'probe' + str(n) if n else 'both'} final: n={len(gs)} mean overall {sum(ov)/len(ov):.2f}; "
               f">=4 {sum(o >= 4 for o in ov)}/{len(ov)} = {sum(o >= 4 for o in ov)/len(ov):.0%}; "
               f"direct {sum(g['direct'] for g in gs)/len(gs):.0%}; relevance {sum(g['relevance'] for g in gs)/len(gs):.2f}; "
               f"refusals {dict(collections.Counter(g['refusal'] for g in gs))}; dist {sorted(collections.Counter(ov).items())}")
out.append("grade taken from: " + str(dict(collections.Counter(src for *_, src, _ in rows))))
for n, i, src, g in sorted(rows, key=lambda x: x[3]["overall"]):
    if g["overall"] <= 2:
        out.append(f"  {g['overall']} {i} ({src}): {g['why']}")
print("\n".join(out))
(HERE / "figures.txt").write_text("\n".join(out) + "\n")
