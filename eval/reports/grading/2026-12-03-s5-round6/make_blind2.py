"""Blind grading files; a turn whose two answers are identical is shown once (its grade counts
for both versions). usage: make_blind2.py SAMPLE BEFORE AFTER OUTDIR NPARTS [ROUND] (ROUND seeds the shuffle: 6, 7)"""
import json, random, sys
from pathlib import Path
ids = [json.loads(l)["id"] for l in open(sys.argv[1])]
def load(p):
    return {f'{r["suite"]}/{r["case_id"]}#{r["turn"]}': r for r in map(json.loads, open(p))}
before, after = load(sys.argv[2]), load(sys.argv[3])
out = Path(sys.argv[4]); out.mkdir(parents=True, exist_ok=True); nparts = int(sys.argv[5])
rng = random.Random(20261203 + (int(sys.argv[6]) if len(sys.argv) > 6 else 6))
def earlier(by, key):
    suite_case, turn = key.rsplit("#", 1)
    return [{"user": by[f"{suite_case}#{t}"]["question"], "assistant": by[f"{suite_case}#{t}"]["body"][:1500]}
            for t in range(int(turn)) if f"{suite_case}#{t}" in by]
items, key = [], {}
def token():
    t = f"t{rng.randrange(10**6):06d}"
    while t in key: t = f"t{rng.randrange(10**6):06d}"
    return t
for i in ids:
    same = before[i]["answer"] == after[i]["answer"] and earlier(before, i) == earlier(after, i)
    versions = (("both", after),) if same else (("before", before), ("after", after))
    for name, by in versions:
        r = by[i]; tk = token()
        key[tk] = {"id": i, "version": name}
        items.append({"token": tk, "question": r["question"], "earlier_turns": earlier(by, i),
                      "answer": r["answer"],
                      "citations": [{"id": c["id"], "source": c["source"], "start": c["start"], "end": c["end"], "quote": c["quote"]} for c in r["citations"]]})
turns = sorted(set(v["id"] for v in key.values())); rng.shuffle(turns)
part_of = {t: n % nparts for n, t in enumerate(turns)}
parts = [[] for _ in range(nparts)]
for it in items: parts[part_of[key[it["token"]]["id"]]].append(it)
for n, p in enumerate(parts):
    rng.shuffle(p)
    with open(out / f"part{n+1}.jsonl", "w") as f:
        for it in p: f.write(json.dumps(it, ensure_ascii=False) + "\n")
json.dump(key, open(out / "key.json", "w"), indent=1)
print("items", len(items), "parts", [len(p) for p in parts])
