#!/usr/bin/env bash
# The two transports side by side in one run (a benchmark, not a test): the same dataset
# mounted with transport = classic (/dev/fuse) and transport = uring (FUSE over io_uring,
# one queue per CPU), and the same bytes in tmpfs. Each run mounts each transport afresh
# and measures, interleaved:
#   cat-cold   `cat` of 1,000 files of 4 KiB in one directory, first read after mounting
#              (the dataset below, whose big files keep OPEN requests on)
#   cat-small  the same on a dataset of only those files, mounted alone: skip_open's auto
#              is then on (no OPEN, FLUSH or RELEASE requests), the small-file settings
#   dd-1       one `dd bs=1M` of a SIZE file, pinned to the last CPU
#   dd-2       two at once, of two files, pinned to CPUs 0 and 1 (the sum)
#   fio-1      4 KiB random reads, fio psync, one job (IOPS), where the scheduler puts it
#   fio-2      the same, two jobs (the sum)
#   fio-1p     fio-1 pinned to the last CPU, as dd-1: over io_uring an unpinned reader is
#              woken onto the idle CPU after each reply (it ran beside its queue's
#              thread), so only a pinned one keeps its requests on one core
#   fio-2p     fio-2 with each job pinned to a CPU of its own (cpus_allowed_policy=split)
# Each figure is the median of --runs runs; dd-2/dd-1 is also given per run (the issue's
# bar is every run). Over io_uring the daemon's log gives where each queue answered.
#
#   tests/bench/bench-transport.sh [--runs 5] [--size 2GiB] [--fio-seconds 3] [--json FILE]
#
# Needs root, fio, python3, taskset, 2 CPUs; dgen and dgenfs (default: ./build/src/). Turns on
# the fuse module's enable_uring if it is off (and says so). GB = 10^9 bytes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DGEN=${DGEN:-$here/../../build/src/dgen}
DGENFS=${DGENFS:-$here/../../build/src/dgenfs}
runs=5 size=2GiB fio_seconds=3 json=""
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --fio-seconds) fio_seconds=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-transport.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
source "$here/common.sh"
bench_requires bench-transport.sh fio python3 taskset
[ "$(nproc)" -ge 2 ] || { echo "bench-transport.sh: needs 2 CPUs" >&2; exit 2; }
param=/sys/module/fuse/parameters/enable_uring
[ -e "$param" ] || { echo "bench-transport.sh: this kernel has no FUSE over io_uring ($param)" >&2; exit 2; }
if [ "$(cat "$param")" != Y ]; then echo Y >"$param"; echo "(turned on $param)"; fi

work=$(mktemp -d /tmp/dgen-transport.XXXXXX)
shm=$(mktemp -d /dev/shm/dgen-transport.XXXXXX)
mnt=$work/mnt pid=""
cleanup() {
    if findmnt -rn -M "$mnt" >/dev/null 2>&1; then fusermount3 -u "$mnt" || umount -l "$mnt"; fi
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    rm -rf "$work" "$shm"
}
trap cleanup EXIT
mkdir -p "$mnt"
for t in classic uring; do
    cat >"$work/$t.ini" <<INI
[dataset]
seed = 1
transport = $t
[file]
path = big0.bin
size = $size
[file]
path = big1.bin
size = $size
[set]
dir = small
count = 1000
size = 4KiB
files_per_dir = 1000
INI
    cat >"$work/$t-small.ini" <<INI
[dataset]
seed = 1
transport = $t
[set]
dir = small
count = 1000
size = 4KiB
files_per_dir = 1000
INI
done
for f in big0.bin big1.bin; do "$DGEN" cat --config "$work/classic.ini" "$f" >"$shm/$f"; done
mkdir -p "$shm/small"
"$DGEN" ls --config "$work/classic.ini" small | awk '$1 == "f" {print $3}' >"$work/small.list"
while read -r f; do "$DGEN" cat --config "$work/classic.ini" "$f" >"$shm/$f"; done <"$work/small.list"
bytes=$(stat -c %s "$shm/big0.bin")
last=$(($(nproc) - 1))

mount_t() {  # TRANSPORT [CONFIG-SUFFIX]
    "$DGENFS" "$work/$1${2:-}.ini" "$mnt" -f -o auto_unmount 2>"$work/$1.log" &
    pid=$!
    for _ in $(seq 200); do findmnt -rn -M "$mnt" >/dev/null && break; sleep 0.05; done
    findmnt -rn -M "$mnt" >/dev/null || { cat "$work/$1.log" >&2; exit 1; }
    grep -q "transport: $([ "$1" = uring ] && echo io_uring || echo classic)" "$work/$1.log" ||
        { echo "bench-transport.sh: $1 did not get its transport: $(grep transport: "$work/$1.log")" >&2; exit 1; }
}
unmount_t() {
    fusermount3 -u "$mnt"
    wait "$pid" || { echo "bench-transport.sh: dgenfs exited $?" >&2; exit 1; }
    pid=""
}
now() { date +%s.%N; }
per_s() { python3 -c "import sys; print(f'{float(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.3f}')" "$@"; }
cat_cold() {  # DIR -> files/s
    local t0 t1
    t0=$(now)
    (cd "$1/small" && cat -- * >/dev/null)
    t1=$(now)
    per_s 1000 "$t0" "$t1"
}
dd_1() {  # DIR -> GB/s
    local t0 t1
    t0=$(now)
    taskset -c "$last" dd if="$1/big0.bin" of=/dev/null bs=1M status=none
    t1=$(now)
    per_s "$((bytes / 1000))" "$t0" "$t1" | awk '{printf "%.3f", $1 / 1e6}'
}
dd_2() {  # DIR -> GB/s, both readers together
    local t0 t1 a b
    t0=$(now)
    taskset -c 0 dd if="$1/big0.bin" of=/dev/null bs=1M status=none &
    a=$!
    taskset -c 1 dd if="$1/big1.bin" of=/dev/null bs=1M status=none &
    b=$!
    wait "$a" "$b"
    t1=$(now)
    per_s "$((2 * bytes / 1000))" "$t0" "$t1" | awk '{printf "%.3f", $1 / 1e6}'
}
fio_iops() {  # FILE JOBS [FIO-OPTION...] -> IOPS, all jobs
    fio --name=rand --filename="$1" --readonly --rw=randread --bs=4k --ioengine=psync --numjobs="$2" "${@:3}" \
        --group_reporting --time_based --runtime="$fio_seconds" --output-format=json --output="$work/fio.json" >/dev/null
    python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["jobs"][0]["read"]["iops"])' "$work/fio.json"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A r
for _ in $(seq "$runs"); do
    for t in classic uring; do
        mount_t "$t" -small
        r[$t.small]+=" $(cat_cold "$mnt")"
        unmount_t
        mount_t "$t"
        r[$t.cat]+=" $(cat_cold "$mnt")"
        one=$(dd_1 "$mnt") two=$(dd_2 "$mnt")
        r[$t.dd1]+=" $one" r[$t.dd2]+=" $two"
        r[$t.scale]+=" $(awk -v a="$two" -v b="$one" 'BEGIN {printf "%.2f", a / b}')"
        r[$t.fio1]+=" $(fio_iops "$mnt/big0.bin" 1)"
        r[$t.fio2]+=" $(fio_iops "$mnt/big0.bin" 2)"
        r[$t.fio1p]+=" $(fio_iops "$mnt/big0.bin" 1 --cpus_allowed="$last")"
        r[$t.fio2p]+=" $(fio_iops "$mnt/big0.bin" 2 --cpus_allowed=0,1 --cpus_allowed_policy=split)"
        unmount_t
    done
    r[tmpfs.cat]+=" $(cat_cold "$shm")"
    r[tmpfs.small]+=" $(cat_cold "$shm")"
    one=$(dd_1 "$shm") two=$(dd_2 "$shm")
    r[tmpfs.dd1]+=" $one" r[tmpfs.dd2]+=" $two"
    r[tmpfs.scale]+=" $(awk -v a="$two" -v b="$one" 'BEGIN {printf "%.2f", a / b}')"
    r[tmpfs.fio1]+=" $(fio_iops "$shm/big0.bin" 1)"
    r[tmpfs.fio2]+=" $(fio_iops "$shm/big0.bin" 2)"
    r[tmpfs.fio1p]+=" $(fio_iops "$shm/big0.bin" 1 --cpus_allowed="$last")"
    r[tmpfs.fio2p]+=" $(fio_iops "$shm/big0.bin" 2 --cpus_allowed=0,1 --cpus_allowed_policy=split)"
done
m() { echo "${r[$1]}" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }

echo "dgenfs transports: $(numfmt --to=iec "$bytes")B files, median of $runs runs; GB = 10^9 bytes"
printf '%-9s %-8s %10s %10s %10s %13s %13s\n' workload unit classic uring tmpfs "uring/classic" "uring/tmpfs"
for w in cat:files/s small:files/s dd1:GB/s dd2:GB/s fio1:IOPS fio2:IOPS fio1p:IOPS fio2p:IOPS; do
    k=${w%%:*}
    c=$(m "classic.$k") u=$(m "uring.$k") f=$(m "tmpfs.$k")
    printf '%-9s %-8s %10s %10s %10s %13s %13s\n' "$k" "${w#*:}" "$c" "$u" "$f" "$(ratio "$u" "$c")" "$(ratio "$u" "$f")"
done
echo
for t in classic uring tmpfs; do echo "dd-2 / dd-1 per run, $t:${r[$t.scale]}"; done
echo
echo "where the last uring mount's queues answered (its log at unmount):"
grep "queue [0-9]*: [0-9]* requests" "$work/uring.log" | sed 's/^dgenfs: /  /'
if [ -n "$json" ]; then
    args=()
    for k in "${!r[@]}"; do args+=("$k=${r[$k]# }"); done
    python3 - "$json" "$bytes" "$runs" "${args[@]}" <<'PY'
import json, sys
out = {"bytes": int(sys.argv[2]), "runs": int(sys.argv[3]), "results": {}}
for a in sys.argv[4:]:
    k, _, v = a.partition("=")
    out["results"][k] = [float(x) for x in v.split()]
json.dump(out, open(sys.argv[1], "w"), indent=1)
PY
fi
