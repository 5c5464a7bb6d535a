#!/usr/bin/env bash
# dgen bench --per-node: one pinned worker group per NUMA node, node-local buffers. Figures
# are not judged (benchmarks, not timed tests); only that the report is complete and its
# arithmetic holds, that every usable node ran, and that buffers landed on their node.
source "$(dirname "$0")/functions.sh"
requires python3

"$DGEN" bench --per-node --size 2GiB --json >"$TMPDIR_TEST/b.json"
python3 - "$TMPDIR_TEST/b.json" <<'PY' || fail "per-node bench JSON"
import glob, json, os, sys

def cpus(text):
    out = set()
    for part in filter(None, text.strip().split(",")):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out

r = json.load(open(sys.argv[1]))
nodes = r["nodes"]
assert r["mode"] == "per-node" and r["bytes"] == 2 << 30, r
assert r["dedup"] == 1 and r["compress"] == 1 and r["buffer_bytes"] == 1 << 20, r
assert "10^9" in r["units"] and "2^30" in r["units"], r["units"]

# Every NUMA node with a CPU this process may use ran one group, in order.
mine = os.sched_getaffinity(0)
want = sorted(int(d.rsplit("node", 1)[1]) for d in glob.glob("/sys/devices/system/node/node[0-9]*")
              if cpus(open(d + "/cpulist").read()) & mine)
if want:  # no sysfs NUMA information: dgen falls back to one node
    assert [n["node"] for n in nodes] == want, ([n["node"] for n in nodes], want)
assert len(nodes) >= 1

assert sum(n["bytes"] for n in nodes) == r["bytes"], nodes
assert sum(n["cores"] for n in nodes) == r["cores"], r
assert sum(n["workers"] for n in nodes) == r["workers"], r
slowest = max(n["seconds"] for n in nodes)
assert abs(r["seconds"] - slowest) < 1e-12, r
for n in nodes:
    assert n["seconds"] > 0 and n["gbps"] > 0 and n["cores"] >= 1, n
    assert n["workers"] == n["cores"], n  # default: one worker per usable core
    assert abs(n["gbps"] - n["bytes"] / n["seconds"] / 1e9) <= 0.01 * n["gbps"], n
    if n["buffer_nodes_ok"] is None:
        print(f"note: node {n['node']}: the kernel did not report page placement", file=sys.stderr)
    else:
        assert n["buffer_nodes_ok"] is True and n["buffers_on_node"] == n["workers"], n
agg = r["aggregate_gbps"]
assert abs(agg - r["bytes"] / slowest / 1e9) <= 0.01 * agg, r
assert abs(r["per_core_gbps"] - agg / r["cores"]) <= 0.01 * r["per_core_gbps"], r
avg = sum(n["gbps"] for n in nodes) / len(nodes)
assert abs(r["per_node_avg_gbps"] - avg) <= 0.01 * avg, r
g = [n["gbps"] for n in nodes]
var = (max(g) - min(g)) / 2 / avg * 100  # the seed study's definition
assert abs(r["node_variation_pct"] - var) < 0.01, (r["node_variation_pct"], var)
PY

# The text form: the study's lines, units stated.
"$DGEN" bench --per-node --size 1GiB >"$TMPDIR_TEST/text"
grep -qE '^dgen bench --per-node: 1\.00 GiB \(1\.07 GB\) total, incompressible \(D 1, C 1\), kernel ' "$TMPDIR_TEST/text" ||
    fail "text header: $(cat "$TMPDIR_TEST/text")"
grep -qE '^topology: this machine, [0-9]+ NUMA nodes?; buffers: 1 MiB per worker, node-local' "$TMPDIR_TEST/text" ||
    fail "text topology line: $(cat "$TMPDIR_TEST/text")"
grep -qE '^Node +[0-9]+: [0-9]+\.[0-9]{3}s \| [0-9]+\.[0-9]{2} GB/s \| [0-9]+ cores?$' "$TMPDIR_TEST/text" ||
    fail "no 'Node k: …s | … GB/s | … cores' line: $(cat "$TMPDIR_TEST/text")"
for line in '^Aggregate: [0-9.]+ GB/s +\(GB = 10\^9 bytes/s\)$' '^Per-core: [0-9.]+ GB/s$' \
    '^Per-node average: [0-9.]+ GB/s$' '^Node variation: ±[0-9]+\.[0-9]%$'; do
    grep -qE "$line" "$TMPDIR_TEST/text" || fail "text lacks /$line/: $(cat "$TMPDIR_TEST/text")"
done

# Any D and C; one node and one worker on request.
"$DGEN" bench --per-node --size 256MiB --dedup 2 --compress 2 >"$TMPDIR_TEST/dc"
grep -qF '(D 2, C 2)' "$TMPDIR_TEST/dc" || fail "--dedup 2 --compress 2: $(cat "$TMPDIR_TEST/dc")"
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"][0]["node"])' "$TMPDIR_TEST/b.json")
"$DGEN" bench --per-node --size 64MiB --nodes "$first" --workers-per-node 1 --buffer 64KiB --json >"$TMPDIR_TEST/one.json"
python3 - "$TMPDIR_TEST/one.json" "$first" <<'PY' || fail "--nodes/--workers-per-node/--buffer"
import json, sys
r = json.load(open(sys.argv[1]))
assert [n["node"] for n in r["nodes"]] == [int(sys.argv[2])], r["nodes"]
assert r["workers"] == 1 and r["cores"] == 1 and r["buffer_bytes"] == 64 << 10, r
PY

# Usage errors: exit 2 with a message; the one-thread bench keeps its own options.
expect_usage_error "--runs does not apply to --per-node" -- bench --per-node --runs 3
expect_usage_error "--seconds does not apply to --per-node" -- bench --per-node --seconds 1
expect_usage_error "node 99 does not exist" -- bench --per-node --nodes 99
expect_usage_error "--nodes: 'a,b': item 'a' is not a node number" -- bench --per-node --nodes a,b
expect_usage_error "listed twice" -- bench --per-node --nodes "$first,$first"
expect_usage_error "--size 0: must be at least 1 byte" -- bench --per-node --size 0
expect_usage_error "--workers-per-node: '0' is neither auto nor a whole number 1..256" -- bench --per-node --workers-per-node 0
expect_usage_error "--dedup" -- bench --per-node --dedup 0.5
expect_usage_error "--buffer 1000" -- bench --per-node --buffer 1000
for opt in "--size 1GiB" "--dedup 2" "--compress 2" "--nodes 0" "--workers-per-node 1"; do
    # shellcheck disable=SC2086  # the option and its value are two words
    expect_usage_error "${opt%% *} needs --per-node" -- bench $opt
done

# A synthetic or XML topology cannot be pinned to: refused, not silently run elsewhere.
HWLOC_SYNTHETIC="pack:2 core:2 pu:1" expect_usage_error "needs this machine's topology" -- bench --per-node --size 1MiB
echo "ok"
