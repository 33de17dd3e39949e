#!/bin/sh
# Builds fuzz targets with clang-14, libFuzzer, ASan and UBSan into build-fuzz/ (or $FUZZ_OUT):
#   fuzz/build.sh               every fuzz/fuzz_*.c
#   fuzz/build.sh fuzz_table    just the ones named
# A target is compiled together with the library sources it needs, listed per target in the
# case statement below: whoever adds fuzz/fuzz_<name>.c adds its entry there (srcs, libs and,
# if needed, extra compiler flags), and a few small inputs in fuzz/seeds-<name>/, without which
# fuzz/check.sh (part of the test suite) fails. Run a target with e.g.
#   build-fuzz/fuzz_table -max_total_time=180 fuzz/corpus-table
set -eu
cd "$(dirname "$0")/.."
out=${FUZZ_OUT:-build-fuzz}
mkdir -p "$out"
if [ $# -eq 0 ]; then
    set -- $(for f in fuzz/fuzz_*.c; do basename "$f" .c; done)
fi
missing=0
for name in "$@"; do
    flags=""
    case "$name" in
    fuzz_table)
        srcs="src/base/*.c src/data/source.c src/data/table.c"
        libs="-lz -lzstd -lm"
        # A small zstd window limit keeps random frame headers from allocating 128 MiB each.
        # src/base/threads.c wraps OpenMP, so every target that takes src/base/ needs it.
        flags="-DSEER_ZSTD_WINDOW_LOG_MAX=20 -fopenmp=libgomp"
        ;;
    fuzz_value_log)
        srcs="src/base/*.c src/data/source.c src/data/lines.c src/value/log.c src/value/users.c
              src/value/date.c src/value/metrics.c"
        libs="-lz -lzstd -lm"
        flags="-DSEER_ZSTD_WINDOW_LOG_MAX=20 -fopenmp=libgomp"
        ;;
    fuzz_interactions)
        srcs="src/base/*.c src/data/source.c src/data/lines.c src/data/table.c src/data/idmap.c
              src/data/interactions.c src/data/sequences.c"
        libs="-lz -lzstd -lm"
        flags="-DSEER_ZSTD_WINDOW_LOG_MAX=20 -fopenmp=libgomp"
        ;;
    fuzz_sequences)
        srcs="src/base/*.c src/data/source.c src/data/lines.c src/data/table.c src/data/idmap.c
              src/data/interactions.c src/data/sequences.c"
        libs="-lz -lzstd -lm"
        flags="-DSEER_ZSTD_WINDOW_LOG_MAX=20 -fopenmp=libgomp"
        ;;
    fuzz_modelfile)
        srcs="src/*/*.c"
        libs="-lcjson -ldnnl -llapack -lz -lzstd -lmicrohttpd -lpthread -lm"
        flags="-fopenmp=libgomp"
        ;;
    fuzz_request)
        srcs="src/*/*.c"
        libs="-lcjson -ldnnl -llapack -lz -lzstd -lmicrohttpd -lpthread -lm"
        flags="-fopenmp=libgomp"
        ;;
    *)
        echo "fuzz/build.sh: no source list for $name; add it to the case statement" >&2
        missing=1
        continue
        ;;
    esac
    echo "building $out/$name"
    # $flags, $srcs and $libs are unquoted on purpose: each holds several words or globs.
    clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -Isrc -Iinclude $flags "fuzz/$name.c" $srcs $libs -o "$out/$name"
done
exit $missing
