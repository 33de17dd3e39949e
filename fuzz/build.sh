#!/bin/sh
# Builds fuzz targets with clang-14, libFuzzer, ASan and UBSan into build-fuzz/ (or $FUZZ_OUT):
#   fuzz/build.sh               every fuzz/fuzz_*.c
#   fuzz/build.sh fuzz_table    just the ones named
# A target is compiled together with the library sources it needs, listed per target in the
# case statement below: whoever adds fuzz/fuzz_<name>.c adds its entry there (srcs, and libs
# where they differ from the default), and a few small inputs in fuzz/seeds-<name>/, without which
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
# A small zstd window limit keeps random frame headers from allocating 128 MiB each;
# src/base/threads.c wraps OpenMP. One set of flags for every target, so that they share objects.
cflags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
-Isrc -Iinclude -DSEER_ZSTD_WINDOW_LOG_MAX=20 -fopenmp=libgomp"
mkdir -p "$out/obj"
newest_header=$(ls -t $(find src include -name '*.h') | head -1)
for name in "$@"; do
    libs="-lz -lzstd -lm"
    case "$name" in
    fuzz_table) srcs="src/base/*.c src/data/source.c src/data/table.c" ;;
    fuzz_value_log)
        srcs="src/base/*.c src/data/source.c src/data/lines.c src/value/log.c src/value/users.c
              src/value/date.c src/train/value_metrics.c"
        ;;
    fuzz_interactions | fuzz_sequences)
        srcs="src/base/*.c src/data/source.c src/data/lines.c src/data/table.c src/data/idmap.c
              src/data/interactions.c src/data/sequences.c"
        ;;
    fuzz_kt)
        srcs="src/base/*.c src/data/source.c src/data/lines.c src/data/table.c src/data/idmap.c
              src/data/kt.c"
        ;;
    fuzz_wal)
        srcs="src/base/*.c src/serve/wal.c src/serve/step_ends.c"
        libs="-lz -lzstd -lpthread -lm"
        ;;
    fuzz_modelfile | fuzz_request | fuzz_encode)
        srcs="src/*/*.c"
        libs="-lcjson -ldnnl -lz -lzstd -lmicrohttpd -lpthread -lm"
        ;;
    *)
        echo "fuzz/build.sh: no source list for $name; add it to the case statement" >&2
        missing=1
        continue
        ;;
    esac
    echo "building $out/$name"
    # Each source is compiled once into $out/obj/ and shared by every target that lists it (the
    # targets that take all of src/ would otherwise compile it all again each); an object is
    # compiled again when its source or any header is newer. $srcs and $libs are unquoted on
    # purpose: each holds several words or globs.
    objs=""
    for src in $srcs; do
        obj="$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$//').o"
        objs="$objs $obj"
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
            printf '%s %s\n' "$src" "$obj"
        fi
    done >"$out/obj/todo"
    # Two compilers at once: the machines this runs on have two vCPUs or more.
    # shellcheck disable=SC2086
    xargs -r -P 2 -n 2 sh -c 'clang-14 $0 -c "$1" -o "$2.tmp" && mv "$2.tmp" "$2"' \
        "$cflags" <"$out/obj/todo"
    # shellcheck disable=SC2086
    clang-14 $cflags -fsanitize=fuzzer "fuzz/$name.c" $objs $libs -o "$out/$name"
done
exit $missing
