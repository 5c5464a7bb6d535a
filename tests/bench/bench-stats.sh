#!/usr/bin/env bash
# Does reading the statistics slow the data path? (a benchmark, not a test)
#   `dd bs=1M` of one big incompressible file on a real mount, --runs times each,
#   alternating: alone, then with a reader of MOUNTPOINT/.dgen/stats.json every 100 ms.
# Prints the medians (GB = 10^9 bytes) and their ratio, with / without; the goal is
# >= 0.97.
#
#   tests/bench/bench-stats.sh [--size 4GiB] [--runs 5] [--period 0.1] [--json FILE]
# Needs root (mounts), dgen and dgenfs (default: ./build/src/), python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DGEN=${DGEN:-$here/../../build/src/dgen}
DGENFS=${DGENFS:-$here/../../build/src/dgenfs}
size=4GiB runs=5 period=0.1 json=""
while [ $# -gt 0 ]; do
    case $1 in
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --period) period=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-stats.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
source "$here/common.sh"
bench_requires bench-stats.sh python3

work=$(mktemp -d /tmp/dgen-bench-stats.XXXXXX)
mnt=$work/mnt
pid="" reader=""
cleanup() {
    [ -n "$reader" ] && { kill "$reader" 2>/dev/null || true; wait "$reader" 2>/dev/null || true; }
    if findmnt -rn -M "$mnt" >/dev/null 2>&1; then fusermount3 -u "$mnt" || umount -l "$mnt"; fi
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT

printf '[dataset]\nseed = 1\n[file]\npath = data.bin\nsize = %s\n' "$size" >"$work/bench.ini"
mkdir -p "$mnt"
"$DGENFS" "$work/bench.ini" "$mnt" -f -o auto_unmount 2>"$work/dgenfs.log" &
pid=$!
for _ in $(seq 200); do findmnt -rn -M "$mnt" >/dev/null && break; sleep 0.05; done
findmnt -rn -M "$mnt" >/dev/null || { cat "$work/dgenfs.log" >&2; exit 1; }
stat "$mnt/" >/dev/null
bytes=$(stat -c %s "$mnt/data.bin")

# One reader process: open, read and parse stats.json every $period seconds.
start_reader() {
    python3 - "$mnt/.dgen/stats.json" "$period" "$work/reads" <<'PY' &
import json, sys, time
path, period, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
n = 0
while True:
    with open(path) as f:
        json.load(f)
    n += 1
    with open(out, "w") as f:
        f.write(str(n))
    time.sleep(period)
PY
    reader=$!
    # Timed from its first snapshot on: the interpreter's start is not the stats' cost.
    for _ in $(seq 200); do [ -s "$work/reads" ] && break; sleep 0.02; done
}
stop_reader() { kill "$reader"; wait "$reader" 2>/dev/null || true; reader=""; }

now() { date +%s.%N; }
dd_rate() {
    local t0 t1
    t0=$(now)
    dd if="$mnt/data.bin" of=/dev/null bs=1M status=none
    t1=$(now)
    awk -v b="$bytes" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.3f", b / (t1 - t0) / 1e9}'
}
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

without="" with="" snapshots=0
for _ in $(seq "$runs"); do
    without+=" $(dd_rate)"
    start_reader
    with+=" $(dd_rate)"
    stop_reader
    snapshots=$((snapshots + $(cat "$work/reads" 2>/dev/null || echo 0)))
    rm -f "$work/reads"
done
a=$(echo "$without" | median) b=$(echo "$with" | median)
ratio=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b / a}')
kernel=$(sed -n 's/.*kernel \([a-z0-9-]*\),.*/\1/p' "$work/dgenfs.log")

echo "dgenfs stats overhead: dd bs=1M of $(numfmt --to=iec "$bytes")B, median of $runs runs, kernel=$kernel; GB = 10^9 bytes"
printf '%-40s %8s  %s\n' "" "GB/s" "runs"
printf '%-40s %8.3f  %s\n' "alone" "$a" "${without# }"
printf '%-40s %8.3f  %s\n' "stats.json read every ${period}s" "$b" "${with# }"
printf '%-40s %8s  (goal >= 0.97; %d snapshots read)\n' "ratio, with / without" "$ratio" "$snapshots"
if [ -n "$json" ]; then
    list() { local v IFS=' '; read -ra v <<<"$1"; IFS=,; echo "[${v[*]}]"; }
    python3 - "$json" <<PY
import json, sys
json.dump({"bytes": $bytes, "runs": $runs, "period_s": $period, "kernel": "$kernel",
           "dd_gbps": {"without_reader": $a, "with_reader": $b}, "ratio": $ratio,
           "snapshots_read": $snapshots,
           "dd_gbps_runs": {"without_reader": $(list "$without"), "with_reader": $(list "$with")}},
          open(sys.argv[1], "w"), indent=2)
PY
fi
