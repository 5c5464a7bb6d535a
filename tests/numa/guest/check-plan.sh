#!/usr/bin/env bash
# The plan matches the guest's topology (sysfs): one group per node with CPUs, that
# node's CPUs, one worker per CPU, a pool of one max_read per worker; every memory-only
# node named as such and left out (docs/NUMA.md, "Plan").
source "$(dirname "$0")/../../integration/functions.sh"
source "$(dirname "$0")/functions.sh"

cfg=$(make_config)
plan=$TMPDIR_TEST/plan
"$DGENFS" --show-plan "$cfg" >"$plan" 2>&1 || fail "--show-plan exited non-zero: $(cat "$plan")"
cat "$plan"
nodes=$(all_nodes | wc -l)
grep -qx "topology: this machine, $nodes NUMA nodes" "$plan" || fail "want 'topology: this machine, $nodes NUMA nodes'"
for n in $(cpu_nodes); do
    cpus=$(node_cpus "$n")
    k=$(expand_cpus "$cpus" | wc -w)
    s=$([ "$k" = 1 ] || echo s)
    want="node $n: cpus $cpus ($k core$s), $k worker$s, pool $k MiB"
    grep -qxF "$want" "$plan" || fail "node $n has CPUs $cpus: want the line '$want'"
done
[ "$(grep -c '^node ' "$plan")" = "$(cpu_nodes | wc -l)" ] || fail "want $(cpu_nodes | wc -l) node lines, one per node with CPUs"
for n in $(memory_only_nodes); do
    want="note: node $n: memory-only (no CPUs, e.g. CXL or HBM); not used"
    grep -qxF "$want" "$plan" || fail "memory-only node $n: want the line '$want'"
done
echo "ok: $(cpu_nodes | wc -l) node groups, memory-only nodes: $(memory_only_nodes | tr '\n' ' ')"
