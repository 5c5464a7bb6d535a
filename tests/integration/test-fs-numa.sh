#!/usr/bin/env bash
# NUMA workers on the real machine: every worker thread's affinity (from
# /proc/PID/task/TID/status) is its place in the plan, its buffer is on its node (the
# daemon's get_mempolicy, and /proc/PID/numa_maps for each pool), and per-node mode
# mounts one MOUNTPOINT/node<N> per node group. Also --show-plan here and on a synthetic
# 4-node topology.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires python3
[ -z "${DGENFS_TEST_DATASET:-}" ] || skip "sets its own serving keys"

cfg=$TMPDIR_TEST/numa.ini
printf '[dataset]\nworkers_per_node = 3\n[file]\npath = f.bin\nsize = 64MiB\n' >"$cfg"
"$DGENFS" --show-plan "$cfg" >"$TMPDIR_TEST/plan" || fail "--show-plan: $(cat "$TMPDIR_TEST/plan")"
echo "--- plan on this machine:"; cat "$TMPDIR_TEST/plan"
HWLOC_SYNTHETIC="pack:2 numa:2 core:4 pu:1" "$DGENFS" --show-plan "$cfg" >"$TMPDIR_TEST/plan4"
echo "--- plan on a synthetic 4-node topology:"; cat "$TMPDIR_TEST/plan4"
[ "$(grep -c '^node [0-3]: cpus .* (4 cores), 3 workers, pool 3 MiB$' "$TMPDIR_TEST/plan4")" -eq 4 ] ||
    fail "synthetic 4-node plan"
printf '[dataset]\nnuma_nodes = 77\n[file]\npath = a\nsize = 1\n' >"$TMPDIR_TEST/bad.ini"
rc=0; "$DGENFS" --show-plan "$TMPDIR_TEST/bad.ini" 2>"$TMPDIR_TEST/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "node 77 does not exist" "$TMPDIR_TEST/err" || fail "bad node: $rc $(cat "$TMPDIR_TEST/err")"
mkdir -p "$TMPDIR_TEST/never"
rc=0; "$DGENFS" "$TMPDIR_TEST/bad.ini" "$TMPDIR_TEST/never" -f 2>"$TMPDIR_TEST/err" || rc=$?
[ "$rc" -eq 2 ] && ! is_mounted "$TMPDIR_TEST/never" || fail "an impossible plan mounted or exited $rc"

# check_workers LOG PID PLAN: each worker line matches the plan and the kernel's view.
check_workers() {
    python3 - "$1" "$2" "$3" <<'PY'
import re, sys
log, pid, plan = open(sys.argv[1]).read(), sys.argv[2], open(sys.argv[3]).read()
def cpus(text):
    out = set()
    for part in text.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out
groups = {int(m.group(1)): (cpus(m.group(2)), int(m.group(3)))
          for m in re.finditer(r"^node (\d+): cpus (\S+) \(\d+ cores?\), (\d+) workers?", plan, re.M)}
workers = re.findall(r"^(?:dgenfs: )?worker (\d+)\.(\d+): node (\d+), cpus (\S+), tid (\d+), buffer on node (-?\d+)", log, re.M)
assert len(workers) == sum(n for _, n in groups.values()), (workers, groups)
for g, i, node, wcpus, tid, bnode in workers:
    node = int(node)
    status = open(f"/proc/{pid}/task/{tid}/status").read()
    allowed = cpus(re.search(r"Cpus_allowed_list:\s*(\S+)", status).group(1))
    assert allowed == cpus(wcpus), f"worker {g}.{i}: kernel says cpus {allowed}, log {wcpus}"
    assert allowed <= groups[node][0], f"worker {g}.{i} pinned outside node {node}"
    assert int(bnode) == node, f"worker {g}.{i}: buffer on node {bnode}, worker on {node}"
# Each node pool: a bind:<node> mapping whose pages are all on that node.
maps = open(f"/proc/{pid}/numa_maps").read()
for node, (_, n) in groups.items():
    pools = [l for l in maps.splitlines() if f" bind:{node} " in l]
    assert pools, f"no pool bound to node {node}"
    for l in pools:
        on = {int(k[1:]): int(v) for k, v in re.findall(r"(N\d+)=(\d+)", l)}
        assert set(on) == {node}, f"pool pages on nodes {on}, want only {node}: {l}"
print(f"{len(workers)} workers: affinity and buffer nodes match the plan")
PY
}

mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"
dd if="$mnt/f.bin" of=/dev/null bs=1M status=none
for _ in $(seq 50); do [ "$(grep -c 'worker .*buffer on node' "$DGENFS_LOG")" -ge "$(awk '/workers/ {n += $(NF-4)} END {print n}' "$TMPDIR_TEST/plan")" ] && break; sleep 0.1; done
check_workers "$DGENFS_LOG" "$DGENFS_PID" "$TMPDIR_TEST/plan" || fail "worker placement: $(cat "$DGENFS_LOG")"
same_bytes "$mnt/f.bin" "$cfg" f.bin
unmount_fs "$mnt" "$DGENFS_PID" "$DGENFS_LOG"  # and the daemon must exit 0

# Per-node mode: one mount per node group, each serving the whole dataset.
printf '[dataset]\nper_node_mount = true\nworkers_per_node = 2\n[file]\npath = f.bin\nsize = 64MiB\n' >"$TMPDIR_TEST/pn.ini"
"$DGENFS" --show-plan "$TMPDIR_TEST/pn.ini" >"$TMPDIR_TEST/pnplan"
mount_fs "$TMPDIR_TEST/pn.ini" "$TMPDIR_TEST/pn"
for node in $(sed -n 's/^node \([0-9]*\):.*/\1/p' "$TMPDIR_TEST/pnplan"); do
    m=$TMPDIR_TEST/pn.nodes/node$node
    for _ in $(seq 100); do is_mounted "$m" && break; sleep 0.05; done
    is_mounted "$m" || fail "node $node: $m not mounted"
    # A reader pinned to the node's cpus reads its node's mount.
    node_cpus=$(sed -n "s/^node $node: cpus \([^ ]*\) .*/\1/p" "$TMPDIR_TEST/pnplan")
    taskset -c "$node_cpus" cat "$m/f.bin" >"$TMPDIR_TEST/pn.out"
    same_bytes "$TMPDIR_TEST/pn.out" "$TMPDIR_TEST/pn.ini" f.bin
done
check_workers "$DGENFS_LOG" "$DGENFS_PID" "$TMPDIR_TEST/pnplan" || fail "per-node placement"
echo "ok"
