import json, collections, sys, glob
# usage: unblind2.py ROUND_DIR (its key.json and grades*.jsonl; writes figures.txt there)
D = sys.argv[1] if len(sys.argv) > 1 else 'eval/reports/grading/2026-12-03-s5-round6'
key = json.load(open(f'{D}/key.json'))
grades = [json.loads(l) for p in sorted(glob.glob(f'{D}/grades*.jsonl')) for l in open(p)]
by = collections.defaultdict(list)
for g in grades:
    k = key[g['token']]; g['id'] = k['id']; g['version'] = k['version']
    for v in (('before', 'after') if k['version'] == 'both' else (k['version'],)):
        by[v].append(g)
out = []
for v in ('before', 'after'):
    gs = by[v]; n = len(gs)
    ov = [g['overall'] for g in gs]
    follow = [g for g in gs if g.get('context') is not None]
    ans = [g for g in gs if g.get('refusal') in (None, 'correct_answer')]
    line = (f"{v}: n={n} mean overall {sum(ov)/n:.2f}; >=4 {sum(o>=4 for o in ov)}/{n} = {sum(o>=4 for o in ov)/n:.0%}; "
            f"direct {sum(g['direct'] for g in gs)/n:.0%}; relevance {sum(g['relevance'] for g in gs)/n:.2f}; "
            f"faithful {sum(g['faithful'] for g in gs)/n:.0%}; context {sum(g['context'] for g in follow)}/{len(follow)}; "
            f"refusals {dict(collections.Counter(g['refusal'] for g in gs))}; dist {sorted(collections.Counter(ov).items())}")
    out.append(line); out.append(f"   answered only n={len(ans)} mean {sum(g['overall'] for g in ans)/len(ans):.2f}")
changed = [g for g in grades if g['version'] != 'both']
pairs = collections.defaultdict(dict)
for g in changed: pairs[g['id']][g['version']] = g
out.append(f"changed turns ({len(pairs)}): " + "; ".join(f"{i} {p.get('before',{}).get('overall')}->{p.get('after',{}).get('overall')}" for i, p in sorted(pairs.items())))
for v in ('before', 'after'):
    for g in sorted(by[v], key=lambda g: g['overall']):
        if g['overall'] <= 2: out.append(f"  {v} {g['overall']} {g['id']} ({g['version']}): {g['why']}")
print("\n".join(out))
open(f'{D}/figures.txt', 'w').write("\n".join(out) + "\n")
json.dump(grades, open(f'{D}/unblinded.json', 'w'), indent=0)
