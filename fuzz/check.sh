#!/bin/sh
# The fuzzers as a test (CTest's "fuzz", so `make test` and CI run it): builds every target with
# fuzz/build.sh and runs each for $FUZZ_SECONDS (default 20) over a fresh copy of its seeds,
# fuzz/seeds-<name>/ for fuzz/fuzz_<name>.c, and of fuzz/regress/. Fails when a target does not
# build, has no seeds, or finds a crash, leak or timeout (the input is left beside its log in
# $FUZZ_OUT, default build-fuzz/).
#   fuzz/check.sh               every fuzz/fuzz_*.c
#   fuzz/check.sh fuzz_table    just the ones named
# A target is rebuilt only when a source under src/, include/ or fuzz/ is newer than it, so a
# second run (CI runs the suite twice) costs only the fuzzing. Targets and their sources are
# listed once, in fuzz/build.sh.
set -eu
cd "$(dirname "$0")/.."
out=${FUZZ_OUT:-build-fuzz}
seconds=${FUZZ_SECONDS:-20}
export FUZZ_OUT="$out"
if [ $# -eq 0 ]; then
    set -- $(for f in fuzz/fuzz_*.c; do basename "$f" .c; done)
fi
failed=""
for name in "$@"; do
    seeds="fuzz/seeds-${name#fuzz_}"
    if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
        echo "fuzz/check.sh: $name has no seeds: add a few small inputs to $seeds/" >&2
        failed="$failed $name"
        continue
    fi
    if [ ! -x "$out/$name" ] || [ -n "$(find src include fuzz -newer "$out/$name" \
            \( -name '*.[ch]' -o -name build.sh \) | head -1)" ]; then
        if ! fuzz/build.sh "$name"; then
            echo "fuzz/check.sh: $name does not build" >&2
            failed="$failed $name"
            continue
        fi
    fi
    corpus="$out/corpus-${name#fuzz_}"
    rm -rf "$corpus"
    mkdir -p "$corpus"
    cp "$seeds"/* fuzz/regress/* "$corpus"/
    log="$out/$name.log"
    echo "running $name for ${seconds}s over $seeds and fuzz/regress"
    # -timeout: an input that takes 10 s is a hang, reported as a failure like a crash.
    if "$out/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$out/$name-" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
        grep -E '^stat::number_of_executed_units' "$log" || true
    else
        tail -n 40 "$log" >&2
        echo "fuzz/check.sh: $name failed; its log is $log, the input $out/$name-*" >&2
        failed="$failed $name"
    fi
done
if [ -n "$failed" ]; then
    echo "fuzz/check.sh: failed:$failed" >&2
    exit 1
fi
