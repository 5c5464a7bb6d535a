#!/usr/bin/env bash
# dgen verify against cat of the same copy (a benchmark, not a test): a copy of --size bytes
# on tmpfs (/dev/shm), written by `dgen cat`, then --runs runs of each, interleaved:
#   - `cat COPY > /dev/null`                       (reading the copy once: the floor)
#   - `dgen verify --size SIZE [--threads N] COPY` (reading it and comparing every byte)
# Prints the median GB/s of each and verify / cat; the goal is a ratio of at least 0.8.
# GB = 10^9 bytes.
#
#   tests/bench/bench-verify.sh [--size 4GiB] [--runs 5] [--threads N] [--json FILE]
# Needs root and dgen and dgenfs (default: ./build/src/), as the other benchmarks, python3,
# and --size of free memory in /dev/shm.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DGEN=${DGEN:-$here/../../build/src/dgen}
DGENFS=${DGENFS:-$here/../../build/src/dgenfs}
size=4GiB runs=5 threads="" json=""
while [ $# -gt 0 ]; do
    case $1 in
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-verify.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
source "$here/common.sh"
bench_requires bench-verify.sh python3

copy=/dev/shm/dgen-bench-verify.$$.bin
trap 'rm -f "$copy"' EXIT
"$DGEN" cat --seed 1 --size "$size" >"$copy"
bytes=$(stat -c %s "$copy")
verify=("$DGEN" verify --seed 1 --size "$size")
[ -n "$threads" ] && verify+=(--threads "$threads")

now() { date +%s.%N; }
gbps() { awk -v b="$bytes" -v t0="$1" -v t1="$2" 'BEGIN {printf "%.3f", b / (t1 - t0) / 1e9}'; }
cat_runs=() verify_runs=()
for i in $(seq "$runs"); do
    t0=$(now); cat "$copy" >/dev/null; t1=$(now)
    cat_runs+=("$(gbps "$t0" "$t1")")
    t0=$(now); "${verify[@]}" "$copy" >/dev/null || { echo "bench-verify.sh: the copy did not verify" >&2; exit 1; }; t1=$(now)
    verify_runs+=("$(gbps "$t0" "$t1")")
    echo "run $i: cat ${cat_runs[-1]} GB/s, verify ${verify_runs[-1]} GB/s"
done

python3 - "$bytes" "$(nproc)" "${threads:-all}" "${cat_runs[*]}" "${verify_runs[*]}" "$json" <<'PY'
import json, statistics, sys
bytes_, cpus, threads, cat, ver, out = sys.argv[1:7]
cat = [float(x) for x in cat.split()]
ver = [float(x) for x in ver.split()]
r = {"bytes": int(bytes_), "vcpus": int(cpus), "threads": threads, "units": "GB/s, GB = 10^9 bytes",
     "cat_runs": cat, "verify_runs": ver, "cat_median": statistics.median(cat),
     "verify_median": statistics.median(ver)}
r["ratio"] = r["verify_median"] / r["cat_median"]
print(f"median: cat {r['cat_median']:.3f} GB/s, verify {r['verify_median']:.3f} GB/s, "
      f"verify / cat {r['ratio']:.2f} (goal >= 0.8)")
if out:
    json.dump(r, open(out, "w"), indent=2)
PY
