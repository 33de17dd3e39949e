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
cflags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
-Isrc -Iinclude"
mkdir -p "$out/obj"
newest_header=$(ls -t $(find src include -name '*.h') | head -1)
for name in "$@"; do
    flags=""
    case "$name" in
    fuzz_table)
        srcs="src/base/*.c src/data/source.c src/data/table.c"
        libs="-lz -lzstd -lm"
        # A small zstd window limit keeps random frame headers from allocating 128 MiB each.
        # src/base/threads.c wraps OpenMP, so every target that takes src/base/ needs it.
        # Every target has these same flags, so that they share the compiled objects.
        flags="-DSEER_ZSTD_WINDOW_LOG_MAX=20 -fopenmp=libgomp"
        ;;
    fuzz_value_log)
        srcs="src/base/*.c src/data/source.c src/data/lines.c src/value/log.c src/value/users.c
              src/value/date.c src/train/value_metrics.c"
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
    fuzz_kt)
        srcs="src/base/*.c src/data/source.c src/data/lines.c src/data/table.c src/data/idmap.c
              src/data/kt.c"
        libs="-lz -lzstd -lm"
        flags="-DSEER_ZSTD_WINDOW_LOG_MAX=20 -fopenmp=libgomp"
        ;;
    fuzz_modelfile)
        srcs="src/*/*.c"
        libs="-lcjson -ldnnl -llapack -lz -lzstd -lmicrohttpd -lpthread -lm"
        flags="-DSEER_ZSTD_WINDOW_LOG_MAX=20 -fopenmp=libgomp"
        ;;
    fuzz_request)
        srcs="src/*/*.c"
        libs="-lcjson -ldnnl -llapack -lz -lzstd -lmicrohttpd -lpthread -lm"
        flags="-DSEER_ZSTD_WINDOW_LOG_MAX=20 -fopenmp=libgomp"
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
    key=$(echo "$flags" | cksum | cut -d' ' -f1)  # objects of other flags are other files
    for src in $srcs; do
        obj="$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$//').$key.o"
        objs="$objs $obj"
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ]; then
            printf '%s %s\n' "$src" "$obj"
        fi
    done >"$out/obj/todo"
    # Two compilers at once: the machines this runs on have two vCPUs or more.
    # shellcheck disable=SC2086
    xargs -r -P 2 -n 2 sh -c 'clang-14 $0 -c "$1" -o "$2.tmp" && mv "$2.tmp" "$2"' \
        "$cflags $flags" <"$out/obj/todo"
    # shellcheck disable=SC2086
    clang-14 $cflags -fsanitize=fuzzer $flags "fuzz/$name.c" $objs $libs -o "$out/$name"
done
exit $missing
