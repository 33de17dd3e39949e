#!/usr/bin/env bash
# Accuracy parity with the PyTorch reference (../shared/bench/torch_ctr.py,
# --sparse), same architecture and settings, seeds 1, 2, 3; prints each run
# and the means.
#
#   bench/parity.sh
#
# (a) the Criteo sample: train criteo_train.txt, test criteo_test.txt, mlp
#     64-32, embeddings 16, batch 32, 5 epochs, lr 0.001;
# (b) 200,000 rows of gen_criteo_like.py --seed 7: first 90% train, last 10%
#     test, batch 256, one epoch.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SEER_SHARED:-$here/../shared}
data=${SEER_DATA:-$shared/data}
dir=${SEER_BENCH_DIR:-/tmp/seer-bench}
seer=${SEER_BIN:-$here/build/seer}
mkdir -p "$dir"
synth=$dir/criteo_like_200k_seed7.tsv
if [ ! -s "$synth" ]; then
    /usr/bin/python3 "$shared/bench/gen_criteo_like.py" --rows 200000 --seed 7 --out "$synth" >&2
fi
head -n 180000 "$synth" > "$dir/p_train.tsv"
tail -n 20000 "$synth" > "$dir/p_test.tsv"
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

run_case() {  # name train test batch epochs torch-data-args...
    local name=$1 train=$2 test=$3 batch=$4 epochs=$5
    shift 5
    local s_sum=0 t_sum=0
    for seed in 1 2 3; do
        "$seer" train "$train" --format criteo --label label --model mlp --hidden 64,32 \
            --emb-dim 16 --epochs "$epochs" --batch "$batch" --lr 0.001 --seed "$seed" \
            --threads 1 -o "$dir/p.seer" 2>/dev/null >/dev/null
        s=$("$seer" eval "$dir/p.seer" "$test" --format criteo --json | field auc)
        t=$(/usr/bin/python3 "$shared/bench/torch_ctr.py" --model mlp "$@" --batch "$batch" \
            --epochs "$epochs" --emb-dim 16 --hidden 64,32 --lr 0.001 --seed "$seed" --sparse \
            --threads 1 2>/dev/null | field test_auc)
        printf '%-8s seed %d  seer auc %.5f  torch auc %.5f\n' "$name" "$seed" "$s" "$t"
        s_sum=$(python3 -c "print($s_sum + $s)")
        t_sum=$(python3 -c "print($t_sum + $t)")
    done
    python3 -c "s=$s_sum/3; t=$t_sum/3; print(f'$name mean  seer auc {s:.5f}  torch auc {t:.5f}  difference {s - t:+.5f}')"
}

run_case criteo "$data/criteo-sample/criteo_train.txt" "$data/criteo-sample/criteo_test.txt" 32 5 \
    --data "$data/criteo-sample/criteo_train.txt" --test-data "$data/criteo-sample/criteo_test.txt"
run_case synth200k "$dir/p_train.tsv" "$dir/p_test.tsv" 256 1 --data "$synth" --train-frac 0.9
