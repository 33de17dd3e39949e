#!/usr/bin/env bash
# Accuracy of the CTR models against the PyTorch reference, seeds 1, 2, 3:
# seer with its default settings (`seer train DATA --model M --seed S`) against
# ../shared/bench/torch_ctr.py with the published configuration (embedding 10
# on Frappe and 16 on Criteo, MLP 400x3, dropout 0.2, batch 1024, 20% of the
# training file held out for early stopping on AUC, patience 3, --sparse).
#
#   bench/parity_ctr.sh            Frappe and the Criteo sample
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SEER_SHARED:-$here/../shared}
data=${SEER_DATA:-$shared/data}
dir=${SEER_BENCH_DIR:-/tmp/seer-bench}
seer=${SEER_BIN:-$here/build/seer}
mkdir -p "$dir"
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
mean() { python3 -c "import sys; v=[float(x) for x in sys.argv[1:]]; print(f'{sum(v)/len(v):.5f}')" "$@"; }

run_dataset() {  # name format train test emb
    local name=$1 format=$2 train=$3 test=$4 emb=$5
    for model in lr fm deepfm dcnv2; do
        local s_aucs=() t_aucs=()
        for seed in 1 2 3; do
            "$seer" train "$train" --format "$format" --model "$model" --seed "$seed" \
                -o "$dir/pc.seer" >/dev/null 2>&1
            s_aucs+=("$("$seer" eval "$dir/pc.seer" "$test" --format "$format" --json | field auc)")
            if [ "$model" = deepfm ] || [ "$model" = dcnv2 ]; then
                t_aucs+=("$(/usr/bin/python3 "$shared/bench/torch_ctr.py" --model "$model" \
                    --format "$format" --data "$train" --test-data "$test" --emb-dim "$emb" \
                    --hidden 400,400,400 --dropout 0.2 --batch 1024 --valid-frac 0.2 \
                    --epochs 50 --early-stop-patience 3 --seed "$seed" --sparse --threads 1 \
                    2>/dev/null | field test_auc)")
            fi
        done
        local line="$name $model seer ${s_aucs[*]} mean $(mean "${s_aucs[@]}")"
        if [ ${#t_aucs[@]} -gt 0 ]; then
            line="$line | torch ${t_aucs[*]} mean $(mean "${t_aucs[@]}")"
        fi
        echo "$line"
    done
}

run_dataset frappe libfm "$data/frappe/frappe.validation.libfm" "$data/frappe/frappe.test.libfm" 10
run_dataset criteo criteo "$data/criteo-sample/criteo_train.txt" \
    "$data/criteo-sample/criteo_test.txt" 16
