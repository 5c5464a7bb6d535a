#!/usr/bin/env bash
# Scaling through the mount (a benchmark, not a test): aggregate `dd bs=1M` throughput with
# 1, 2, ... N concurrent readers, each reading its own incompressible file. With
# --per-node, dgenfs mounts one MOUNTPOINT/node<K> per NUMA node and reader i is pinned
# (taskset) to node i mod nodes and reads that node's mount: the seed study's zero
# cross-node layout. Each figure is the median of --runs runs; GB = 10^9 bytes.
#
#   tests/bench/bench-scaling.sh [--size 4GiB] [--readers N] [--runs 3] [--per-node]
#                                [--json FILE]
# Needs root and dgenfs (default: ./build/src/); --json needs python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DGENFS=${DGENFS:-$here/../../build/src/dgenfs}
size=4GiB readers=$(nproc) runs=3 per_node=false json=""
while [ $# -gt 0 ]; do
    case $1 in
    --size) size=$2; shift 2 ;;
    --readers) readers=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --per-node) per_node=true; shift ;;
    --json) json=$2; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-scaling.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench-scaling.sh: needs root" >&2; exit 2; }
[ -x "$DGENFS" ] || { echo "bench-scaling.sh: no $DGENFS (build first)" >&2; exit 2; }

work=$(mktemp -d /tmp/dgen-scaling.XXXXXX)
pid=""
cleanup() {
    for m in $(findmnt -rn -o TARGET | grep "^$work/" || true); do fusermount3 -u "$m" || umount -l "$m"; done
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT

{
    printf '[dataset]\nseed = 7\nper_node_mount = %s\n' "$per_node"
    for i in $(seq 0 $((readers - 1))); do printf '[file]\npath = r%d.bin\nsize = %s\n' "$i" "$size"; done
} >"$work/scaling.ini"
"$DGENFS" --show-plan "$work/scaling.ini" >"$work/plan"
mapfile -t nodes < <(sed -n 's/^node \([0-9]*\):.*/\1/p' "$work/plan")
mkdir -p "$work/mnt"
"$DGENFS" "$work/scaling.ini" "$work/mnt" -f -o auto_unmount 2>"$work/dgenfs.log" &
pid=$!
mount_of() {  # reader i -> "mountpoint cpus"
    local node=${nodes[$(($1 % ${#nodes[@]}))]}
    local cpus
    cpus=$(sed -n "s/^node $node: cpus \([^ ]*\) .*/\1/p" "$work/plan")
    if [ "$per_node" = true ]; then echo "$work/mnt/node$node $cpus"; else echo "$work/mnt $cpus"; fi
}
for i in $(seq 0 $((readers - 1))); do
    read -r m _ <<<"$(mount_of "$i")"
    for _ in $(seq 200); do findmnt -rn -M "$m" >/dev/null && break; sleep 0.05; done
    findmnt -rn -M "$m" >/dev/null || { cat "$work/dgenfs.log" >&2; exit 1; }
done
bytes=$(stat -c %s "$(mount_of 0 | cut -d' ' -f1)/r0.bin")

# run R: R readers at once; prints aggregate GB/s.
run() {
    local r=$1 t0 t1 pids=()
    t0=$(date +%s.%N)
    for i in $(seq 0 $((r - 1))); do
        read -r m cpus <<<"$(mount_of "$i")"
        taskset -c "$cpus" dd if="$m/r$i.bin" of=/dev/null bs=1M status=none &
        pids+=($!)
    done
    wait "${pids[@]}"
    t1=$(date +%s.%N)
    awk -v b="$bytes" -v r="$r" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.3f", b * r / (t1 - t0) / 1e9}'
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A res
for _ in $(seq "$runs"); do
    for r in $(seq 1 "$readers"); do res[$r]+=" $(run "$r")"; done
done
echo "dgenfs scaling: $(numfmt --to=iec "$bytes")B per reader, per_node_mount=$per_node, median of $runs runs"
sed 's/^/  plan: /' "$work/plan"
echo
printf '%-8s %12s %12s  %s\n' readers "GB/s" "x 1 reader" runs
one=$(echo "${res[1]}" | median)
for r in $(seq 1 "$readers"); do
    m=$(echo "${res[$r]}" | median)
    printf '%-8s %12.2f %12.2f  %s\n' "$r" "$m" "$(awk -v a="$m" -v b="$one" 'BEGIN {print a / b}')" "${res[$r]# }"
done
if [ -n "$json" ]; then
    kernel=$(sed -n 's/.*kernel \([a-z0-9-]*\),.*/\1/p' "$work/dgenfs.log" | head -1)
    for r in $(seq 1 "$readers"); do echo "$r $(echo "${res[$r]}" | median)${res[$r]}"; done |
        python3 -c '
import json, sys
rows = [l.split() for l in sys.stdin]
json.dump({"bytes_per_reader": int(sys.argv[2]), "runs": int(sys.argv[3]), "per_node_mount": sys.argv[4],
           "nodes": len(sys.argv[5].split()), "kernel": sys.argv[6], "unit": "GB/s (1e9 bytes/s), all readers together",
           "readers": [{"readers": int(r[0]), "gbps": float(r[1]), "runs_gbps": [float(x) for x in r[2:]]} for r in rows]},
          open(sys.argv[1], "w"), indent=2)' "$json" "$bytes" "$runs" "$per_node" "${nodes[*]}" "$kernel"
fi
