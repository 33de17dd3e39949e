#!/bin/sh
# Load benchmark of seer serve on loopback, bounded in time. Prints a table.
#   bench/serve_load.sh [BUILD_DIR] [SOAK_SECONDS]
# BUILD_DIR (default build) holds seer and bench_serve. Trains a deepfm model on the
# Criteo sample ($SEER_DATA, default ../shared/data), then measures with bench/bench_serve.c:
#   1. p99 latency at a fixed 5,000 single-row predicts/s (open loop, 16 connections),
#      three runs of 20 s (this machine's stalls of a few ms move a p99 from run to run)
#   2. the most single-row predicts/s (closed loop, 8 connections), with p50/p99
#   3. batch predict throughput, 256 rows a request (closed loop, 4 connections)
#   4. server RSS before and after 1,000,000 single-row predicts
#   5. a soak: SOAK_SECONDS (default 120) of open-loop predicts at 2,000/s with 10% of
#      requests POSTing 10 events each to /v1/events (online learning on), non-2xx counted;
#      RSS from after a 30 s warm-up of the same traffic to the end
#   6. events over HTTP: a closed loop of POST /v1/events (10 events each, 8 connections)
#   7. single-row predicts at 2,000/s while 4 connections post events in a closed loop
# The client runs its connections on one event-loop thread (bench_serve --threads 1).
# "stalls" counts the client's probe thread's wake-ups more than 1 ms late (5 ms
# period), "stall us" the worst: stalls of the machine itself, in the same run.
# Client and server share this machine's cores: read the figures with the load line.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
soak=${2:-120}
data=${SEER_DATA:-../shared/data}/criteo-sample
seer=$build/seer
client=$build/bench_serve
tmp=$(mktemp -d /tmp/seer_serve_load.XXXXXX)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Criteo TSV rows as JSON objects: integers as numbers, categoricals as strings, empty
# fields left out; with_label adds "label".
rows_json() {  # file first_row count with_label
    awk -F '\t' -v first="$2" -v count="$3" -v with_label="$4" '
    NR >= first && NR < first + count {
        s = "{"; sep = ""
        if (with_label) { s = s "\"label\":" $1; sep = "," }
        for (j = 2; j <= 14; j++) if ($j != "") { s = s sep "\"I" (j - 1) "\":" $j; sep = "," }
        for (j = 15; j <= 40; j++)
            if ($j != "") { s = s sep "\"C" (j - 14) "\":\"" $j "\""; sep = "," }
        print s "}"
    }' "$1" | paste -sd, -
}

echo "# training deepfm on $data/criteo_train.txt" >&2
"$seer" train "$data/criteo_train.txt" --format criteo --model deepfm -o "$tmp/deepfm.seer" \
    >/dev/null 2>"$tmp/train.err" || { cat "$tmp/train.err" >&2; exit 1; }
printf '{"rows":[%s]}' "$(rows_json "$data/criteo_test.txt" 1 1 0)" > "$tmp/one.json"
printf '{"rows":[%s]}' "$(rows_json "$data/criteo_test.txt" 1 256 0)" > "$tmp/b256.json"
printf '{"events":[%s]}' "$(rows_json "$data/criteo_test.txt" 300 10 1)" > "$tmp/events.json"

start() {  # extra seer serve arguments
    "$seer" serve "$tmp/deepfm.seer" --port 0 "$@" 2>"$tmp/serve.err" &
    server=$!
    for _ in $(seq 100); do
        grep -q 'listening on' "$tmp/serve.err" 2>/dev/null && break
        sleep 0.1
    done
    port=$(sed -n 's/.*listening on http:\/\/[^ ]*:\([0-9]*\) .*/\1/p' "$tmp/serve.err")
    [ -n "$port" ] || { cat "$tmp/serve.err" >&2; exit 1; }
}
stop() {
    kill "$server"
    wait "$server" || true
    server=
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
run() {  # label, bench_serve arguments...
    label=$1
    shift
    echo "# $client --port $port $*" >&2
    line=$("$client" --port "$port" --label "$label" "$@") || true
    echo "$line" >&2
    echo "$line"
}

loadavg() { uptime | sed 's/.*load average: //'; }
echo "commit $(git rev-parse --short HEAD) $(date -u +%FT%TZ); load: $(loadavg)"
start --read-only
run warmup --body "$tmp/one.json" --max --connections 4 --duration 2 >/dev/null
r1=$(run fixed5000 --body "$tmp/one.json" --rate 5000 --connections 16 --duration 20)
r1b=$(run fixed5000 --body "$tmp/one.json" --rate 5000 --connections 16 --duration 20)
r1c=$(run fixed5000 --body "$tmp/one.json" --rate 5000 --connections 16 --duration 20)
r2=$(run max --body "$tmp/one.json" --max --connections 8 --duration 20)
r3=$(run batch256 --body "$tmp/b256.json" --max --connections 4 --duration 15)
rss0=$(rss_kb)
r4=$(run million --body "$tmp/one.json" --max --connections 8 --requests 1000000)
rss1=$(rss_kb)
stop
load1=$(loadavg)

start --wal "$tmp/wal" --allow-unauthenticated-writes
# The learner's first copies and the pool threads' views settle in the first seconds:
# the growth is measured from after 30 s of the same traffic.
run warmup --body "$tmp/one.json" --rate 2000 --connections 4 --duration 30 \
    --events-body "$tmp/events.json" --events-share 0.1 >/dev/null
rss2=$(rss_kb)
r5=$(run soak --body "$tmp/one.json" --rate 2000 --connections 4 --duration "$soak" \
    --events-body "$tmp/events.json" --events-share 0.1)
rss3=$(rss_kb)
logged=$(curl -s "http://127.0.0.1:$port/v1/model" 2>/dev/null |
    sed -n 's/.*"events_logged":\([0-9]*\).*/\1/p' || true)
r6=$(run events --path /v1/events --body "$tmp/events.json" --max --connections 8 --duration 15)
echo "# $client ... --path /v1/events --max --connections 4 (in the background)" >&2
"$client" --port "$port" --path /v1/events --body "$tmp/events.json" --max --connections 4 \
    --duration 17 >/dev/null &
background=$!
r7=$(run beside_events --body "$tmp/one.json" --rate 2000 --connections 4 --duration 15)
wait "$background" || true
stop

printf '\n%-44s %10s %9s %9s %9s %8s %7s %9s\n' "case" "req/s" "p50 us" "p99 us" "p99.9 us" \
    "non-2xx" "stalls" "stall us"
for r in "$r1" "$r1b" "$r1c" "$r2" "$r3" "$r4" "$r5" "$r6" "$r7"; do
    printf '%-44s %10s %9s %9s %9s %8s %7s %9s\n' \
        "$(echo "$r" | awk '{print $3}') $(field "$r" mode) $(field "$r" conns)c $(field "$r" threads)t rate=$(field "$r" rate)" \
        "$(field "$r" rps)" "$(field "$r" p50_us)" "$(field "$r" p99_us)" "$(field "$r" p999_us)" \
        "$(( $(field "$r" non2xx) + $(field "$r" failed) ))" "$(field "$r" stalls_over_1ms)" \
        "$(field "$r" stall_max_us)"
done
echo "events: $(awk -v r="$(field "$r6" rps)" 'BEGIN {printf "%.0f", r * 10}') events/s acknowledged (10 a request)"
echo "batch 256 rows: $(awk -v r="$(field "$r3" rps)" 'BEGIN {printf "%.0f", r * 256}') rows/s"
echo "RSS before/after 1,000,000 requests: ${rss0} kB / ${rss1} kB"
echo "soak ${soak}s: RSS start/end ${rss2} kB / ${rss3} kB; events logged ${logged:-?}"
echo "load after predict runs: $load1; at end: $(loadavg)"
