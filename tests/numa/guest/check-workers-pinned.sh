#!/usr/bin/env bash
# Every worker thread (named dgenfs-n<node>.<i>) is pinned to one CPU of its node
# (Cpus_allowed_list in /proc/PID/task/TID/status), each node with CPUs has one worker per
# CPU, and the daemon's log line for each worker names the same thread, node and CPU.
source "$(dirname "$0")/../../integration/functions.sh"
source "$(dirname "$0")/functions.sh"

cfg=$(make_config)
total=$(count_workers)
mount_with_workers "$cfg" "$total"
while read -r tid node cpus; do
    [ -n "$(node_cpus "$node")" ] || fail "worker $tid is on node $node, which has no CPUs"
    [ "$(expand_cpus "$cpus" | wc -w)" = 1 ] || fail "worker $tid may run on CPUs $cpus: want one CPU"
    [[ " $(expand_cpus "$(node_cpus "$node")") " == *" $cpus "* ]] ||
        fail "worker $tid of node $node is pinned to CPU $cpus, outside the node's CPUs $(node_cpus "$node")"
    grep -qE "worker [0-9]+\.[0-9]+: node $node, cpus $cpus, tid $tid, buffer on node $node$" "$DGENFS_LOG" ||
        fail "no log line 'worker …: node $node, cpus $cpus, tid $tid, buffer on node $node': $(cat "$DGENFS_LOG")"
done <"$TMPDIR_TEST/threads"
for n in $(cpu_nodes); do
    used=$(awk -v n="$n" '$2 == n {print $3}' "$TMPDIR_TEST/threads" | sort -n | paste -sd, -)
    [ "$(expand_cpus "$used")" = "$(expand_cpus "$(node_cpus "$n")")" ] ||
        fail "node $n: workers on CPUs $used, want one on each of $(node_cpus "$n")"
done
echo "ok: $total workers, each on one CPU of its node"
