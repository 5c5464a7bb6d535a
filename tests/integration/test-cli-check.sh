#!/usr/bin/env bash
# dgen check passes its own table for D in {1,2,5} x C in {1,1.5,2,3,4,8} at 4 KiB units,
# and fails (exit 1) when a ratio is out of tolerance.
source "$(dirname "$0")/functions.sh"
requires python3

for d in 1 2 5; do
    for c in 1 1.5 2 3 4 8; do
        "$DGEN" check --seed 31 --size 48MiB --dedup "$d" --compress "$c" --json >"$TMPDIR_TEST/r.json" ||
            fail "dgen check D=$d C=$c did not pass: $(cat "$TMPDIR_TEST/r.json")"
        python3 - "$TMPDIR_TEST/r.json" "$d" "$c" <<'PY' || fail "D=$d C=$c report"
import json, sys
r = json.load(open(sys.argv[1]))
d, c = float(sys.argv[2]), float(sys.argv[3])
assert r["pass"] and r["dedup"]["applies"], r
assert abs(r["dedup"]["achieved"] / d - 1) <= 0.01, r["dedup"]
rows = {(x["compressor"], x["chunk"]) for x in r["compress"]}
assert rows == {(k, ch) for k in ("lz4", "zstd-1", "zstd-3", "zlib-6") for ch in ("4KiB", "64KiB", "stream")}, rows
# The format's promise, written here (not read from the report): 5% up to C = 4, 10% above.
tol = 0.10 if c > 4 else 0.05
for x in r["compress"]:
    assert x["target"] == c and x["pass"], x
    assert abs(x["achieved"] / c - 1) <= tol, x
PY
    done
done

# The table form says pass/FAIL per row and overall.
"$DGEN" check --size 48MiB --dedup 2 --compress 2 >"$TMPDIR_TEST/table" || fail "dgen check D=2 C=2 table"
grep -q "^overall: pass" "$TMPDIR_TEST/table" || fail "table lacks overall pass"
# 1 dedup row + 12 compression rows + the overall line.
[ "$(grep -c ' pass$' "$TMPDIR_TEST/table")" -eq 14 ] || fail "expected 13 passing rows and overall"

# A sample of fewer than 10,000 units that cuts a window: the dedup row is informative
# (n/a), not a pass. A whole stream, however small, holds exactly D: it is checked.
grep -q "n/a (the promise holds from 10000 runs, or over whole windows)" \
    <<<"$("$DGEN" check --size 64MiB --sample 4MiB --dedup 3)" || fail "small sample not marked n/a"
grep -qE "^units +1024 +512 +2.0000 +2.0000 +1%  pass$" <<<"$("$DGEN" check --size 4MiB --dedup 2)" ||
    fail "a small whole stream is not checked exactly"

# With dedup runs, the runs row says duplicates are whole runs: runs / distinct runs = D.
"$DGEN" check --size 256MiB --dedup 5 --dedup-run 1MiB --json >"$TMPDIR_TEST/run.json" || fail "run check"
python3 - "$TMPDIR_TEST/run.json" <<'PY' || fail "run-level dedup"
import json, sys
d = json.load(open(sys.argv[1]))["dedup"]
assert d["run_units"] == 256 and d["runs"] == 256 and d["distinct_runs"] == 51, d
assert d["applies"] and d["pass"] and d["units"] == 65536 and d["distinct"] == 51 * 256, d
PY
grep -qE "^runs +256 +51 +5.0196 +5.0196 +1%  pass$" <<<"$("$DGEN" check --size 256MiB --dedup 5 --dedup-run 1MiB)" ||
    fail "the table has no runs row"

# A C above the calibrated range is reported honestly: C = 16 fails its tolerance, exit 1.
rc=0
"$DGEN" check --size 8MiB --compress 16 >"$TMPDIR_TEST/c16" || rc=$?
[ "$rc" -eq 1 ] || fail "C=16 check exited $rc, want 1"
grep -q "^overall: FAIL" "$TMPDIR_TEST/c16" || fail "C=16 not FAIL"
# Regression: --sample 0 (or none) on an 8 EiB file (2^63 - 1 bytes) ran forever with
# growing memory. A check takes at most 2^24 units; more is a usage error before anything
# is generated.
printf '[file]\npath = huge.bin\nsize = 0x7fffffffffffffff\n' >"$TMPDIR_TEST/huge.ini"
for sample in "" "--sample 0" "--sample 65GiB"; do
    # shellcheck disable=SC2086 # $sample is an option and its value, or nothing
    expect_usage_error "takes at most 16777216" -- check --config "$TMPDIR_TEST/huge.ini" huge.bin $sample
done
expect_usage_error "a check keeps a hash of every unit in memory and takes at most 16777216: give --sample SIZE, at most 64 GiB" \
    -- check --config "$TMPDIR_TEST/huge.ini" huge.bin
expect_usage_error "holds 1099511627776 units" -- check --size 4PiB
"$DGEN" check --config "$TMPDIR_TEST/huge.ini" huge.bin --sample 4MiB >/dev/null || fail "a 4 MiB sample of huge.bin"
echo "ok"
