#!/usr/bin/env bash
# dgen bench --per-node runs one pinned group on every node with CPUs, as many cores as
# the node has, every buffer on its node; memory-only nodes are named and left out.
# Speeds mean nothing here.
source "$(dirname "$0")/../../integration/functions.sh"
source "$(dirname "$0")/functions.sh"

"$DGEN" bench --per-node --size 16MiB >"$TMPDIR_TEST/text" || fail "dgen bench --per-node failed: $(cat "$TMPDIR_TEST/text")"
cat "$TMPDIR_TEST/text"
for n in $(cpu_nodes); do
    k=$(expand_cpus "$(node_cpus "$n")" | wc -w)
    grep -qE "^Node +$n: [0-9.]+s \| [0-9.]+ GB/s \| $k cores?$" "$TMPDIR_TEST/text" ||
        fail "no line 'Node $n: … | $k core(s)' for node $n"
done
[ "$(grep -cE '^Node +[0-9]+:' "$TMPDIR_TEST/text")" = "$(cpu_nodes | wc -l)" ] || fail "want one Node line per node with CPUs"
for n in $(memory_only_nodes); do
    grep -qxF "note: node $n: memory-only (no CPUs, e.g. CXL or HBM); not used" "$TMPDIR_TEST/text" ||
        fail "memory-only node $n is not named"
done
grep -q "node-local (checked: all on their node)" "$TMPDIR_TEST/text" || fail "buffers are not all on their node"
echo "ok: nodes $(cpu_nodes | paste -sd, -)"
