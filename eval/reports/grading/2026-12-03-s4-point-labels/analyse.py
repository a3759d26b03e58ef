import json, itertools
import numpy as np
rows=[json.loads(l) for l in open('candidates.jsonl')]
items={}
for k in (1,2,3):
    for l in open(f'part{k}.jsonl'):
        it=json.loads(l); items[it['id']]=it
labels={}
for k in (1,2,3):
    for l in open(f'labels{k}.jsonl'):
        o=json.loads(l); labels[o['id']]=o['labels']
data=[]
for i,r in enumerate(rows):
    tid=f"t{i:03d}"
    if tid not in labels: continue
    for j,p in enumerate(r['points']):
        p=dict(p); p['y']=int(labels[tid][str(j+1)]); p['turn']=tid; p['pos']=j; p['lead_score']=r['lead_score']
        data.append(p)
print('candidates', len(data), 'relevant', sum(d['y'] for d in data))
shown=[d for d in data if d['shown']]
print('shown now', len(shown), 'relevant share', round(np.mean([d['y'] for d in shown]),3))
turns=sorted({d['turn'] for d in data})
def evaluate(keep, maxp=4):
    # per turn: take candidates in order that pass keep, up to maxp
    kept=[]; per=[]
    for t in turns:
        c=[d for d in data if d['turn']==t and keep(d)][:maxp]
        kept+=c
        per.append((sum(d['y'] for d in c), len(c)))
    rel=sum(a for a,b in per); n=sum(b for a,b in per)
    # answer relevance share assuming lead relevant: (1+rel)/(1+n) averaged per turn
    ans=np.mean([(1+a)/(1+b) for a,b in per])
    return n, rel, round(rel/max(n,1),3), round(ans,3)
print('current', evaluate(lambda d: True))
for f in ['score','sim','cov','focus','focus_w']:
    vals=sorted({round(d[f],2) for d in data})
    from sklearn.metrics import roc_auc_score
    print(f, 'AUC', round(roc_auc_score([d['y'] for d in data],[d[f] for d in data]),3))
print('kind AUC', round(roc_auc_score([d['y'] for d in data],[d['kind'] for d in data]),3), 'risk', round(roc_auc_score([d['y'] for d in data],[d['risk'] for d in data]),3))
print('gap AUC', round(roc_auc_score([d['y'] for d in data],[d['score']-d['lead_score'] for d in data]),3))
print('pos AUC', round(roc_auc_score([d['y'] for d in data],[-d['pos'] for d in data]),3))
print('--- absolute score floor x max points: (kept, relevant kept, precision, answer share)')
for t in [0.30,0.4,0.45,0.5,0.55,0.6,0.65,0.7]:
    print(t, [evaluate(lambda d: d['score']>=t, k) for k in (2,3,4)])
print('--- gap to lead')
for g in [0.1,0.15,0.2,0.25,0.3]:
    print(g, [evaluate(lambda d: d['score']>=d['lead_score']-g, k) for k in (2,3,4)])
print('--- sim floor')
for t in [0.3,0.4,0.45,0.5,0.55,0.6]:
    print(t, evaluate(lambda d: d['sim']>=t, 4))
# cross-validated logistic
from sklearn.linear_model import LogisticRegression
X=np.array([[d['score'],d['sim'],d['cov'],d['focus'],float(d['kind']),float(d['risk']),1/(1+d['rank']),d['score']-d['lead_score']] for d in data]); y=np.array([d['y'] for d in data])
from sklearn.model_selection import GroupKFold, cross_val_predict
pr=cross_val_predict(LogisticRegression(C=1.0,max_iter=1000),X,y,groups=[d['turn'] for d in data],cv=GroupKFold(5),method='predict_proba')[:,1]
print('logit CV AUC', round(roc_auc_score(y,pr),3))
print('--- rule: first m points need only the answer floor (0.30), later ones need t; (kept, rel kept, precision, share, turns with >=1 relevant shown)')
def evaluate2(t, m, maxp=4):
    per=[]
    for tt in turns:
        c=[d for d in data if d['turn']==tt]
        kept=[]
        for d in c:
            if len(kept)>=maxp: break
            if len(kept)>=m and d['score']<t: break
            kept.append(d)
        per.append((sum(d['y'] for d in kept), len(kept), any(d['y'] for d in c)))
    rel=sum(a for a,b,_ in per); n=sum(b for a,b,_ in per)
    anyrel=sum(1 for a,b,h in per if a>0); hasrel=sum(1 for a,b,h in per if h)
    return n, rel, round(rel/max(n,1),3), round(np.mean([(1+a)/(1+b) for a,b,_ in per]),3), f"{anyrel}/{hasrel}"
for t in [0.3,0.45,0.5,0.55,0.6]:
    print(t, [evaluate2(t,m) for m in (0,1,2)])
