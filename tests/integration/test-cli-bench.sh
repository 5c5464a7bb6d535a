#!/usr/bin/env bash
# dgen bench prints every row with ratios, as a table and as JSON. Figures are not judged
# here (benchmarks, not timed tests); only that they were measured and are consistent.
source "$(dirname "$0")/functions.sh"
requires python3

"$DGEN" bench --runs 1 --seconds 0.02 >"$TMPDIR_TEST/table"
for row in memset "dgen-py core loop" "dgen C=1" "dgen C=2" "dgen D=2" "dgen 4KiB seq" "dgen 4KiB random"; do
    grep -q "^$row " "$TMPDIR_TEST/table" || fail "table lacks row '$row'"
done
"$DGEN" bench --runs 3 --seconds 0.02 --simd scalar --json >"$TMPDIR_TEST/b.json"
python3 - "$TMPDIR_TEST/b.json" <<'PY' || fail "bench JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["kernel"] == "scalar" and r["runs"] == 3, r
names = [x["name"] for x in r["rows"]]
assert names[:2] == ["memset", "dgen-py core loop"] and len(names) == 7, names
m = r["rows"][0]["gbps"]
for x in r["rows"]:
    assert x["gbps"] > 0 and x["min_gbps"] <= x["gbps"] <= x["max_gbps"], x
    assert abs(x["vs_memset"] - x["gbps"] / m) < 1e-9, x
PY
echo "ok"
