#!/usr/bin/env bash
# dgen cat writes exactly the pinned bytes (formats dgen1 and dgen2), any range of them,
# through a pipe.
source "$(dirname "$0")/functions.sh"
requires sha256sum cmp dd

# sha256 of whole streams, pinned when each format was frozen (golden, like the unit rows).
check_sha() {
    local want=$1
    shift
    local got
    got=$("$DGEN" cat "$@" | sha256sum | cut -c1-64)
    [ "$got" = "$want" ] || fail "format break: dgen cat $* gives $got, want $want"
}
# dgen1, as frozen on 2026-11-26.
check_sha 87674a572f58b817a4d7366790f5796c55a9cef3e5269b253f758be6c15e810a --format 1 --seed 1 --size 1MiB
check_sha f6cc96d793dff6ed0630a2c0e3fea6515dffccfa6e4ec8662a24a56617418d55 \
    --format 1 --seed 2 --size 1000000 --dedup 2 --compress 3
check_sha 277cda20dee88eacc825ae6e2188517adf0e0e446c5cc0fff1b05803bb179779 \
    --format 1 --seed 3 --size 3MiB --unit 512 --dedup 1.5 --compress 1.5 --stream dir/file.bin
# dgen2, the default: the same streams are other bytes (their keys hold the parameters),
# and dedup runs.
check_sha a6eab16d47127aa4020362562232a3e068be1a42b3587fbf7f63464d7bb804fb --seed 1 --size 1MiB
check_sha 97324122985a7544cdaccd553db290b407572f2889154b1f627b180d7d07d6e5 \
    --format 2 --seed 2 --size 1000000 --dedup 2 --compress 3
check_sha f1dce54df54bf4bd55eca6e51fa446303454432c0d574cf9302cc4151c809d4d \
    --seed 3 --size 3MiB --unit 512 --dedup 1.5 --compress 1.5 --stream dir/file.bin
check_sha 0ebe4e880af4cf0f6c7f23ff5cb6751a18dcc4bf965ed6173445b2b57a4aa62f --seed 4 --size 8MiB --dedup 2 --dedup-run 64KiB
check_sha 41831ad24681cfc9f60d8b6003b774bcef7e8b417782796272666e67226cd7f9 \
    --seed 5 --size 10000000 --dedup 5 --compress 2 --dedup-run 1MiB --unit 8KiB
check_sha be5302d19046ccf6ae3e762384586974a5ec86b98fc66873879cf4e5f25a8814 \
    --seed 6 --size 3MiB --dedup 3 --dedup-run 12KiB --stream run3

# Files of sets (docs/FORMAT.md §7), through --config: sizes and bytes pinned too. The
# dgen1 pins are from 2026-11-26, before drawn sizes became integer-only: these draws did
# not move.
cat >"$TMPDIR_TEST/sets.ini" <<'INI'
[dataset]
seed = 21
format = 1
[set]
dir = s
count = 3000
size_min = 1
size_max = 20000
size_dist = loguniform
dedup = 2
compress = 2
[set]
dir = t
count = 5
size = 1MiB
INI
check_sha 9f130b54a30e96647cee3d782febcd3f5e6ddde4f2e79b838174cdbccb4d7a5b --config "$TMPDIR_TEST/sets.ini" s/d00/f00000000
check_sha 323bb98956de9f0419956de84c1e3096cfd3c938787eea643bce13ec466e39dd --config "$TMPDIR_TEST/sets.ini" s/d02/f00002047
check_sha 2e8c24adeb1e74ac25f6ce537d4dd041cfaab679548dac14f6db7bdfd8516224 --config "$TMPDIR_TEST/sets.ini" /s/d02/f00002999
check_sha eb16ccde0edd82c16a059cc5852c3f2701727ad3e612db09554bd722d2f8670f --config "$TMPDIR_TEST/sets.ini" t/f00000004
[ "$("$DGEN" cat --config "$TMPDIR_TEST/sets.ini" s/d00/f00000000 | wc -c)" -eq 16583 ] || fail "set file size"
# dgen2 sets, one with dedup runs that cross its files.
sed '/^format = 1$/d' "$TMPDIR_TEST/sets.ini" >"$TMPDIR_TEST/sets2.ini"
printf '[set]\ndir = r\ncount = 40\nsize_min = 1\nsize_max = 300KiB\ndedup = 3\ndedup_run = 16KiB\n' >>"$TMPDIR_TEST/sets2.ini"
check_sha c55afea7f4e114ea3ffff9d620a8271db5c786ec70c5419258832ca710f30ab9 --config "$TMPDIR_TEST/sets2.ini" s/d00/f00000000
check_sha 76a0be454c8aa3c0674bf407778d72295db3a36c51a0da01236ec2a8bfb2d27a --config "$TMPDIR_TEST/sets2.ini" s/d02/f00002999
check_sha 1694f225f87b70f581574c28bc7a005226cfc485ea2123be81d17bc711ee5bf5 --config "$TMPDIR_TEST/sets2.ini" t/f00000004
check_sha e946004626741e4157cc1634c0b54baa948a0830dd5ea78b83d11d3f42f252ec --config "$TMPDIR_TEST/sets2.ini" r/f00000000
check_sha 1c73ba4711180f72ee9fbd1becc38acfb45084d889ad7a1ba27ea0eef71e1fb7 --config "$TMPDIR_TEST/sets2.ini" r/f00000039
[ "$("$DGEN" cat --config "$TMPDIR_TEST/sets2.ini" r/f00000039 | wc -c)" -eq 96873 ] || fail "set file size"

# One path grammar for the config, the command line and lookups (values.h): the same
# file however it is spelled, a trailing '/' only for directories, '..' refused.
for spelling in t/f00000004 /t/f00000004 //t/f00000004 ./t/f00000004 t//./f00000004; do
    check_sha eb16ccde0edd82c16a059cc5852c3f2701727ad3e612db09554bd722d2f8670f --config "$TMPDIR_TEST/sets.ini" "$spelling"
done
expect_usage_error "'t/f00000004/' ends in '/', but 't/f00000004' is a file" -- cat --config "$TMPDIR_TEST/sets.ini" t/f00000004/
expect_usage_error "'..' component" -- cat --config "$TMPDIR_TEST/sets.ini" t/../t/f00000004
expect_usage_error "is a directory" -- cat --config "$TMPDIR_TEST/sets.ini" t/
[ "$("$DGEN" ls --config "$TMPDIR_TEST/sets.ini" ./t/ | wc -l)" -eq 5 ] || fail "dgen ls ./t/"
# Regression: --summary printed the whole dataset's totals whatever PATH named, and
# exit 0 for a PATH not in it. Now PATH's own totals (PATH counted), agreeing with the
# listing; a PATH not in the dataset is a usage error.
summary() { "$DGEN" ls --config "$TMPDIR_TEST/sets.ini" --summary "$@" || fail "dgen ls --summary $*"; }
[ "$(summary t)" = "5 files, 1 directories, 5 MiB (5242880 bytes)" ] || fail "summary t: $(summary t)"
[ "$(summary t/f00000004)" = "1 files, 0 directories, 1 MiB (1048576 bytes)" ] || fail "summary of a file"
for path in "" / s s/d00 s/d02/ t; do
    listing=$("$DGEN" ls --config "$TMPDIR_TEST/sets.ini" $path) || fail "dgen ls $path"
    want=$(awk '$1=="f" {f++; b+=$2} $1=="d" {d++} END {printf "%d files, %d directories, %d bytes", f, d+1, b}' <<<"$listing")
    got=$(summary $path | sed 's/, [^,]* (\([0-9]*\) bytes)$/, \1 bytes/')
    [ "$got" = "$want" ] || fail "summary of '$path': $got, the listing says $want"
done
[ "$(summary s/d00 | cut -d, -f1)" != "$(summary | cut -d, -f1)" ] || fail "s/d00 summed like the root"
expect_usage_error "'nonexistent' is not in the dataset" -- ls --config "$TMPDIR_TEST/sets.ini" --summary nonexistent
expect_usage_error "'s/d0' is not in the dataset" -- ls --config "$TMPDIR_TEST/sets.ini" --summary s/d0
expect_usage_error "'s/d0/f00000000' is not in the dataset" -- cat --config "$TMPDIR_TEST/sets.ini" s/d0/f00000000
expect_usage_error "--size cannot be combined with --config" -- cat --config "$TMPDIR_TEST/sets.ini" t/f00000004 --size 1
expect_usage_error "--dedup-run cannot be combined with --config" -- cat --config "$TMPDIR_TEST/sets.ini" t/f00000004 --dedup-run 8KiB
expect_usage_error "needs the PATH" -- cat --config "$TMPDIR_TEST/sets.ini"
expect_usage_error "is a directory" -- cat --config "$TMPDIR_TEST/sets.ini" s/d00
expect_usage_error "needs --config" -- cat t/f00000004 --size 1
expect_usage_error "belongs to a [set]" -- check --config "$TMPDIR_TEST/sets.ini" t/f00000004

# Every kernel writes the same bytes.
for k in $("$DGEN" cat --help | sed -n 's/.*Force a kernel: \([^(]*\) (default.*/\1/p' | tr -d ,); do
    check_sha 87674a572f58b817a4d7366790f5796c55a9cef3e5269b253f758be6c15e810a --format 1 --seed 1 --size 1MiB --simd "$k"
    DGEN_SIMD=$k check_sha a6eab16d47127aa4020362562232a3e068be1a42b3587fbf7f63464d7bb804fb --seed 1 --size 1MiB
    check_sha 41831ad24681cfc9f60d8b6003b774bcef7e8b417782796272666e67226cd7f9 \
        --seed 5 --size 10000000 --dedup 5 --compress 2 --dedup-run 1MiB --unit 8KiB --simd "$k"
done

# --offset/--length cut the same bytes that dd cuts from the whole stream.
args=(--seed 5 --size 5MiB --dedup 3 --compress 2 --dedup-run 12KiB)
"$DGEN" cat "${args[@]}" >"$TMPDIR_TEST/all"
[ "$(stat -c %s "$TMPDIR_TEST/all")" -eq $((5 << 20)) ] || fail "wrong size"
for range in "0 1" "1 4095" "4095 2" "4096 4096" "12287 2" "12288 12288" "12345 777777" "5242879 1" "5242000 5000"; do
    set -- $range
    "$DGEN" cat "${args[@]}" --offset "$1" --length "$2" >"$TMPDIR_TEST/part"
    dd if="$TMPDIR_TEST/all" of="$TMPDIR_TEST/want" iflag=skip_bytes,count_bytes skip="$1" count="$2" status=none
    cmp -s "$TMPDIR_TEST/part" "$TMPDIR_TEST/want" || fail "range $1+$2 differs from dd's cut"
done
# At or past EOF: nothing, successfully.
[ "$("$DGEN" cat "${args[@]}" --offset 5MiB | wc -c)" -eq 0 ] || fail "cat at EOF wrote bytes"
[ "$("$DGEN" cat "${args[@]}" --offset 1TiB | wc -c)" -eq 0 ] || fail "cat past EOF wrote bytes"

# A reader that stops early (head) ends dgen by SIGPIPE (status 141), not by an error message.
( "$DGEN" cat --size 1TiB 2>"$TMPDIR_TEST/err" || [ $? -eq 141 ] ) | head -c 1000000 >/dev/null
[ ! -s "$TMPDIR_TEST/err" ] || fail "cat | head printed: $(cat "$TMPDIR_TEST/err")"
echo "ok"
