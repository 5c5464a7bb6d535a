#!/usr/bin/env bash
# dgen check passes its own table for D in {1,2,5} x C in {1,1.5,2,3,4,8} at 4 KiB units,
# and fails (exit 1) when a ratio is out of tolerance.
source "$(dirname "$0")/functions.sh"
requires python3

for d in 1 2 5; do
    for c in 1 1.5 2 3 4 8; do
        "$DGEN" check --seed 31 --size 48MiB --dedup "$d" --compress "$c" --json >"$TMPDIR_TEST/r.json" ||
            fail "dgen check D=$d C=$c did not pass: $(cat "$TMPDIR_TEST/r.json")"
        python3 - "$TMPDIR_TEST/r.json" "$d" "$c" <<'PY' || fail "D=$1 C=$2 report"
import json, sys
r = json.load(open(sys.argv[1]))
d, c = float(sys.argv[2]), float(sys.argv[3])
assert r["pass"] and r["dedup"]["applies"], r
assert abs(r["dedup"]["achieved"] / d - 1) <= 0.01, r["dedup"]
rows = {(x["compressor"], x["chunk"]) for x in r["compress"]}
assert rows == {(k, ch) for k in ("lz4", "zstd-1", "zstd-3", "zlib-6") for ch in ("4KiB", "64KiB", "stream")}, rows
for x in r["compress"]:
    assert x["target"] == c and x["pass"], x
PY
    done
done

# The table form says pass/FAIL per row and overall.
"$DGEN" check --size 48MiB --dedup 2 --compress 2 >"$TMPDIR_TEST/table"
grep -q "^overall: pass" "$TMPDIR_TEST/table" || fail "table lacks overall pass"
# 1 dedup row + 12 compression rows + the overall line.
[ "$(grep -c ' pass$' "$TMPDIR_TEST/table")" -eq 14 ] || fail "expected 13 passing rows and overall"

# Fewer than 10,000 units: the dedup row is informative (n/a), not a pass.
grep -q "n/a (the promise holds from 10000 units)" <<<"$("$DGEN" check --size 4MiB --dedup 3)" ||
    fail "small sample not marked n/a"

# A C above the calibrated range is reported honestly: C = 16 fails its tolerance, exit 1.
rc=0
"$DGEN" check --size 8MiB --compress 16 >"$TMPDIR_TEST/c16" || rc=$?
[ "$rc" -eq 1 ] || fail "C=16 check exited $rc, want 1"
grep -q "^overall: FAIL" "$TMPDIR_TEST/c16" || fail "C=16 not FAIL"
echo "ok"
