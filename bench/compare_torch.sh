#!/usr/bin/env bash
# Trains seer and the PyTorch reference (../shared/bench/torch_ctr.py, lazy
# Adam with --sparse: its fastest configuration) on the same Criteo-layout
# file with the same model and settings, one after the other in one run, and
# prints training samples per second, test AUC and the ratio, one line each.
#
#   bench/compare_torch.sh [ROWS] [THREADS]      (default 1000000 rows, 1 thread)
#   CASES="deepfm:1024:400,400,400 dcnv2:1024:400,400,400" bench/compare_torch.sh
#
# CASES lists model:batch:hidden[:precision] cases (default: mlp and lr at
# batches 32 and 256 with hidden 64,32, fp32). The reference always runs fp32.
# The file comes from ../shared/bench/gen_criteo_like.py --seed 1 and is kept
# in $SEER_BENCH_DIR (default /tmp/seer-bench). Both train on the first 90% of
# rows and are tested on the last 10%. seer runs with --buckets 0 so that both
# see the same inputs (26 embeddings + 13 dense values; seer adds the missing
# flags). Needs python3-torch (SEER_WITH_TORCH=1 scripts/install-deps).
set -euo pipefail
rows=${1:-1000000}
threads=${2:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SEER_SHARED:-$here/../shared}
dir=${SEER_BENCH_DIR:-/tmp/seer-bench}
seer=${SEER_BIN:-$here/build/seer}
mkdir -p "$dir"
data=$dir/criteo_like_${rows}.tsv
if [ ! -s "$data" ]; then
    /usr/bin/python3 "$shared/bench/gen_criteo_like.py" --rows "$rows" --seed 1 --out "$data" >&2
fi
ntrain=$((rows * 9 / 10))
head -n "$ntrain" "$data" > "$dir/train.tsv"
tail -n +"$((ntrain + 1))" "$data" > "$dir/test.tsv"

field() { python3 -c "import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }

printf '%-6s %6s %5s %14s %14s %8s %10s %10s %10s\n' model batch prec seer_samples/s \
    torch_samples/s ratio seer_auc torch_auc seer_rss_MB
declare -A ran
cases=${CASES:-mlp:32:64,32 mlp:256:64,32 lr:32:64,32 lr:256:64,32}
for cfg in $cases; do
    IFS=: read -r model batch hidden precision <<< "$cfg"
    precision=${precision:-fp32}
    log=$dir/seer_${model}_${batch}.json
    "$seer" train "$dir/train.tsv" --format criteo \
        --model "$model" --hidden "$hidden" --emb-dim 16 --epochs 1 --batch "$batch" --lr 0.001 \
        --seed 1 --threads "$threads" --buckets 0 --precision "$precision" -o "$dir/m.seer" \
        --json 2>/dev/null > "$log"
    s_rate=$(field train_samples_per_s < "$log")
    s_auc=$("$seer" eval "$dir/m.seer" "$dir/test.tsv" --json | field auc)
    rss=$(field peak_rss_mb < "$log")
    tlog=$dir/torch_${model}_${batch}_${hidden//,/-}.json
    # The reference runs once per model, batch and widths (it has no bf16 mode).
    if [ -z "${ran[$tlog]:-}" ]; then
        ran[$tlog]=1
        /usr/bin/python3 "$shared/bench/torch_ctr.py" --model "$model" --data "$data" \
            --train-frac 0.9 --batch "$batch" --epochs 1 --emb-dim 16 --hidden "$hidden" \
            --seed 1 --sparse --threads "$threads" --cache-dir "$dir/cache" 2>/dev/null |
            tail -n 1 > "$tlog"
    fi
    t_rate=$(field train_samples_per_s < "$tlog")
    t_auc=$(field test_auc < "$tlog")
    ratio=$(python3 -c "print(f'{$s_rate / $t_rate:.2f}')")
    printf '%-6s %6s %5s %14.0f %14.0f %8s %10.4f %10.4f %10s\n' "$model" "$batch" "$precision" \
        "$s_rate" "$t_rate" "$ratio" "$s_auc" "$t_auc" "$rss"
done
