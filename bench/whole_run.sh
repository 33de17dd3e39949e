#!/usr/bin/env bash
# seer train as a whole process (start to exit: reading, profiling, encoding, training, writing
# the model) against PyTorch's training loop alone (../shared/bench/torch_ctr.py --sparse,
# loading excluded), on the same Criteo-layout file, one sitting. Per batch, REPEAT runs of each
# seer variant alternated (A B A B), the median kept:
#   cold    no cache: both passes over the text
#   cached  --cache DIR after a first run wrote it: the rows read back from the cache
# and seer's own training loop (train_samples_per_s) of the cold runs. Samples/s of a whole
# run are the file's rows over the wall seconds.
#
# BASE_BIN=OTHER/seer adds that build's cold runs (alternated with the others) as base_whole/s.
#
#   bench/whole_run.sh FILE [THREADS]       (BATCHES="32 256", REPEAT=3, SEER_BIN=build/seer)
set -euo pipefail
data=$1
threads=${2:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SEER_SHARED:-$here/../shared}
seer=${SEER_BIN:-$here/build/seer}
repeat=${REPEAT:-3}
work=$(mktemp -d /tmp/seer-whole.XXXXXX)
trap 'rm -rf "$work"' EXIT
rows=$(wc -l < "$data")

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# One seer run: prints "wall_seconds loop_samples_per_s".
run_seer() {
    local bin=$1 batch=$2; shift 2
    local t0 t1
    t0=$(date +%s.%N)
    "$bin" train "$data" --format criteo --label label --model mlp --hidden 64,32 \
        --emb-dim 16 --epochs 1 --batch "$batch" --lr 0.001 --seed 1 --threads "$threads" \
        -o "$work/m.seer" "$@" 2> "$work/err"
    t1=$(date +%s.%N)
    local loop
    loop=$(sed -n 's/.* \([0-9]*\) samples\/s.*/\1/p' "$work/err" | tail -n 1)
    echo "$(echo "$t1 - $t0" | bc -l) $loop"
}

printf '%6s %12s %12s %12s %12s %12s %7s %7s %7s %10s\n' batch torch_loop/s base_whole/s \
    seer_whole/s seer_cached/s seer_loop/s r_base r_cold r_cache whole/loop
for batch in ${BATCHES:-32 256}; do
    t_rate=$(/usr/bin/python3 "$shared/bench/torch_ctr.py" --model mlp --data "$data" \
        --train-frac 0.99 --batch "$batch" --epochs 1 --emb-dim 16 --hidden 64,32 --seed 1 \
        --sparse --threads "$threads" 2>/dev/null | tail -n 1 |
        python3 -c "import json,sys; print(json.loads(sys.stdin.read())['train_samples_per_s'])")
    rm -f "$work"/seer-rows-*
    run_seer "$seer" "$batch" --cache "$work" > /dev/null   # writes the cache
    : > "$work/cold"
    : > "$work/cached"
    echo "0 0" > "$work/base"
    if [ -n "${BASE_BIN:-}" ]; then : > "$work/base"; fi
    for _ in $(seq "$repeat"); do
        run_seer "$seer" "$batch" >> "$work/cold"
        run_seer "$seer" "$batch" --cache "$work" >> "$work/cached"
        if [ -n "${BASE_BIN:-}" ]; then run_seer "$BASE_BIN" "$batch" >> "$work/base"; fi
    done
    base=$(awk '{print $1}' "$work/base" | median)
    cold=$(awk '{print $1}' "$work/cold" | median)
    cached=$(awk '{print $1}' "$work/cached" | median)
    loop=$(awk '{print $2}' "$work/cold" | median)
    python3 - "$batch" "$t_rate" "$rows" "$cold" "$cached" "$loop" "$base" <<'EOF'
import sys
b, t, n, cold, cached, loop, base = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), \
    float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
w, c, o = n / cold, n / cached, n / base if base > 0 else 0
print(f'{b:>6} {t:12.0f} {o:12.0f} {w:12.0f} {c:12.0f} {loop:12.0f} {o / t:7.2f} {w / t:7.2f} '
      f'{c / t:7.2f} {w / loop:5.2f}/{c / loop:4.2f}')
EOF
done
