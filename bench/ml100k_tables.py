#!/usr/bin/python3
# MovieLens-100k folds as CSV tables for seer train --task regression: one row per rating,
# user and item ids with the user's age, gender, occupation and the item's genres ('|').
#   bench/ml100k_tables.py ../shared/data/movielens-100k OUTDIR  -> OUTDIR/u{1..5}.{base,test}.csv
import sys, os
src, out = sys.argv[1], sys.argv[2]
users = {}
for line in open(os.path.join(src, 'u.user'), encoding='latin-1'):
    u, age, g, occ, _ = line.rstrip('\n').split('|')
    users[u] = (age, g, occ)
genre_names = [l.split('|')[0] for l in open(os.path.join(src, 'u.genre')) if l.strip()]
items = {}
for line in open(os.path.join(src, 'u.item'), encoding='latin-1'):
    f = line.rstrip('\n').split('|')
    gs = [genre_names[k] for k, v in enumerate(f[5:]) if v == '1']
    items[f[0]] = ('|'.join(gs) or 'none', f[2][-4:] if f[2] else '')
for k in range(1, 6):
    for part in ('base', 'test'):
        with open(os.path.join(out, f'u{k}.{part}.csv'), 'w') as o:
            o.write('user,item,age,gender,occupation,genres,year,rating\n')
            for line in open(os.path.join(src, f'u{k}.{part}')):
                u, i, r, _ = line.split('\t')
                a, g, occ = users[u]
                gs, y = items[i]
                o.write(f'{u},{i},{a},{g},{occ},{gs},{y},{r}\n')
