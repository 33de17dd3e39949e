#!/usr/bin/env bash
# The install, as a library user meets it: cmake --install into a temporary DESTDIR, then
# examples/score.c built against it with pkg-config, once on libseer.so (run with
# LD_LIBRARY_PATH) and once on libseer.a (pkg-config --static), each of whose scores must equal
# seer predict's byte for byte on a CSV (plain, and quoted with CRLF line ends), the Criteo
# layout and libFM; then a tiny CMake project with find_package(seer) configures, builds and
# runs against the install. Every check that fails says which and exits 1.
#
# usage: install_check.sh SOURCE_DIR BUILD_DIR   (SEER_DATA: the shared data sets;
# SEER_EXAMPLE_CFLAGS: flags the builds of the example add, the sanitizers of such a build)
set -euo pipefail
src=$1
build=$2
data=${SEER_DATA:?SEER_DATA must name the shared data sets}
work=$(mktemp -d "${TMPDIR:-/tmp}/seer-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "install_check: $*" >&2; exit 1; }

D=$work/dest
prefix=/usr/local
DESTDIR=$D cmake --install "$build" --prefix $prefix >"$work/install.log" ||
    fail "cmake --install failed: $(tail -3 "$work/install.log")"
root=$D$prefix
lib=$root/lib
for f in lib/libseer.a lib/pkgconfig/seer.pc include/seer.h include/seer/serve.h bin/seer \
         lib/cmake/seer/seerConfig.cmake lib/cmake/seer/seerConfigVersion.cmake; do
    [ -e "$root/$f" ] || fail "$prefix/$f was not installed"
done
soname=$(readelf -d "$lib/libseer.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libseer.so.2 ] || fail "libseer.so's SONAME is '$soname', not libseer.so.2"
[ -L "$lib/libseer.so.2" ] && [ -f "$(readlink -f "$lib/libseer.so.2")" ] ||
    fail "libseer.so.2 is not a link to the versioned library"
# Only the public API is exported: every dynamic symbol of the library is a seer_* of
# include/, and the internal ones (seer_net_predict, seer_transform_row) are not.
nm -D --defined-only "$lib/libseer.so" | awk '$2 != "A" {print $3}' | sed 's/@.*//' >"$work/syms"
grep -q '^seer_model_score$' "$work/syms" || fail "seer_model_score is not exported"
grep -qx 'seer_net_predict\|seer_transform_row' "$work/syms" && fail "internal symbols exported"
while read -r s; do
    grep -rqw "$s" "$root/include" || fail "exported $s is declared by no public header"
done <"$work/syms"

# The data: a small CSV (CRLF line ends; its first column has an empty name), the same with
# every field quoted, Criteo and libFM, and a model of each trained for one epoch.
seer=$root/bin/seer
head -1501 "$data/give-me-some-credit/cs-training.csv" >"$work/gm.csv"
sed 's/\r$//; s/[^,]*/"&"/g; s/$/\r/' "$work/gm.csv" >"$work/gm_quoted.csv"
head -1500 "$data/criteo-sample/criteo_train.txt" >"$work/cr.txt"
head -1500 "$data/frappe/frappe.validation.libfm" >"$work/fr.libfm"
export OMP_WAIT_POLICY=passive
"$seer" train "$work/gm.csv" --label SeriousDlqin2yrs --epochs 1 -o "$work/gm.seer" 2>/dev/null
"$seer" train "$work/cr.txt" --format criteo --epochs 1 -o "$work/cr.seer" 2>/dev/null
"$seer" train "$work/fr.libfm" --format libfm --epochs 1 -o "$work/fr.seer" 2>/dev/null

export PKG_CONFIG_PATH=$lib/pkgconfig
cflags=$(pkg-config --cflags seer) || fail "pkg-config --cflags seer failed"
libs=$(pkg-config --libs seer)
static_libs=$(pkg-config --static --libs seer | sed 's/-lseer\b/-l:libseer.a/')
xflags=${SEER_EXAMPLE_CFLAGS:-}
cc $xflags "$src/examples/score.c" $cflags $libs -o "$work/score_shared" ||
    fail "examples/score.c does not build against libseer.so"
cc $xflags "$src/examples/score.c" $cflags $static_libs -o "$work/score_static" ||
    fail "examples/score.c does not build against libseer.a"
readelf -d "$work/score_shared" | grep -q 'NEEDED.*libseer.so.2' ||
    fail "score_shared does not use libseer.so.2"
readelf -d "$work/score_static" | grep -q 'NEEDED.*libseer' && fail "score_static needs libseer.so"

check() {  # model file [--format F]: both builds print what seer predict prints
    local model=$1 file=$2
    shift 2
    "$seer" predict "$model" "$file" "$@" >"$work/want" 2>"$work/err" ||
        fail "seer predict $file failed: $(cat "$work/err")"
    [ -s "$work/want" ] || fail "seer predict $file printed nothing"
    LD_LIBRARY_PATH=$lib "$work/score_shared" "$model" "$file" "$@" >"$work/got" ||
        fail "score (shared) on $file failed"
    cmp -s "$work/want" "$work/got" || fail "score (shared) on $file differs from seer predict"
    "$work/score_static" "$model" "$file" "$@" >"$work/got" || fail "score (static) on $file failed"
    cmp -s "$work/want" "$work/got" || fail "score (static) on $file differs from seer predict"
}
check "$work/gm.seer" "$work/gm.csv"
check "$work/gm.seer" "$work/gm_quoted.csv" --format csv
check "$work/cr.seer" "$work/cr.txt"
check "$work/fr.seer" "$work/fr.libfm" --format libfm

refused() {  # what seer predict refuses, score refuses too (exit 2, no scores): file message
    local model=$1 file=$2 want=$3 rc=0
    shift 3
    "$work/score_static" "$model" "$file" "$@" >"$work/got" 2>"$work/err" || rc=$?
    [ $rc = 2 ] || fail "score on $file exited $rc, not 2"
    [ ! -s "$work/got" ] || fail "score on $file printed scores before refusing"
    grep -q "$want" "$work/err" || fail "score on $file: '$(cat "$work/err")' lacks '$want'"
}
cut -d, -f1-5 "$work/gm.csv" >"$work/fewer.csv"
refused "$work/gm.seer" "$work/fewer.csv" "no column named 'DebtRatio'"
(head -2 "$work/fr.libfm"; head -1 "$work/fr.libfm" | sed 's/:1 /:0.5 /') >"$work/half.libfm"
refused "$work/fr.seer" "$work/half.libfm" "half.libfm:3: a feature that is not index:1" \
    --format libfm

# find_package(seer) and the target seer::seer.
mkdir -p "$work/pkg"
cat >"$work/pkg/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.18)
project(uses_seer C)
find_package(seer 0.4 REQUIRED)
add_executable(score score.c)
target_link_libraries(score PRIVATE seer::seer)
EOF
cp "$src/examples/score.c" "$work/pkg/"
cmake -S "$work/pkg" -B "$work/pkg/b" -DCMAKE_PREFIX_PATH="$root" -DCMAKE_C_FLAGS="$xflags" \
    >"$work/pkg.log" 2>&1 ||
    fail "find_package(seer) failed: $(tail -5 "$work/pkg.log")"
cmake --build "$work/pkg/b" >"$work/pkg.log" 2>&1 ||
    fail "the find_package project does not build: $(tail -5 "$work/pkg.log")"
LD_LIBRARY_PATH=$lib "$work/pkg/b/score" "$work/gm.seer" "$work/gm.csv" >"$work/got"
"$seer" predict "$work/gm.seer" "$work/gm.csv" >"$work/want"
cmp -s "$work/want" "$work/got" || fail "the find_package build scores differently"
echo "install_check: ok"
