#!/usr/bin/env bash
# Streams through the mount, side by side in one run (a benchmark, not a test):
#   - `dd bs=1M` of an incompressible file on dgenfs
#   - the same daemon serving a pattern = zero file of the same size (the FUSE ceiling)
#   - the same bytes from a tmpfs file (the "store it in RAM first" alternative)
#   - nbdkit's random plugin copied with nbdcopy, when both are installed (not with --no-nbdkit)
#   - 4 KiB random reads (fio, psync) of the dgen file vs the zero file
# Each figure is the median of --runs runs, interleaved; GB = 10^9 bytes.
#
#   tests/bench/bench-mount.sh [--size 4GiB] [--runs 3] [--direct-io true|false]
#                              [--workers N] [--readahead SIZE] [--fio-seconds S] [--no-nbdkit]
#                              [--json FILE]
# Needs root (mounts, drop_caches), dgen and dgenfs (default: ./build/src/), fio, python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DGEN=${DGEN:-$here/../../build/src/dgen}
DGENFS=${DGENFS:-$here/../../build/src/dgenfs}
size=4GiB runs=3 direct_io=true workers=auto readahead=1MiB fio_seconds=5 nbdkit=true json=""
while [ $# -gt 0 ]; do
    case $1 in
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --direct-io) direct_io=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --readahead) readahead=$2; shift 2 ;;
    --fio-seconds) fio_seconds=$2; shift 2 ;;
    --no-nbdkit) nbdkit=false; shift ;;
    --json) json=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-mount.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
source "$here/common.sh"
bench_requires bench-mount.sh fio

work=$(mktemp -d /tmp/dgen-bench.XXXXXX)
mnt=$work/mnt
shm=/dev/shm/dgen-bench.$$.bin
pid="" nbd_pid=""
cleanup() {
    if findmnt -rn -M "$mnt" >/dev/null 2>&1; then fusermount3 -u "$mnt" || umount -l "$mnt"; fi
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    [ -n "$nbd_pid" ] && { kill "$nbd_pid" 2>/dev/null || true; wait "$nbd_pid" 2>/dev/null || true; }
    rm -f "$shm"
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/bench.ini" <<INI
[dataset]
seed = 1
direct_io = $direct_io
workers_per_node = $workers
readahead = $readahead
[file]
path = data.bin
size = $size
[file]
path = zeros.bin
size = $size
pattern = zero
INI
mkdir -p "$mnt"
"$DGENFS" "$work/bench.ini" "$mnt" -f -o auto_unmount 2>"$work/dgenfs.log" &
pid=$!
for _ in $(seq 200); do findmnt -rn -M "$mnt" >/dev/null && break; sleep 0.05; done
findmnt -rn -M "$mnt" >/dev/null || { cat "$work/dgenfs.log" >&2; exit 1; }
bytes=$(stat -c %s "$mnt/data.bin")
"$DGEN" cat --config "$work/bench.ini" data.bin >"$shm"

have_nbd=0
if [ "$nbdkit" = true ] && command -v nbdkit >/dev/null && command -v nbdcopy >/dev/null; then
    nbdkit --exit-with-parent -f -U "$work/nbd.sock" random "$bytes" 2>/dev/null &
    nbd_pid=$!
    for _ in $(seq 100); do [ -S "$work/nbd.sock" ] && break; sleep 0.05; done
    [ -S "$work/nbd.sock" ] && have_nbd=1
fi

now() { date +%s.%N; }
gbps() { awk -v b="$bytes" -v t0="$1" -v t1="$2" 'BEGIN {printf "%.3f", b / (t1 - t0) / 1e9}'; }
# dd_rate FILE: one sequential read, GB/s. Page-cache mode starts cold each time.
dd_rate() {
    [ "$direct_io" = true ] || { sync; echo 1 >/proc/sys/vm/drop_caches; }
    local t0 t1
    t0=$(now)
    dd if="$1" of=/dev/null bs=1M status=none
    t1=$(now)
    gbps "$t0" "$t1"
}
nbd_rate() {
    local t0 t1
    t0=$(now)
    nbdcopy "nbd+unix:///?socket=$work/nbd.sock" null:
    t1=$(now)
    gbps "$t0" "$t1"
}
fio_iops() {
    [ "$direct_io" = true ] || { sync; echo 1 >/proc/sys/vm/drop_caches; }
    fio --name=rand --filename="$1" --readonly --rw=randread --bs=4k --ioengine=psync \
        --time_based --runtime="$fio_seconds" --output-format=json --output="$work/fio.json" >/dev/null
    python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["jobs"][0]["read"]["iops"])' "$work/fio.json"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A r
for _ in $(seq "$runs"); do
    r[dgen]+=" $(dd_rate "$mnt/data.bin")"
    r[zero]+=" $(dd_rate "$mnt/zeros.bin")"
    r[tmpfs]+=" $(dd_rate "$shm")"
    [ "$have_nbd" = 1 ] && r[nbd]+=" $(nbd_rate)"
    r[fio_dgen]+=" $(fio_iops "$mnt/data.bin")"
    r[fio_zero]+=" $(fio_iops "$mnt/zeros.bin")"
done
m() { echo "${r[$1]}" | median; }
dgen=$(m dgen) zero=$(m zero) tmpfs=$(m tmpfs) fd=$(m fio_dgen) fz=$(m fio_zero)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

kernel=$(sed -n 's/.*kernel \([a-z0-9-]*\),.*/\1/p' "$work/dgenfs.log")
echo "dgenfs mount benchmark: $(numfmt --to=iec "$bytes")B per read, median of $runs runs"
echo "direct_io=$direct_io workers_per_node=$workers readahead=$readahead kernel=$kernel; GB = 10^9 bytes"
echo
printf '%-34s %8s %12s %10s  %s\n' "dd bs=1M, sequential" "GB/s" "x zero-fs" "x tmpfs" "runs"
printf '%-34s %8.2f %12s %10s  %s\n' "dgenfs, incompressible file" "$dgen" "$(ratio "$dgen" "$zero")" "$(ratio "$dgen" "$tmpfs")" "${r[dgen]# }"
printf '%-34s %8.2f %12s %10s  %s\n' "same daemon, pattern = zero" "$zero" 1.00 "$(ratio "$zero" "$tmpfs")" "${r[zero]# }"
printf '%-34s %8.2f %12s %10s  %s\n' "tmpfs file, same bytes" "$tmpfs" "$(ratio "$tmpfs" "$zero")" 1.00 "${r[tmpfs]# }"
if [ "$have_nbd" = 1 ]; then
    nbd=$(m nbd)
    printf '%-34s %8.2f %12s %10s  %s\n' "nbdkit random + nbdcopy" "$nbd" "$(ratio "$nbd" "$zero")" "$(ratio "$nbd" "$tmpfs")" "${r[nbd]# }"
fi
echo
printf '%-34s %8s %12s  %s\n' "fio 4 KiB randread, psync" "IOPS" "x zero-fs" "runs"
printf '%-34s %8.0f %12s  %s\n' "dgenfs, incompressible file" "$fd" "$(ratio "$fd" "$fz")" "${r[fio_dgen]# }"
printf '%-34s %8.0f %12s  %s\n' "same daemon, pattern = zero" "$fz" 1.00 "${r[fio_zero]# }"
if [ -n "$json" ]; then
    runs_of() { local v IFS=' '; read -ra v <<<"${r[$1]:-}"; IFS=,; echo "[${v[*]}]"; }  # as a JSON list
    python3 - "$json" <<PY
import json, sys
json.dump({"bytes": $bytes, "runs": $runs, "direct_io": "$direct_io", "workers_per_node": "$workers",
           "readahead": "$readahead", "kernel": "$kernel",
           "dd_gbps": {"dgen": $dgen, "zero": $zero, "tmpfs": $tmpfs, "nbd": ${nbd:-None}},
           "fio_4k_iops": {"dgen": $fd, "zero": $fz},
           "dd_gbps_runs": {"dgen": $(runs_of dgen), "zero": $(runs_of zero), "tmpfs": $(runs_of tmpfs), "nbd": $(runs_of nbd)},
           "fio_4k_iops_runs": {"dgen": $(runs_of fio_dgen), "zero": $(runs_of fio_zero)}},
          open(sys.argv[1], "w"), indent=2)
PY
fi
