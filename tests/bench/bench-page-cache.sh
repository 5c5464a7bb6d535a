#!/usr/bin/env bash
# The page-cache path against its ceiling on this machine (a benchmark, not a test).
# Reading a dgenfs file through the page cache for the first time fills freshly
# allocated pages; so does writing a tmpfs file, and no FUSE server reads through the
# page cache faster than the machine fills it. Each run, interleaved:
#
#   page-cache  R `dd bs=1M` readers at once, pinned one per CPU, each of its own
#               incompressible file, on a fresh mount with direct_io = false
#   direct-io   the same with the defaults (direct_io: no page cache)
#   tmpfs-fill  R `dd if=/dev/zero bs=1M` writers at once into a tmpfs of our own: the
#               machine's fresh page-cache fill, the ceiling of page-cache
#
# for R = 1 .. --readers. Before each: caches dropped, then --settle seconds (default
# 10). A VM whose balloon reports free pages to its host (virtio-balloon free page
# reporting, as on this project's machines) hands freed memory back within seconds,
# and a page the host took back is slow to fill again: without the pause, a run that
# follows another within a second or two fills the pages that one just freed, and the
# order of the runs decides the figures. Each figure is the median of --runs runs, all
# readers' bytes over the slowest one's time; GB = 10^9 bytes.
#
#   tests/bench/bench-page-cache.sh [--size 4GiB] [--readers 2] [--runs 5] [--settle 10]
# Needs root (mounts, drop_caches), taskset and dgenfs (default: ./build/src/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DGEN=${DGEN:-$here/../../build/src/dgen}
DGENFS=${DGENFS:-$here/../../build/src/dgenfs}
size=4GiB readers=2 runs=5 settle=10
while [ $# -gt 0 ]; do
    case $1 in
    --size) size=$2; shift 2 ;;
    --readers) readers=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-page-cache.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
source "$here/common.sh"
bench_requires bench-page-cache.sh taskset numfmt
bytes=$(numfmt --from=iec-i "${size%B}" 2>/dev/null || numfmt --from=iec "${size%B}")
mib=$((bytes >> 20))
mapfile -t cpus < <(taskset -pc $$ | sed 's/.*: //' | tr ',' '\n' |
    awk -F- '{for (c = $1; c <= ($2 == "" ? $1 : $2); c++) print c}')

work=$(mktemp -d /tmp/dgen-page-cache.XXXXXX)
pid=""
cleanup() {
    findmnt -rn -M "$work/mnt" >/dev/null 2>&1 && { fusermount3 -u "$work/mnt" || umount -l "$work/mnt"; }
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    findmnt -rn -M "$work/shm" >/dev/null 2>&1 && umount "$work/shm"
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/mnt" "$work/shm"
mount -t tmpfs -o "size=$(((readers * mib + 64)))m" dgen-bench "$work/shm"

for mode in page-cache direct-io; do
    {
        printf '[dataset]\nseed = 7\n'
        [ "$mode" = page-cache ] && printf 'direct_io = false\n'
        for i in $(seq 0 $((readers - 1))); do printf '[file]\npath = r%d.bin\nsize = %s\n' "$i" "$size"; done
    } >"$work/$mode.ini"
done

# settle: no cached pages of ours, and --settle seconds for what the last run freed
# to settle (on a VM that reports free pages to its host, they are then handed back).
settle() {
    sync
    echo 3 >/proc/sys/vm/drop_caches
    sleep "$settle"
}

# gbps R T0 T1: R files of $bytes in T1 - T0 seconds.
gbps() { awk -v b="$bytes" -v r="$1" -v t0="$2" -v t1="$3" 'BEGIN {printf "%.3f", b * r / (t1 - t0) / 1e9}'; }

# read_mount MODE R: a fresh mount of MODE.ini, R pinned readers at once; prints GB/s.
read_mount() {
    local mode=$1 r=$2 t0 t1 i pids=()
    "$DGENFS" "$work/$mode.ini" "$work/mnt" -f -o auto_unmount 2>>"$work/dgenfs.log" &
    pid=$!
    for _ in $(seq 200); do [ -e "$work/mnt/r0.bin" ] && break; sleep 0.05; done
    [ -e "$work/mnt/r0.bin" ] || { echo "bench-page-cache.sh: $mode did not mount: $(cat "$work/dgenfs.log")" >&2; exit 1; }
    settle
    t0=$(date +%s.%N)
    for i in $(seq 0 $((r - 1))); do
        taskset -c "${cpus[$((i % ${#cpus[@]}))]}" dd if="$work/mnt/r$i.bin" of=/dev/null bs=1M status=none &
        pids+=($!)
    done
    wait "${pids[@]}"
    t1=$(date +%s.%N)
    fusermount3 -u "$work/mnt"
    wait "$pid"
    pid=""
    gbps "$r" "$t0" "$t1"
}

# fill R: R pinned writers of fresh tmpfs pages at once; prints GB/s.
fill() {
    local r=$1 t0 t1 i pids=()
    settle
    t0=$(date +%s.%N)
    for i in $(seq 0 $((r - 1))); do
        taskset -c "${cpus[$((i % ${#cpus[@]}))]}" dd if=/dev/zero of="$work/shm/w$i" bs=1M count="$mib" status=none &
        pids+=($!)
    done
    wait "${pids[@]}"
    t1=$(date +%s.%N)
    rm -f "$work/shm"/w*
    gbps "$r" "$t0" "$t1"
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A res
for _ in $(seq "$runs"); do
    for r in $(seq 1 "$readers"); do
        res[page-cache.$r]+=" $(read_mount page-cache "$r")"
        res[direct-io.$r]+=" $(read_mount direct-io "$r")"
        res[tmpfs-fill.$r]+=" $(fill "$r")"
    done
done

echo "page cache against direct_io and the machine's fresh-page fill: $size per reader," \
    "CPUs ${cpus[*]}, --settle $settle s, median of $runs runs (GB/s, all readers together)"
printf '%-8s %11s %11s %11s %14s %14s\n' readers page-cache direct-io tmpfs-fill "pc/direct-io" "pc/tmpfs-fill"
for r in $(seq 1 "$readers"); do
    pc=$(echo "${res[page-cache.$r]}" | median)
    dio=$(echo "${res[direct-io.$r]}" | median)
    tf=$(echo "${res[tmpfs-fill.$r]}" | median)
    printf '%-8s %11.2f %11.2f %11.2f %13.2fx %13.2fx\n' "$r" "$pc" "$dio" "$tf" \
        "$(awk -v a="$pc" -v b="$dio" 'BEGIN {print a / b}')" "$(awk -v a="$pc" -v b="$tf" 'BEGIN {print a / b}')"
done
echo
echo "runs:"
for r in $(seq 1 "$readers"); do
    for mode in page-cache direct-io tmpfs-fill; do printf '  %-10s R=%d %s\n' "$mode" "$r" "${res[$mode.$r]# }"; done
done
