#!/usr/bin/env bash
# dgen bench prints every row with ratios, as a table and as JSON. Figures are not judged
# here (benchmarks, not timed tests); only that they were measured and are consistent.
source "$(dirname "$0")/functions.sh"
requires python3

"$DGEN" bench --runs 1 --seconds 0.02 >"$TMPDIR_TEST/table"
for row in memset "dgen-py core loop" "dgen C=1" "dgen C=2" "dgen D=2" "dgen 4KiB seq" "dgen 4KiB aligned" \
    "dgen 4KiB unaligned"; do
    grep -q "^$row " "$TMPDIR_TEST/table" || fail "table lacks row '$row'"
done
"$DGEN" bench --runs 3 --seconds 0.02 --simd scalar --json >"$TMPDIR_TEST/b.json"
python3 - "$TMPDIR_TEST/b.json" <<'PY' || fail "bench JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["kernel"] == "scalar" and r["runs"] == 3, r
names = [x["name"] for x in r["rows"]]
assert names[:2] == ["memset", "dgen-py core loop"] and len(names) == 8, names
m = r["rows"][0]["gbps"]
for x in r["rows"]:
    assert x["gbps"] > 0 and x["min_gbps"] <= x["gbps"] <= x["max_gbps"], x
    assert abs(x["vs_memset"] - x["gbps"] / m) < 1e-9, x
pairs = {x["name"]: x["paired_vs"] for x in r["rows"]}
assert pairs["dgen C=2"] == "dgen C=1" and pairs["dgen D=2"] == "dgen C=1", pairs
assert pairs["dgen 4KiB unaligned"] == "dgen 4KiB aligned", pairs
for x in r["rows"]:
    assert (x["paired_ratio"] > 0) == (x["paired_vs"] in names), x
PY
echo "ok"
