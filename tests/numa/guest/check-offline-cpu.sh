#!/usr/bin/env bash
# A CPU taken offline before mounting (the highest-numbered one) is not used: no worker
# is pinned to it; its node serves on its other CPUs, or, with none left, is left out
# as "no usable CPUs (its 1 CPU is offline)" and refused by numa_nodes (docs/NUMA.md).
# The CPU is brought back online on exit.
source "$(dirname "$0")/../../integration/functions.sh"
source "$(dirname "$0")/functions.sh"

cpu=$(ls -d /sys/devices/system/cpu/cpu[0-9]*/online | sed 's|.*/cpu\([0-9]*\)/online|\1|' | sort -n | tail -1)
[ -n "$cpu" ] || skip "no CPU can be taken offline"
node=$(ls -d /sys/devices/system/cpu/cpu"$cpu"/node[0-9]* | sed 's|.*/node||')
online=/sys/devices/system/cpu/cpu$cpu/online
echo 0 >"$online" || fail "cannot take CPU $cpu offline"
on_exit "echo 1 >$online"
rest=$(node_cpus "$node")
echo "CPU $cpu of node $node offline; node $node keeps CPUs '${rest}'"

cfg=$(make_config)
"$DGENFS" --show-plan "$cfg" >"$TMPDIR_TEST/plan" || fail "--show-plan: $(cat "$TMPDIR_TEST/plan")"
cat "$TMPDIR_TEST/plan"
if [ -n "$rest" ]; then
    k=$(expand_cpus "$rest" | wc -w)
    grep -q "^node $node: cpus $rest ($k cores\?), $k workers\?," "$TMPDIR_TEST/plan" ||
        fail "node $node: want its remaining CPUs $rest in the plan"
else
    grep -qxF "note: node $node: no usable CPUs (its 1 CPU is offline); not used" "$TMPDIR_TEST/plan" ||
        fail "node $node, whose only CPU is offline: want 'note: node $node: no usable CPUs (its 1 CPU is offline); not used'"
    ! grep -q "^node $node:" "$TMPDIR_TEST/plan" || fail "node $node has no online CPU but is in the plan"
    rc=0
    "$DGENFS" --show-plan "$(make_config "numa_nodes = $node")" >"$TMPDIR_TEST/err" 2>&1 || rc=$?
    [ "$rc" = 2 ] && grep -qF "node $node has no CPUs this process may use (offline)" "$TMPDIR_TEST/err" ||
        fail "numa_nodes = $node (its CPU offline): exit $rc, want 2 and '(offline)': $(cat "$TMPDIR_TEST/err")"
fi

want=$(count_workers)
mount_with_workers "$cfg" "$want"
! awk -v c="$cpu" '$3 == c {on = 1} END {exit !on}' "$TMPDIR_TEST/threads" || fail "a worker is pinned to offline CPU $cpu"
# shellcheck disable=SC2207  # node numbers: no spaces (no <(...): the guest has no /dev/fd)
nodes=($(cpu_nodes))
read_pinned "${nodes[0]}" "$TMPDIR_TEST/mnt/f.bin" "$TMPDIR_TEST/out" 4 0
same_range "$TMPDIR_TEST/out" "$cfg" f.bin 4 0
echo "ok: $want workers, none on CPU $cpu"
