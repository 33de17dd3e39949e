#!/bin/sh
# Writes the compatibility fixture that tests/test_compat.c checks: small model files of every
# kind and option that changes a model file, written by one seer build, and that build's scores
# for a fixed scoring file, kept as the exact bits of each float. A later build must load the
# same files and score the same rows to the last bit.
#
#   tests/compat_make.sh BUILD/seer [DEBUG_BUILD/seer]
#
# BUILD is the Release build directory of the seer to freeze (its libseer.a, and the source
# directory its CMakeCache.txt names, compile a small scorer that prints the bits: `seer
# predict` prints only 7 digits). DEBUG_BUILD, a Debug build (-O0, as the sanitizer builds are)
# of the same source, adds what it computes where that differs: without optimisation the
# compiler fuses no multiply-adds, so some sums differ in the last bit. Run it from anywhere;
# it writes tests/compat/ of the tree it lives in, with paths relative to that tree's root, as
# the tests run there. The data are synthetic, from a
# fixed generator below (integer arithmetic only, so any awk writes the same bytes).
#
# Regenerating replaces the reference: do it only on purpose, with the build whose behaviour is
# the one to keep, and say which commit it was in the commit message.
set -eu

[ $# -eq 1 ] || [ $# -eq 2 ] || { echo "usage: $0 BUILD/seer [DEBUG_BUILD/seer]" >&2; exit 1; }
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
seer=$(abs "$1")
debug_seer=
if [ $# -eq 2 ]; then debug_seer=$(abs "$2"); fi
for b in "$seer" $debug_seer; do
    if [ ! -x "$b" ] || [ ! -f "$(dirname "$b")/libseer.a" ]; then
        echo "$0: no seer and libseer.a in $(dirname "$b")" >&2
        exit 1
    fi
done
cd "$(dirname "$0")/.."
out=tests/compat
mkdir -p "$out"
work=$(mktemp -d /tmp/seer_compat_make.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A Lehmer generator (48271, 2^31 - 1): every product is exact in a double.
gen_csv() {  # seed rows
    awk -v seed="$1" -v n="$2" '
    function u() { s = (s * 48271) % 2147483647; return s / 2147483647 }
    function pick(k) { return int(u() * k) }
    BEGIN {
        s = seed
        split("paris lyon nice lille brest metz dijon tours caen pau rodez albi", city, " ")
        split("mobile desktop tablet", dev, " ")
        split("sale new gift eco kids home sport tech", tag, " ")
        print "id,y,age,income,score,city,device,tags,vec"
        for (i = 0; i < n; i++) {
            age = u() < 0.05 ? "" : 18 + pick(63)
            income = int(1000 / (u() + 0.001))
            sc = u() < 0.03 ? "" : sprintf("%.3f", u() + u() + u() - 1.5)
            r = u()
            # Skewed cities; "albi" is rare (below --min-count 5) in 4,000 rows.
            k = 1 + int(11 * (r - 0.04) * (r - 0.04) / 0.92)
            c = r < 0.04 ? "" : r < 0.9995 ? city[k] : city[12]
            d = dev[1 + pick(3)]
            t = ""
            if (u() >= 0.1) {
                k = 1 + pick(3)
                for (j = 0; j < k; j++) t = t (j ? "|" : "") tag[1 + pick(8)]
            }
            v = u() < 0.03 ? "" : sprintf("%.2f;%.2f", u() * 2 - 1, u() * 4)
            p = 0.15 + (c == "paris" || c == "lyon" || c == "nice" ? 0.3 : 0) \
                + (sc != "" && sc + 0 > 0 ? 0.25 : 0) + (d == "mobile" ? 0.2 : 0) \
                + (index(t, "sale") ? 0.1 : 0)
            printf "r%d,%d,%s,%d,%s,%s,%s,%s,%s\n", i, u() < p, age, income, sc, c, d, t, v
        }
    }'
}

# The Criteo layout: label, 13 counts, 26 hashed categories (8 hex digits), tabs, no header.
gen_criteo() {  # seed rows
    awk -v seed="$1" -v n="$2" '
    function u() { s = (s * 48271) % 2147483647; return s / 2147483647 }
    function pick(k) { return int(u() * k) }
    BEGIN {
        s = seed
        for (i = 0; i < n; i++) {
            line = ""
            hot = 0
            for (f = 1; f <= 13; f++) {
                x = u() < 0.15 ? "" : int(1 / (u() + 0.02)) - 1
                if (f == 1 && x != "" && x > 5) hot = 1
                line = line "\t" x
            }
            for (f = 1; f <= 26; f++) {
                r = u()
                # A few tokens per field, skewed, so most pass --min-count.
                h = (f * 2654435761 + int(8 * r * r) * 40503) % 2147483647
                x = r < 0.1 ? "" : sprintf("%08x", h)
                if (f == 3 && x != "" && r < 0.3) hot = hot + 1
                line = line "\t" x
            }
            printf "%d%s\n", u() < 0.2 + 0.3 * hot, line
        }
    }'
}

gen_csv 12345 4000 > "$out/train.csv"
gen_criteo 777 400 > "$out/criteo_train.txt"
gen_criteo 4242 50 > "$out/criteo_score.txt"
# The scoring file: 34 ordinary rows, then one odd value (or several) per row.
{
    gen_csv 999 34
    cat <<'EOF'
o1,0,,1200,0.5,paris,mobile,sale,0.1;1.0
o2,1,1e300,1200,0.5,paris,mobile,sale,0.1;1.0
o3,0,-1.7e308,1e308,-1e10,lyon,desktop,new|gift,-0.5;2
o4,1,45,0,0,atlantis,mobile,gift,0;0
o5,0,45,1200,0.25,,fridge,,
o6,1,,,,,,,
o7,0,30,5e-324,1e-300,albi,tablet,zzz|yyy,0.3;0.3
o8,1,30,1200,0.1,nice,mobile,sale|new|gift|eco|kids|home|sport|tech|sale|new,0.3;0.3
o9,0,30,1200,0.1,nice,mobile,sale|sale|sale|sale,1e300;-1e300
o10,1,99999,1.79e308,-1.79e308,metz,tablet,eco||,-0;-0
o11,0,0,-5,100,brest,desktop,|,0.5;0.5
o12,1,18,-1e20,3.5,"pau",mobile,"kids|home",1;1
o13,0,40,1200,0.0001,tours,desktop,tech,2;-3
o14,1,40,1200,,caen,tablet,sport|sport,
o15,0,17.5,250.75,-2,dijon,mobile,home,0.7;3.9
o16,1,-0,1e-5,1.5e2,lille,mobile,new,-1;0
EOF
} > "$out/score.csv"

# A scorer that prints each score's bits as `seer predict` computes them (the model's own
# format, batches of 1024 rows), and a checkpoint's state. Built against BUILD's library.
cat > "$work/bits.c" <<'EOF'
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/model.h"
#include "train/train.h"

static int print_bits(void *ctx, const float *p, const float *y, size_t n) {
    (void)ctx;
    (void)y;
    for (size_t i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, &p[i], sizeof b);
        printf("%08" PRIx32 " %.9g\n", b, (double)p[i]);
    }
    return SEER_OK;
}

static int scores(const char *model, const char *data) {
    seer_model *m;
    int rc = seer_model_load(&m, model, 1024);
    if (rc != SEER_OK) return rc;
    seer_table_options topt = {m->tf.format, 0};
    seer_table *tab = NULL;
    size_t skipped = 0;
    rc = seer_table_open(&tab, data, &topt);
    if (rc == SEER_OK) rc = seer_predict_table(m, tab, 0, 0, &skipped, print_bits, NULL);
    if (tab) seer_table_close(tab);
    seer_model_free(m);
    return rc;
}

static int state(const char *path) {
    seer_model *m;
    seer_checkpoint_state st;
    float *bp = NULL, *be = NULL, *bw = NULL;
    int rc = seer_checkpoint_read(&m, path, 1024, &st, &bp, &be, &bw);
    if (rc != SEER_OK) return rc;
    printf("step %ld\nepoch %zu\nbatch %zu\n", st.step, st.epoch, st.batch);
    for (int i = 0; i < 4; i++) printf("rng%d %016" PRIx64 "\n", i, st.rng[i]);
    printf("loss_sum %a\nepochs_run %zu\nbest_score %a\nbest_epoch %zu\nsince_best %zu\n",
           st.loss_sum, st.epochs_run, st.best_score, st.best_epoch, st.since_best);
    printf("best_auc %a\nbest_logloss %a\nbest_accuracy %a\nbest_positive_rate %a\n",
           st.best_auc, st.best_logloss, st.best_accuracy, st.best_positive_rate);
    printf("best_rows %zu\nbatch_size %zu\nseed %" PRIu64 "\n", st.best_rows, st.batch_size,
           st.seed);
    printf("online_seq %" PRIu64 "\nonline_applied %" PRIu64 "\n", st.online_seq,
           st.online_applied);
    printf("best_params %s\nbest_emb %s\nbest_wide %s\n", bp ? "yes" : "no", be ? "yes" : "no",
           bw ? "yes" : "no");
    printf("settings\n%s", st.settings);
    free(bp);
    free(be);
    free(bw);
    seer_model_free(m);
    return SEER_OK;
}

int main(int argc, char **argv) {
    int rc = argc == 3 ? scores(argv[1], argv[2]) : argc == 2 ? state(argv[1]) : SEER_EINVAL;
    if (rc != SEER_OK) fprintf(stderr, "bits: %s\n", seer_error_message());
    return rc != SEER_OK;
}
EOF
# bits_build SEER OUT: compiles bits.c into OUT as SEER's build links the seer command.
bits_build() {
    build=$(dirname "$1")
    src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
    [ -f "$src/src/io/model.h" ] || { echo "$0: no seer source at '$src'" >&2; exit 1; }
    link=$build/CMakeFiles/seer_cli.dir/link.txt
    flags=$(sed -n 's/^[^ ]* \(.*\) CMakeFiles.*/\1/p' "$link")
    libs=$(sed 's/.* -o seer //' "$link")
    # shellcheck disable=SC2086
    (cd "$build" && cc -std=c11 $flags -I"$src/src" -I"$src/include" "$work/bits.c" \
        -o "$2" $libs)
}
bits_build "$seer" "$work/bits"
[ -z "$debug_seer" ] || bits_build "$debug_seer" "$work/bits-debug"

common="--emb-dim 4 --batch 64 --lr 0.01 --threads 1 --seed 7"
plain="--ignore tags,vec"
deep="--hidden 8,4"
# name|training options. Every model scores tests/compat/score.csv, except the criteo_* ones.
models="
lr|--model lr $plain
mlp|--model mlp $deep --buckets 2 $plain
fm|--model fm $plain
wdl|--model wdl $deep $plain
deepfm|--model deepfm $deep --buckets 2 $plain
dcnv2|--model dcnv2 $deep --cross-layers 2 $plain
dcnv2_stacked|--model dcnv2 $deep --cross-layers 2 --dcn-structure stacked $plain
finalmlp|--model finalmlp $deep --hidden2 8 --heads 2 --gate-hidden 4 $plain
mlp_bf16|--model mlp $deep --precision bf16 $plain
mlp_adagrad|--model mlp $deep --optim adagrad
mlp_dropout|--model mlp $deep --dropout 0.25 $plain
mlp_multi|--model mlp $deep --buckets 2
deepfm_multi_sum|--model deepfm $deep --pooling sum --max-tokens 2
wdl_hash|--model wdl $deep --hash-buckets 16
fm_hash_shared|--model fm --hash-buckets 32 --hash-shared
criteo_mlp|--model mlp $deep --format criteo
criteo_dcnv2|--model dcnv2 $deep --cross-layers 1 --format criteo
"
echo "$models" | while IFS='|' read -r name opts; do
    [ -n "$name" ] || continue
    case $name in
    criteo_*) data=$out/criteo_train.txt ;;
    *) data="$out/train.csv --label y" ;;
    esac
    # shellcheck disable=SC2086  # the options are words
    "$seer" train $data $common --epochs 1 $opts -o "$out/$name.seer" 2> "$work/train.err" \
        || { cat "$work/train.err" >&2; exit 1; }
done

# A checkpoint in the second of three epochs (63 steps each), with a hold-out so that it holds
# the best epoch's weights. Its arguments are kept for the resume below and the test's.
ckpt="$out/train.csv --label y $common --epochs 3 --valid-frac 0.1 --model mlp $deep"
echo "$ckpt" > "$out/mlp.ckpt.args"
# shellcheck disable=SC2086
"$seer" train $ckpt --checkpoint-every 50 --max-steps 80 --checkpoint "$out/mlp.ckpt" \
    -o "$work/stopped.seer" 2> /dev/null
"$work/bits" "$out/mlp.ckpt" > "$out/mlp.ckpt.state"

# What the build makes of the fixed files ($run, $bits), into directory $1: every model's
# score bits and `seer eval` text, `seer predict`'s text for two models, and the scores of
# the model that a resume from the checkpoint ends with.
outputs() {
    echo "$models" | while IFS='|' read -r name opts; do
        [ -n "$name" ] || continue
        case $name in
        criteo_*) score=$out/criteo_score.txt ;;
        *) score=$out/score.csv ;;
        esac
        "$bits" "$out/$name.seer" "$score" > "$1/$name.scores"
        "$run" eval "$out/$name.seer" "$score" > "$1/$name.eval"
    done
    "$run" predict "$out/deepfm_multi_sum.seer" "$out/score.csv" > "$1/deepfm_multi_sum.predict"
    "$run" predict "$out/criteo_mlp.seer" "$out/criteo_score.txt" > "$1/criteo_mlp.predict"
    # shellcheck disable=SC2086
    "$run" train $ckpt --resume "$out/mlp.ckpt" --checkpoint "$1/resumed.ckpt" \
        -o "$1/resumed.seer" 2> /dev/null
    "$bits" "$1/resumed.seer" "$out/score.csv" > "$1/mlp_resumed.scores"
    rm -f "$1/resumed.seer" "$1/resumed.ckpt"
}

# oneDNN picks its GEMM kernels by CPU, and their sums differ in the last bits: the files as
# this machine computes them, then, where they differ, as it computes them with oneDNN held
# to each lesser instruction set (FILE.avx2: DNNL_MAX_CPU_ISA=AVX2, as the second CI run has
# it). A CPU without AVX-512 gets one of the lesser ones. The Debug build's are FILE.debug
# where they differ from FILE, and FILE.debug.ISA where they differ from that.
run=$seer bits=$work/bits
outputs "$out"
variants() {  # tag (empty or .debug)
    for isa in "" .avx512_core .avx2 .avx .sse41; do
        mkdir "$work/v$1$isa"
        cap=$(echo "${isa#.}" | tr '[:lower:]' '[:upper:]')
        DNNL_MAX_CPU_ISA=${cap:-ALL} outputs "$work/v$1$isa"
        for f in "$work/v$1$isa"/*; do
            name=$(basename "$f")
            ref=$out/$name$1
            [ -f "$ref" ] || ref=$out/$name
            [ -z "$isa" ] && [ -z "$1" ] && continue
            cmp -s "$f" "$ref" || cp "$f" "$out/$name$1$isa"
        done
    done
}
variants ""
if [ -n "$debug_seer" ]; then
    run=$debug_seer bits=$work/bits-debug
    export ASAN_OPTIONS=detect_leaks=0
    variants .debug
fi
