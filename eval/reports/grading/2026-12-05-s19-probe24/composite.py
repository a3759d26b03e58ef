import json,sys,statistics
# composite.py GRADEDIR RESULTS... : grade of the answers in RESULTS, from graded items with the identical answer
gd=sys.argv[1]; key=json.load(open(f'{gd}/key.json'))
items={}
for p in ('part1.jsonl','part2.jsonl'):
    for l in open(f'{gd}/{p}'): it=json.loads(l); items[it['token']]=it
grades={}
for p in ('grades1.jsonl','grades2.jsonl'):
    for l in open(f'{gd}/{p}'): g=json.loads(l); grades[g['token']]=g
want={}
for f in sys.argv[2:]:
    for r in map(json.loads,open(f)): want[f'{r["suite"]}/{r["case_id"]}#{r["turn"]}']=r['answer']
ids=[json.loads(l)['id'] for l in open(f'{gd}/sample.jsonl')]
ov=[];miss=[]
for i in ids:
    toks=[t for t,k in key.items() if k['id']==i and items[t]['answer']==want.get(i)]
    if not toks: miss.append(i); continue
    ov.append(grades[toks[0]]['overall'])
print(gd, 'graded', len(ov), 'of', len(ids), 'mean', round(statistics.mean(ov),2), '>=4', sum(o>=4 for o in ov), 'ones', sum(o==1 for o in ov), 'twos', sum(o==2 for o in ov), 'ungraded (new answers):', miss)
