#!/usr/bin/env bash
# Every throughput figure of docs/PERFORMANCE.md from fresh runs, then its plot (a benchmark,
# not a test). Writes into --out:
#   meta.json             date, commit, CPU, vCPUs, Linux, libfuse, load average before/after
#   generator-<I>.json    dgen bench --json, 3 times: one thread, in memory, the kernel
#                         chosen here (dgen bench measures its rows one after another, so
#                         three invocations spread a neighbour's load over all rows)
#   kernel-<K>.json       the same once with --simd K, for each other kernel this CPU runs
#   mount-direct.json     bench-mount.sh: direct_io, workers_per_node = auto, with nbdkit
#   mount-direct-w1.json  bench-mount.sh: direct_io, one worker
#   mount-pagecache.json  bench-mount.sh: page cache (direct_io = false), --pagecache-size
#   scaling.json          bench-scaling.sh: 1 ... --readers concurrent readers
# and then draws them with plot-throughput.sh into --png. About 7 minutes on 2 vCPUs.
#
#   tests/bench/run-all.sh [--out DIR] [--png FILE] [--runs 5] [--size 4GiB] [--readers 4]
#                          [--pagecache-size 2GiB] [--fio-seconds 3]
# Needs root, fio, python3, gnuplot; dgen and dgenfs from DGEN and DGENFS (default ./build/src/).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export DGEN=${DGEN:-$root/build/src/dgen}
export DGENFS=${DGENFS:-$root/build/src/dgenfs}
out=/tmp/dgen-bench-results png=$root/docs/img/throughput.png
runs=5 size=4GiB pc_size=2GiB readers=4 fio_seconds=3
while [ $# -gt 0 ]; do
    case $1 in
    --out) out=$2; shift 2 ;;
    --png) png=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --pagecache-size) pc_size=$2; shift 2 ;;
    --readers) readers=$2; shift 2 ;;
    --fio-seconds) fio_seconds=$2; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-all.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
source "$here/common.sh"
bench_requires run-all.sh gnuplot
mkdir -p "$out"
rm -f "$out"/meta.json "$out"/generator-*.json "$out"/kernel-*.json "$out"/mount-*.json "$out"/scaling.json

step() { echo; echo "== $(date -u +%T) $*"; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
family=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -1)
libfuse=$(dpkg-query -W -f '${Version}' libfuse3-3 2>/dev/null || echo unknown)
load0=$(cut -d' ' -f1-3 /proc/loadavg)

step "dgen bench, 3 times, $runs runs per figure"
for i in 1 2 3; do "$DGEN" bench --runs "$runs" --json >"$out/generator-$i.json"; done
chosen=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["kernel"])' "$out/generator-1.json")
for k in scalar aesni vaes-avx2 vaes-avx512; do
    [ "$k" = "$chosen" ] && continue
    # A kernel this CPU lacks is a usage error (exit 2): skip it.
    if "$DGEN" bench --simd "$k" --runs "$runs" --json >"$out/kernel-$k.json" 2>/dev/null; then
        echo "kernel $k: done"
    else
        rm -f "$out/kernel-$k.json"; echo "kernel $k: not on this CPU"
    fi
done
step "bench-mount.sh: direct_io, workers auto"
"$here/bench-mount.sh" --size "$size" --runs "$runs" --fio-seconds "$fio_seconds" --json "$out/mount-direct.json"
step "bench-mount.sh: direct_io, one worker"
"$here/bench-mount.sh" --size "$size" --runs "$runs" --fio-seconds "$fio_seconds" --workers 1 --no-nbdkit \
    --json "$out/mount-direct-w1.json"
step "bench-mount.sh: page cache, $pc_size"
"$here/bench-mount.sh" --size "$pc_size" --runs "$runs" --fio-seconds "$fio_seconds" --direct-io false \
    --no-nbdkit --json "$out/mount-pagecache.json"
step "bench-scaling.sh: 1 ... $readers readers"
"$here/bench-scaling.sh" --size "$size" --runs "$runs" --readers "$readers" --json "$out/scaling.json"

commit=$(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)
python3 - "$out/meta.json" "$commit" "$cpu" "$family" "$(nproc)" "$(uname -r)" "$libfuse" "$load0" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys, time
a = sys.argv
json.dump({"date": time.strftime("%Y-%m-%d", time.gmtime()), "commit": a[2], "cpu": a[3],
           "cpu_family": int(a[4]), "vcpus": int(a[5]), "linux": a[6], "libfuse": a[7],
           "loadavg_before": a[8], "loadavg_after": a[9]}, open(a[1], "w"), indent=2)
PY
step "plot"
mkdir -p "$(dirname "$png")"
"$here/plot-throughput.sh" "$out" "$png"
echo "results: $out; plot: $png"
