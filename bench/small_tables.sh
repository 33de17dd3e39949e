#!/bin/bash
# seer's default settings on small and awkward tables, and before/after on the larger ones
# (BENCHMARKS.md, "Defaults that follow the data"). Every run is `seer train FILE ... --model M
# --seed S` with nothing else, then `seer eval` on the test rows.
#
#   bench/small_tables.sh [SEER [SEER_BEFORE]]     (defaults: build/seer, none)
#
# German credit: the five 70/30 splits of ../shared/bench/german_ref.py (which also prints
# scikit-learn's LR and XGBoost on them), mean test AUC of lr, mlp and deepfm, and mlp on split
# 1 over --seed 1..5. Give Me Some Credit: the gmsc_split.py split, mlp. Then MovieLens 100K
# (u1.base -> u1.test, label rating >= 4, columns user,item), Frappe and the Criteo sample,
# each with SEER and, when given, SEER_BEFORE (a build of the commit before).
# Needs /usr/bin/python3 with numpy, pandas, scikit-learn and xgboost for the references.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
SEER=${1:-$here/build/seer}
BEFORE=${2:-}
DATA=${SEER_DATA:-$here/../shared/data}
REF=$here/../shared/bench
W=$(mktemp -d /tmp/seer_small_tables.XXXXXX)
trap 'rm -rf "$W"' EXIT

# auc SEER TRAIN TEST [train options...]: the test AUC of a model trained with the options.
auc() {
    local s=$1 tr=$2 te=$3
    shift 3
    local fmt=()
    case "$tr" in *.libfm) fmt=(--format libfm) ;; *criteo*) fmt=(--format criteo) ;; esac
    "$s" train "$tr" "${fmt[@]}" "$@" -o "$W/m.seer" >/dev/null 2>&1 || { echo "fail"; return; }
    "$s" eval "$W/m.seer" "$te" "${fmt[@]}" --json | sed 's/.*"auc":\([0-9.]*\).*/\1/'
}

# stats: "v1 v2 ... mean M" of numbers on stdin, then "max-min D".
stats() {
    awk '{a[NR]=$1; s+=$1; if(NR==1||$1<mn)mn=$1; if(NR==1||$1>mx)mx=$1}
         END {for(i=1;i<=NR;i++) printf "%.4f ", a[i];
              printf "| mean %.4f | max-min %.4f\n", s/NR, mx-mn}'
}

echo "seer: $SEER ($(cd "$here" && git rev-parse --short HEAD)); before: ${BEFORE:-none}"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
echo
echo "## German credit (5 splits, 70/30): references"
/usr/bin/python3 "$REF/german_ref.py" "$DATA/german-credit/german.data" "$W"
for s in "$SEER" ${BEFORE:+"$BEFORE"}; do
    echo "## German credit, defaults: $s"
    for m in lr mlp deepfm; do
        printf "%-7s splits 1-5: " "$m"
        for k in 1 2 3 4 5; do
            auc "$s" "$W/german_train_$k.csv" "$W/german_test_$k.csv" --label bad --model $m \
                --seed 1
        done | stats
    done
    printf "mlp     split 1, --seed 1-5: "
    for seed in 1 2 3 4 5; do
        auc "$s" "$W/german_train_1.csv" "$W/german_test_1.csv" --label bad --model mlp \
            --seed $seed
    done | stats
done

echo
echo "## Give Me Some Credit (gmsc_split.py), mlp, --seed 1"
mkdir -p "$W/gmsc"
/usr/bin/python3 "$REF/gmsc_split.py" "$DATA/give-me-some-credit/cs-training.csv" "$W/gmsc"
for s in "$SEER" ${BEFORE:+"$BEFORE"}; do
    printf "%s: " "$s"
    auc "$s" "$W/gmsc/train.csv" "$W/gmsc/test.csv" --label SeriousDlqin2yrs --model mlp --seed 1
done

echo
echo "## Larger tables, --seed 1: test AUC (after | before)"
for p in u1.base u1.test; do
    { echo "user,item,label"; awk '{print $1 "," $2 "," ($3 >= 4)}' "$DATA/movielens-100k/$p"; } \
        > "$W/ml_$p.csv"
done
run_pair() {  # name model train test [options...]
    local name=$1 m=$2 tr=$3 te=$4
    shift 4
    local a b=""
    a=$(auc "$SEER" "$tr" "$te" --model "$m" --seed 1 "$@")
    [ -n "$BEFORE" ] && b=$(auc "$BEFORE" "$tr" "$te" --model "$m" --seed 1 "$@")
    printf "%-22s %-7s %s | %s\n" "$name" "$m" "$a" "${b:-}"
}
for m in lr mlp deepfm; do
    run_pair "MovieLens 100K u1" $m "$W/ml_u1.base.csv" "$W/ml_u1.test.csv" --label label
done
for m in lr mlp deepfm; do
    run_pair "Criteo sample" $m "$DATA/criteo-sample/criteo_train.txt" \
        "$DATA/criteo-sample/criteo_test.txt"
done
for m in lr deepfm; do
    run_pair "Frappe" $m "$DATA/frappe/frappe.validation.libfm" "$DATA/frappe/frappe.test.libfm"
done
