#!/bin/sh
# Serving at the limit: the figures of issue 12, section 5, in one sitting. Prints a table.
#   bench/serve_peak.sh [BUILD_DIR] [SECONDS] [RUNS]
# Trains deepfm on the Criteo sample ($SEER_DATA, default ../shared/data) as
# bench/serve_load.sh does, starts seer serve on loopback, and measures, RUNS times each
# (default 3) for SECONDS each (default 10), with the load client on the same machine:
#   low     single-row predicts at 200/s, open loop (bench_serve): p50 of a lone request
#   fixed   single-row predicts at 5,000/s, open loop, 16 connections (bench_serve): p99
#   max     single-row predicts, closed loop, 8 connections (bench_serve): the most req/s
#   wrk     single-row predicts, Debian's wrk, one thread, 8 connections (bench/serve_wrk.lua)
#   batch   256-row predicts, closed loop, 4 connections (bench_serve): rows/s
# "cpu us/r" is the server's CPU time (user + system, /proc) a request in the case: what it
# would sustain on a core of its own, whatever else runs on the machine.
# SEER_SERVE_ARGS adds options to seer serve; SEER_PERF=FILE records perf (call graphs)
# of the server during the wrk runs into FILE; SEER_CASES (default "low fixed max wrk batch")
# picks the cases.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
secs=${2:-10}
runs=${3:-3}
data=${SEER_DATA:-../shared/data}/criteo-sample
seer=$build/seer
client=$build/bench_serve
tmp=$(mktemp -d /tmp/seer_serve_peak.XXXXXX)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
if ! command -v wrk >/dev/null; then
    echo "wrk is missing: SEER_WITH_BENCH=1 scripts/install-deps" >&2
    exit 1
fi

rows_json() {  # file first_row count: Criteo TSV rows as JSON objects, as serve_load.sh
    awk -F '\t' -v first="$2" -v count="$3" '
    NR >= first && NR < first + count {
        s = "{"; sep = ""
        for (j = 2; j <= 14; j++) if ($j != "") { s = s sep "\"I" (j - 1) "\":" $j; sep = "," }
        for (j = 15; j <= 40; j++)
            if ($j != "") { s = s sep "\"C" (j - 14) "\":\"" $j "\""; sep = "," }
        print s "}"
    }' "$1" | paste -sd, -
}

"$seer" train "$data/criteo_train.txt" --format criteo --model deepfm -o "$tmp/deepfm.seer" \
    >/dev/null 2>"$tmp/train.err" || { cat "$tmp/train.err" >&2; exit 1; }
printf '{"rows":[%s]}' "$(rows_json "$data/criteo_test.txt" 1 1)" > "$tmp/one.json"
printf '{"rows":[%s]}' "$(rows_json "$data/criteo_test.txt" 1 256)" > "$tmp/b256.json"

# shellcheck disable=SC2086
"$seer" serve "$tmp/deepfm.seer" --port 0 --read-only ${SEER_SERVE_ARGS:-} 2>"$tmp/serve.err" &
server=$!
for _ in $(seq 100); do
    grep -q 'listening on' "$tmp/serve.err" 2>/dev/null && break
    sleep 0.1
done
port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\) .*/\1/p' "$tmp/serve.err")
[ -n "$port" ] || { cat "$tmp/serve.err" >&2; exit 1; }

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# The server's CPU time so far (user + system), in clock ticks.
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
hz=$(getconf CLK_TCK)
row() {  # case, a result line (with cpu_ticks= the server's ticks during it)
    n=$(field "$2" requests)
    [ -n "$n" ] || n=$(awk -v r="$(field "$2" rps)" -v s="$secs" 'BEGIN {printf "%.0f", r * s}')
    printf '%-8s %9s %9s %9s %8s %7s %9s\n' "$1" "$(field "$2" rps)" "$(field "$2" p50_us)" \
        "$(field "$2" p99_us)" "$(( $(field "$2" non2xx) + $(field "$2" failed) ))" \
        "$(field "$2" stalls_over_1ms)" \
        "$(awk -v t="$(field "$2" cpu_ticks)" -v hz="$hz" -v n="$n" \
            'BEGIN {printf "%.0f", n ? t * 1e6 / hz / n : 0}')"
}
bench() {
    t0=$(ticks)
    r=$("$client" --port "$port" "$@" || true)
    echo "$r cpu_ticks=$(( $(ticks) - t0 ))"
}
wrk_run() {
    if [ -n "${SEER_PERF:-}" ]; then
        perf record -q -g -p "$server" -o "$SEER_PERF" -- sleep "$secs" 2>/dev/null &
    fi
    t0=$(ticks)
    r=$(SEER_BODY="$tmp/one.json" wrk -t1 -c8 -d"${secs}s" -s bench/serve_wrk.lua \
        "http://127.0.0.1:$port/v1/predict" | sed -n 's/^wrk_summary //p' |
        sed 's/errors=/failed=/')
    [ -z "${SEER_PERF:-}" ] || wait
    echo "$r cpu_ticks=$(( $(ticks) - t0 ))"
}

commit=$(git rev-parse --short HEAD 2>/dev/null || echo "${SEER_COMMIT:-?}")
echo "commit $commit $(date -u +%FT%TZ);" \
    "serve args: ${SEER_SERVE_ARGS:-none}; load: $(uptime | sed 's/.*average: //')"
echo "cpu: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) vCPUs"
bench --body "$tmp/one.json" --max --connections 4 --duration 2 >/dev/null
printf '%-8s %9s %9s %9s %8s %7s %9s\n' case req/s "p50 us" "p99 us" non-2xx stalls "cpu us/r"
has() { case " ${SEER_CASES:-low fixed max wrk batch} " in *" $1 "*) return 0 ;; esac; return 1; }
has low && for _ in $(seq "$runs"); do
    row low "$(bench --body "$tmp/one.json" --rate 200 --connections 4 --duration "$secs")"
done
has fixed && for _ in $(seq "$runs"); do
    row fixed "$(bench --body "$tmp/one.json" --rate 5000 --connections 16 --duration "$secs")"
done
has max && for _ in $(seq "$runs"); do
    row max "$(bench --body "$tmp/one.json" --max --connections 8 --duration "$secs")"
done
has wrk && for _ in $(seq "$runs"); do row wrk "$(wrk_run) stalls_over_1ms=-"; done
has batch && for _ in $(seq "$runs"); do
    r=$(bench --body "$tmp/b256.json" --max --connections 4 --duration "$secs")
    row batch "$r"
    rows=$(awk -v r="$(field "$r" rps)" 'BEGIN {printf "%.0f", r * 256}')
    echo "         batch 256: $rows rows/s"
done
echo "load at end: $(uptime | sed 's/.*average: //')"
