#!/usr/bin/python3
# CDNOW as one row per customer for seer train --task ziln: calibration features up to
# 1997-09-30 and the holdout spend (to 1998-06-30) as the label, customers split 80/20 at
# random (seed 1). Days are transactions (a day's records summed), as btyd_cdnow.py has them.
# Prints the baseline (holdout spend = calibration spend) normalised Gini on the test part,
# ties as blocks, as train/value_metrics.c and btyd_cdnow.py compute it.
#   bench/cdnow_users.py ../shared/data/cdnow/CDNOW_master.txt OUTDIR  -> OUTDIR/{train,test}.csv
import sys, random
from datetime import date
from collections import defaultdict
src, out = sys.argv[1], sys.argv[2]
cal_end, hold_end = date(1997, 9, 30), date(1998, 6, 30)
days = defaultdict(lambda: defaultdict(lambda: [0, 0.0]))
for line in open(src):
    f = line.split()
    if not f: continue
    cid, d, q, v = f[0], f[1], int(f[2]), float(f[3])
    dt = date(int(d[:4]), int(d[4:6]), int(d[6:8]))
    days[cid][dt][0] += q
    days[cid][dt][1] += v
rows = []
for cid, ds in days.items():
    cal = sorted((d, q, v) for d, (q, v) in ds.items() if d <= cal_end)
    if not cal: continue
    hold = sum(v for d, (q, v) in ds.items() if cal_end < d <= hold_end)
    first = cal[0][0]
    T = (cal_end - first).days / 7
    tx = (cal[-1][0] - first).days / 7
    x = len(cal) - 1
    spend = sum(v for _, _, v in cal)
    qty = sum(q for _, q, _ in cal)
    rep = [v for _, _, v in cal[1:]]
    rows.append((cid, x, round(tx, 3), round(T, 3), round(T - tx, 3), round(spend, 2), qty,
                 round(cal[0][2], 2), cal[0][1], round(sum(rep) / len(rep), 2) if rep else 0,
                 round(hold, 2)))
random.seed(1)
random.shuffle(rows)
cut = len(rows) * 4 // 5
head = 'customer,x,t_x,T,recency,cal_spend,cal_qty,first_spend,first_qty,mean_repeat,holdout\n'
for name, part in (('train.csv', rows[:cut]), ('test.csv', rows[cut:])):
    with open(f'{out}/{name}', 'w') as o:
        o.write(head)
        for r in part: o.write(','.join(map(str, r)) + '\n')
def gain(actual, key):
    order = sorted(range(len(actual)), key=lambda i: (-key[i], i))
    total, area, cum, b, n = sum(actual), 0.0, 0.0, 0, len(actual)
    while b < n:
        e = b + 1
        while e < n and key[order[e]] == key[order[b]]: e += 1
        nxt = cum + sum(actual[order[i]] for i in range(b, e)) / total
        area += (e - b) / n * (cum + nxt) / 2
        cum, b = nxt, e
    return area
act = [r[-1] for r in rows[cut:]]
base = [r[5] for r in rows[cut:]]
gini = (gain(act, base) - 0.5) / (gain(act, act) - 0.5)
print(len(rows), 'customers,', cut, 'train; baseline normalized gini on the test part %.4f' % gini)
