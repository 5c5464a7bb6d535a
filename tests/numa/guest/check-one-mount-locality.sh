#!/usr/bin/env bash
# One mount: how much of a pinned reader's data the workers of the reader's own node
# serve. REPORTED, not asserted (the kernel hands each /dev/fuse request to whichever
# worker is waiting): the baseline a NUMA-aware transport must beat. Asserted: every
# byte counted once, by some worker, and equal to `dgen cat`.
source "$(dirname "$0")/../../integration/functions.sh"
source "$(dirname "$0")/functions.sh"

MIB=${DGEN_NUMA_LOCALITY_MIB:-8}
cfg=$(make_config)
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"
skip_mib=0 local_all=0 all=0
for n in $(cpu_nodes); do
    cp "$mnt/.dgen/stats.json" "$TMPDIR_TEST/before.json" || fail "cannot read stats.json"
    read_pinned "$n" "$mnt/f.bin" "$TMPDIR_TEST/out" "$MIB" "$skip_mib"
    cp "$mnt/.dgen/stats.json" "$TMPDIR_TEST/after.json" || fail "cannot read stats.json"
    same_range "$TMPDIR_TEST/out" "$cfg" f.bin "$MIB" "$skip_mib"
    served_by_node "$TMPDIR_TEST/before.json" >"$TMPDIR_TEST/before"
    served_by_node "$TMPDIR_TEST/after.json" >"$TMPDIR_TEST/after"
    join "$TMPDIR_TEST/before" "$TMPDIR_TEST/after" | awk '{print $1, $3 - $2}' >"$TMPDIR_TEST/delta"
    sum=$(awk '{s += $2} END {print s}' "$TMPDIR_TEST/delta")
    [ "$sum" = $((MIB << 20)) ] || fail "workers counted $sum bytes for a $MIB MiB read: $(cat "$TMPDIR_TEST/delta")"
    own=$(awk -v n="$n" '$1 == n {print $2}' "$TMPDIR_TEST/delta")
    [ -n "$own" ] || fail "stats.json has no counters for node $n"
    echo "reader on node $n: $(awk -v o="$own" -v s="$sum" 'BEGIN {printf "%.1f of %.1f MiB (%.0f%%)", o / 2^20, s / 2^20, 100 * o / s}') served by node $n's workers; MiB by node: $(awk '{printf "%s=%.1f ", $1, $2 / 2^20}' "$TMPDIR_TEST/delta")"
    local_all=$((local_all + own)) all=$((all + sum)) skip_mib=$((skip_mib + MIB))
done
echo "served on the reader's node, one mount, $(cpu_nodes | wc -l) nodes with CPUs: $(awk -v o="$local_all" -v s="$all" 'BEGIN {printf "%.0f%% (%.1f of %.1f MiB)", 100 * o / s, o / 2^20, s / 2^20}')"
