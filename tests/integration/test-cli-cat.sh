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
