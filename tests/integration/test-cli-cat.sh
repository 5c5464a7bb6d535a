#!/usr/bin/env bash
# dgen cat writes exactly the pinned bytes (format dgen1), any range of them, through a pipe.
source "$(dirname "$0")/functions.sh"
requires sha256sum cmp dd

# sha256 of whole streams, pinned when format dgen1 was frozen (golden, like the unit rows).
check_sha() {
    local want=$1
    shift
    local got
    got=$("$DGEN" cat "$@" | sha256sum | cut -c1-64)
    [ "$got" = "$want" ] || fail "format break: dgen cat $* gives $got, want $want"
}
check_sha 87674a572f58b817a4d7366790f5796c55a9cef3e5269b253f758be6c15e810a --seed 1 --size 1MiB
check_sha f6cc96d793dff6ed0630a2c0e3fea6515dffccfa6e4ec8662a24a56617418d55 \
    --seed 2 --size 1000000 --dedup 2 --compress 3
check_sha 277cda20dee88eacc825ae6e2188517adf0e0e446c5cc0fff1b05803bb179779 \
    --seed 3 --size 3MiB --unit 512 --dedup 1.5 --compress 1.5 --stream dir/file.bin

# Files of sets (docs/FORMAT.md §7), through --config: sizes and bytes pinned too.
cat >"$TMPDIR_TEST/sets.ini" <<'INI'
[dataset]
seed = 21
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
expect_usage_error "'s/d0/f00000000' is not in the dataset" -- cat --config "$TMPDIR_TEST/sets.ini" s/d0/f00000000
expect_usage_error "--size cannot be combined with --config" -- cat --config "$TMPDIR_TEST/sets.ini" t/f00000004 --size 1
expect_usage_error "needs the PATH" -- cat --config "$TMPDIR_TEST/sets.ini"
expect_usage_error "is a directory" -- cat --config "$TMPDIR_TEST/sets.ini" s/d00
expect_usage_error "needs --config" -- cat t/f00000004 --size 1
expect_usage_error "belongs to a [set]" -- check --config "$TMPDIR_TEST/sets.ini" t/f00000004

# Every kernel writes the same bytes.
for k in $("$DGEN" cat --help | sed -n 's/.*Force a kernel: \([^(]*\) (default.*/\1/p' | tr -d ,); do
    check_sha 87674a572f58b817a4d7366790f5796c55a9cef3e5269b253f758be6c15e810a --seed 1 --size 1MiB --simd "$k"
    DGEN_SIMD=$k check_sha 87674a572f58b817a4d7366790f5796c55a9cef3e5269b253f758be6c15e810a --seed 1 --size 1MiB
done

# --offset/--length cut the same bytes that dd cuts from the whole stream.
args=(--seed 5 --size 5MiB --dedup 3 --compress 2)
"$DGEN" cat "${args[@]}" >"$TMPDIR_TEST/all"
[ "$(stat -c %s "$TMPDIR_TEST/all")" -eq $((5 << 20)) ] || fail "wrong size"
for range in "0 1" "1 4095" "4095 2" "4096 4096" "12345 777777" "5242879 1" "5242000 5000"; do
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
