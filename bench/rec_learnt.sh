#!/bin/sh
# The learnt recommenders (bpr, twotower; any kinds given) on MovieLens 100K's official folds
# u1..u5 and on MovieLens 1M (users 1-2,999, each user's ratings split 80/20 by time, the
# latest 20% the test), as the acceptance commands run them:
#   seer train uK.base --format movielens --model KIND -o M
#   seer eval M uK.test --format movielens --min-rating 4 --json
# Prints per kind the mean NDCG@10, recall@10 and HR@10 and the mean training seconds (wall,
# and CPU user+system). Compare with ../shared/bench/ease_ml100k.py (pop, ItemKNN, EASE) run
# in the same sitting.
#   bench/rec_learnt.sh BUILD_DIR [KIND ...]      (SEER_DATA: ../shared/data unless set)
set -eu
BIN=${1:?usage: bench/rec_learnt.sh BUILD_DIR [KIND ...]}/seer
shift
KINDS=${*:-bpr twotower}
DATA=${SEER_DATA:-../shared/data}
TMP=$(mktemp -d /tmp/seer_rec_learnt.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# ML-1M's split: per user by time (file order breaks ties), the last round(0.2 n) to the test.
sed 's/::/\t/g' "$DATA/movielens-1m/ratings_users_0001-2999.dat" | awk '{print NR "\t" $0}' |
    sort -t "$(printf '\t')" -k2,2n -k5,5n -k1,1n | cut -f2- > "$TMP/ml1m.sorted"
awk -F '\t' -v tr="$TMP/ml1m.train" -v te="$TMP/ml1m.test" '
    { u[NR] = $1; line[NR] = $0; n[$1]++ }
    END { for (i = 1; i <= NR; i++) { k = u[i]; seen[k]++
              if (seen[k] > n[k] - int(0.2 * n[k] + 0.5)) print line[i] > te; else print line[i] > tr } }' \
    "$TMP/ml1m.sorted"

# One fold: train, eval; prints "ndcg recall hr wall cpu".
fold() {
    kind=$1 train=$2 test=$3
    t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$TMP/cpu" "$BIN" train "$train" --format movielens \
        --model "$kind" -o "$TMP/m.seer" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; exit 1; }
    t1=$(date +%s.%N)
    "$BIN" eval "$TMP/m.seer" "$test" --format movielens --min-rating 4 --json | tail -1 |
        sed 's/[{}"]//g' | tr ',' '\n' > "$TMP/json"
    get() { grep "^$1:" "$TMP/json" | cut -d: -f2; }
    echo "$(get ndcg@10) $(get recall@10) $(get hr@10) $(echo "$t1 - $t0" | bc) $(awk '{print $1 + $2}' "$TMP/cpu")"
}

for kind in $KINDS; do
    : > "$TMP/folds"
    for k in 1 2 3 4 5; do
        fold "$kind" "$DATA/movielens-100k/u$k.base" "$DATA/movielens-100k/u$k.test" | tee -a "$TMP/folds" |
            sed "s/^/ml100k u$k $kind: ndcg@10 recall@10 hr@10 wall_s cpu_s = /"
    done
    awk -v k="$kind" '{ for (i = 1; i <= 5; i++) s[i] += $i }
        END { printf "ml100k %s mean of 5 folds: ndcg@10 %.4f recall@10 %.4f hr@10 %.4f train wall %.1f s cpu %.1f s\n",
              k, s[1] / NR, s[2] / NR, s[3] / NR, s[4] / NR, s[5] / NR }' "$TMP/folds"
    fold "$kind" "$TMP/ml1m.train" "$TMP/ml1m.test" |
        awk -v k="$kind" '{ printf "ml1m %s: ndcg@10 %.4f recall@10 %.4f hr@10 %.4f train wall %.1f s cpu %.1f s\n", k, $1, $2, $3, $4, $5 }'
done
