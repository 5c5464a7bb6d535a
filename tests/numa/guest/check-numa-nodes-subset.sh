#!/usr/bin/env bash
# numa_nodes = a subset: only the named node's workers and pool exist, and they serve a
# reader pinned to any node. A memory-only node or one that does not exist is refused
# (exit 2, the reason, nothing mounted), as docs/NUMA.md says.
source "$(dirname "$0")/../../integration/functions.sh"
source "$(dirname "$0")/functions.sh"

# shellcheck disable=SC2207  # node numbers: no spaces (no <(...): the guest has no /dev/fd)
nodes=($(cpu_nodes))
first=${nodes[0]} last=${nodes[-1]}
[ "$last" != "$first" ] || skip "needs two nodes with CPUs"
cfg=$(make_config "numa_nodes = $last")
"$DGENFS" --show-plan "$cfg" >"$TMPDIR_TEST/plan" || fail "--show-plan with numa_nodes = $last: $(cat "$TMPDIR_TEST/plan")"
cat "$TMPDIR_TEST/plan"
[ "$(grep -c '^node ' "$TMPDIR_TEST/plan")" = 1 ] && grep -q "^node $last: cpus $(node_cpus "$last") " "$TMPDIR_TEST/plan" ||
    fail "numa_nodes = $last: want one group, node $last on CPUs $(node_cpus "$last")"

mount_with_workers "$cfg" "$(expand_cpus "$(node_cpus "$last")" | wc -w)"
while read -r tid node cpus; do
    [ "$node" = "$last" ] || fail "worker $tid is on node $node; numa_nodes = $last"
    [[ " $(expand_cpus "$(node_cpus "$last")") " == *" $cpus "* ]] || fail "worker $tid pinned to $cpus, outside node $last"
done <"$TMPDIR_TEST/threads"
grep ' bind:' "/proc/$DGENFS_PID/numa_maps" >"$TMPDIR_TEST/pools" || fail "no pool in numa_maps"
[ "$(wc -l <"$TMPDIR_TEST/pools")" = 1 ] && grep -qE " bind:$last .* N$last=[0-9]+ kernelpagesize" "$TMPDIR_TEST/pools" &&
    [ "$(grep -oE ' N[0-9]+=' "$TMPDIR_TEST/pools" | wc -l)" = 1 ] || fail "want one pool, all on node $last: $(cat "$TMPDIR_TEST/pools")"
cp "$TMPDIR_TEST/mnt/.dgen/stats.json" "$TMPDIR_TEST/before.json" || fail "cannot read stats.json"
read_pinned "$first" "$TMPDIR_TEST/mnt/f.bin" "$TMPDIR_TEST/out" 8 0
cp "$TMPDIR_TEST/mnt/.dgen/stats.json" "$TMPDIR_TEST/after.json" || fail "cannot read stats.json"
same_range "$TMPDIR_TEST/out" "$cfg" f.bin 8 0
served_by_node "$TMPDIR_TEST/before.json" >"$TMPDIR_TEST/before"
served_by_node "$TMPDIR_TEST/after.json" >"$TMPDIR_TEST/after"
delta=$(join "$TMPDIR_TEST/before" "$TMPDIR_TEST/after" | awk '{printf "%s=%d ", $1, $3 - $2}')
[ "$delta" = "$last=$((8 << 20)) mount=0 " ] || fail "a reader on node $first: bytes by node '$delta', want all 8 MiB from node $last"
echo "reader on node $first served by node $last only: $delta"
fusermount3 -u "$TMPDIR_TEST/mnt" || fail "unmount failed"

# expect_refused NODE MESSAGE: numa_nodes = NODE is an error naming MESSAGE, before mounting.
expect_refused() {
    local bad rc=0
    bad=$(make_config "numa_nodes = $1")
    mkdir -p "$TMPDIR_TEST/never"
    "$DGENFS" "$bad" "$TMPDIR_TEST/never" -f -o auto_unmount 2>"$TMPDIR_TEST/err" || rc=$?
    [ "$rc" = 2 ] || fail "numa_nodes = $1: exit $rc, want 2: $(cat "$TMPDIR_TEST/err")"
    ! is_mounted "$TMPDIR_TEST/never" || fail "numa_nodes = $1 mounted"
    grep -qF "$2" "$TMPDIR_TEST/err" || fail "numa_nodes = $1: want '$2' in: $(cat "$TMPDIR_TEST/err")"
    echo "numa_nodes = $1 refused: $(grep -F "$2" "$TMPDIR_TEST/err")"
}
for m in $(memory_only_nodes); do expect_refused "$m" "node $m has no CPUs this process may use (memory-only)"; done
none=$(($(all_nodes | tail -1) + 1))
expect_refused "$none" "node $none does not exist (nodes: $(all_nodes | paste -sd, -))"
echo "ok"
