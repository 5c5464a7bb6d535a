#!/usr/bin/env bash
# Every pool page is on its node: /proc/PID/numa_maps has one mapping bound to each node
# with CPUs (bind:N), all its pages in N<N>= and as many as the pool has (one 1 MiB
# buffer per worker, each touched by its worker), and none on a memory-only node.
source "$(dirname "$0")/../../integration/functions.sh"
source "$(dirname "$0")/functions.sh"

cfg=$(make_config)
mount_with_workers "$cfg" "$(count_workers)"
grep ' bind:' "/proc/$DGENFS_PID/numa_maps" >"$TMPDIR_TEST/pools" || fail "no mapping bound to a node in numa_maps"
cat "$TMPDIR_TEST/pools"
[ "$(wc -l <"$TMPDIR_TEST/pools")" = "$(cpu_nodes | wc -l)" ] ||
    fail "$(wc -l <"$TMPDIR_TEST/pools") bound mappings, want one per node with CPUs ($(cpu_nodes | wc -l))"
for n in $(cpu_nodes); do
    line=$(grep " bind:$n " "$TMPDIR_TEST/pools") || fail "no pool bound to node $n"
    [ "$(wc -l <<<"$line")" = 1 ] || fail "more than one mapping bound to node $n"
    on=$(grep -oE ' N[0-9]+=[0-9]+' <<<"$line" | tr -d ' ' | paste -sd' ' -)
    pages=$(($(expand_cpus "$(node_cpus "$n")" | wc -w) * 256))  # 1 MiB of 4 KiB pages per worker
    [ "$on" = "N$n=$pages" ] || fail "node $n's pool has pages '$on', want N$n=$pages (every page on node $n): $line"
done
for n in $(memory_only_nodes); do
    ! grep -q " bind:$n " "$TMPDIR_TEST/pools" || fail "a pool is bound to memory-only node $n"
done
echo "ok: one pool per node with CPUs, every page on its node"
