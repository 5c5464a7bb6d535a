#!/usr/bin/env bash
# per_node_mount = true: a reader pinned to node N reading MOUNTPOINT/node<N> is served
# only by node N's workers (the per-node counters of /.dgen/stats.json before and after),
# and reads the bytes `dgen cat` writes.
source "$(dirname "$0")/../../integration/functions.sh"
source "$(dirname "$0")/functions.sh"

MIB=8
cfg=$(make_config "per_node_mount = true")
mount_fs "$cfg" "$TMPDIR_TEST/mnt"
skip_mib=0
for n in $(cpu_nodes); do
    m=$TMPDIR_TEST/mnt.nodes/node$n
    for _ in $(seq 100); do is_mounted "$m" && break; sleep 0.1; done
    is_mounted "$m" || fail "node $n: $m is not mounted"
    cp "$m/.dgen/stats.json" "$TMPDIR_TEST/before.json" || fail "cannot read $m/.dgen/stats.json"
    read_pinned "$n" "$m/f.bin" "$TMPDIR_TEST/out" "$MIB" "$skip_mib"
    cp "$m/.dgen/stats.json" "$TMPDIR_TEST/after.json" || fail "cannot read $m/.dgen/stats.json"
    same_range "$TMPDIR_TEST/out" "$cfg" f.bin "$MIB" "$skip_mib"
    served_by_node "$TMPDIR_TEST/before.json" >"$TMPDIR_TEST/before"
    served_by_node "$TMPDIR_TEST/after.json" >"$TMPDIR_TEST/after"
    delta=$(join "$TMPDIR_TEST/before" "$TMPDIR_TEST/after" | awk '{printf "%s=%d ", $1, $3 - $2}')
    echo "reader on node $n, $MIB MiB from node$n: bytes served by node: $delta"
    for d in $delta; do
        who=${d%=*} bytes=${d#*=}
        if [ "$who" = "$n" ]; then
            [ "$bytes" = $((MIB << 20)) ] || fail "node $n's workers served $bytes bytes of node$n's $MIB MiB"
        else
            [ "$bytes" = 0 ] || fail "a reader of node$n was served $bytes bytes by node $who's workers"
        fi
    done
    [[ " $delta" == *" $n="* ]] || fail "stats.json has no counters for node $n"
    skip_mib=$((skip_mib + MIB))
done
echo "ok: every node's mount served only by its own workers"
