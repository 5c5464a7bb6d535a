#!/usr/bin/env bash
# Small files, metadata and the page-cache path, side by side in one run (a benchmark, not
# a test). The same tree is served by each daemon given (the build under test, and
# --baseline, an older dgenfs binary) and held in a tmpfs copy, and every workload runs
# against each, interleaved, --runs times; each figure is the median, each ratio the
# median figure over tmpfs's.
#
#   cat-cold   `cat` of 1,000 files of 4 KiB in one directory, first read after mounting
#   cat-warm   the same, again (the second pass)
#   py-open    open + read(8 KiB) + close of the same 1,000 files in Python, warm
#   cp-tree    `cp -r` of 10,000 files of 4 KiB..1 MiB (loguniform) into tmpfs, cold
#   cp-rw      the same with `cp --reflink=never -r`: read and write, no copy_file_range.
#              From tmpfs to tmpfs plain `cp` copies in the kernel (copy_file_range),
#              which the kernel refuses between filesystems of different types, so from
#              dgenfs (or ext4, XFS, NFS) it reads and writes; cp-rw compares like with like
#   rsync-tree `rsync -a` of the same tree into tmpfs, cold
#   dd-first   `dd bs=1M` of a 4 GiB file, first read after mounting
#   dd-cached  the same, again
#
#   tests/bench/bench-files.sh [--runs 5] [--baseline DGENFS] [--only NAME,...]
#                              [--set KEY=VALUE]... [--baseline-set KEY=VALUE]...
#                              [--settle SECONDS] [--json FILE]
#
# --settle pauses that long after dropping the caches before each measurement (default
# 0). On a VM whose balloon reports free pages to its host, pages freed seconds before
# are still fast to fill and pages freed long before are not, so the order of the runs
# moves every figure that fills pages (cp, rsync, dd-first; bench-page-cache.sh): 10 s
# makes every run start from memory handed back.
# --set adds a [dataset] key to the config every daemon mounts (e.g. direct_io=false);
# --baseline-set adds or replaces one in the baseline's only, and without --baseline
# makes the baseline the build under test itself (--set skip_open=true
# --baseline-set skip_open=false compares two settings of one build).
# Needs root (mounts, drop_caches), dgen and dgenfs (default: ./build/src/), rsync, python3.
# Files/s for the file workloads (cp-tree, cp-rw, rsync-tree: MB/s), GB/s for dd; GB = 10^9 bytes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DGEN=${DGEN:-$here/../../build/src/dgen}
DGENFS=${DGENFS:-$here/../../build/src/dgenfs}
runs=5 baseline="" only="" json="" settings="" baseline_settings="" settle=0
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --set) settings+="${2%%=*} = ${2#*=}"$'\n'; shift 2 ;;
    --baseline-set) baseline_settings+="${2%%=*} = ${2#*=}"$'\n'; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    -h | --help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-files.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$baseline_settings" ] && [ -z "$baseline" ] && baseline=$DGENFS
source "$here/common.sh"
bench_requires bench-files.sh rsync python3
[ -z "$baseline" ] || [ -x "$baseline" ] || { echo "bench-files.sh: --baseline $baseline is not executable" >&2; exit 2; }

work=$(mktemp -d /tmp/dgen-bench-files.XXXXXX)
shm=$work/shm   # a tmpfs of our own: the copy, and the copies' destination
pid=""
cleanup() {
    local m
    for m in "$work"/mnt-*; do
        if findmnt -rn -M "$m" >/dev/null 2>&1; then fusermount3 -u "$m" || umount -l "$m"; fi
    done
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    findmnt -rn -M "$shm" >/dev/null 2>&1 && umount "$shm"
    rm -rf "$work"
}
trap cleanup EXIT

# files.ini, mounted by every daemon, and files-baseline.ini: the same with --baseline-set.
write_config() {
    local keep="$settings" line
    if [ -n "$2" ]; then
        keep=""
        while IFS= read -r line; do
            [ -n "$line" ] && ! grep -q "^${line%% = *} = " <<<"$2" && keep+="$line"$'\n'
        done <<<"$settings"
    fi
    cat >"$1" <<INI
[dataset]
seed = 11
$keep$2
[set]
dir = small
count = 1000
size = 4KiB
[set]
dir = tree
count = 10000
size_min = 4KiB
size_max = 1MiB
size_dist = loguniform
[file]
path = big.bin
size = 4GiB
INI
}
write_config "$work/files.ini" ""
write_config "$work/files-baseline.ini" "$baseline_settings"

mkdir -p "$shm"
mount -t tmpfs -o size=12g dgen-bench "$shm"
declare -A daemon=([dgenfs]=$DGENFS)
[ -n "$baseline" ] && daemon[baseline]=$baseline
sources=(dgenfs ${baseline:+baseline} tmpfs)

# mount NAME: a fresh mount of files.ini by daemon NAME at $work/mnt-NAME (cold caches).
mount_one() {
    local m=$work/mnt-$1
    mkdir -p "$m"
    local config=$work/files.ini
    [ "$1" = baseline ] && config=$work/files-baseline.ini
    "${daemon[$1]}" "$config" "$m" -f -o auto_unmount 2>>"$work/$1.log" &
    pid=$!
    local i
    for i in $(seq 100); do
        findmnt -rn -M "$m" >/dev/null && [ -e "$m/big.bin" ] && return 0
        sleep 0.05
    done
    echo "bench-files.sh: $1 did not mount (log: $(cat "$work/$1.log"))" >&2
    exit 1
}
unmount_one() {
    fusermount3 -u "$work/mnt-$1"
    wait "$pid" || true
    pid=""
}

# The tmpfs copy: made once, through the build under test, checked against dgen.
mount_one dgenfs
mkdir -p "$shm/src"
cp -r "$work/mnt-dgenfs/." "$shm/src/"
unmount_one dgenfs
cmp <("$DGEN" cat --config "$work/files.ini" small/f00000000) "$shm/src/small/f00000000" || { echo "bench-files.sh: tmpfs copy differs" >&2; exit 1; }
tree_bytes=$(du -sb --apparent-size "$shm/src/tree" | cut -f1)

now() { date +%s.%N; }
rate() { python3 -c "import sys; print(f'{float(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.1f}')" "$@"; }
cat_small() { (cd "$1/small" && cat -- * >/dev/null); }
py_open() {
    python3 - "$1/small" <<'PY'
import os, sys, time
d = sys.argv[1]
names = [os.path.join(d, n) for n in os.listdir(d)]
t = time.perf_counter()
for n in names:
    fd = os.open(n, os.O_RDONLY)
    os.read(fd, 8192)
    os.close(fd)
print(f"{len(names) / (time.perf_counter() - t):.1f}")
PY
}

# measure WORKLOAD SOURCE: prints one figure. Cold workloads get a fresh mount (dgenfs)
# or, for tmpfs, nothing to drop (its pages are the files).
measure() {
    local w=$1 s=$2 dir t0 t1 out
    if [ "$s" = tmpfs ]; then dir=$shm/src; else dir=$work/mnt-$s; mount_one "$s"; fi
    sync
    echo 3 >/proc/sys/vm/drop_caches
    sleep "$settle"
    case $w in
    cat-cold) t0=$(now); cat_small "$dir"; t1=$(now); out=$(rate 1000 "$t0" "$t1") ;;
    cat-warm) cat_small "$dir"; t0=$(now); cat_small "$dir"; t1=$(now); out=$(rate 1000 "$t0" "$t1") ;;
    py-open) py_open "$dir" >/dev/null; out=$(py_open "$dir") ;;
    cp-tree | cp-rw | rsync-tree)
        rm -rf "$shm/dst"
        t0=$(now)
        case $w in
        cp-tree) cp -r "$dir/tree" "$shm/dst" ;;
        cp-rw) cp --reflink=never -r "$dir/tree" "$shm/dst" ;;
        rsync-tree) rsync -a "$dir/tree/" "$shm/dst/" ;;
        esac
        t1=$(now)
        out=$(rate "$((tree_bytes / 1000000))" "$t0" "$t1")
        rm -rf "$shm/dst" ;;
    dd-first | dd-cached)
        [ "$w" = dd-cached ] && dd if="$dir/big.bin" of=/dev/null bs=1M status=none
        t0=$(now); dd if="$dir/big.bin" of=/dev/null bs=1M status=none; t1=$(now)
        out=$(rate 4.294967296 "$t0" "$t1") ;;
    esac
    [ "$s" = tmpfs ] || unmount_one "$s"
    echo "$out"
}

workloads=(cat-cold cat-warm py-open cp-tree cp-rw rsync-tree dd-first dd-cached)
[ -n "$only" ] && IFS=, read -r -a workloads <<<"$only"
declare -A results
for w in "${workloads[@]}"; do
    for r in $(seq "$runs"); do
        for s in "${sources[@]}"; do results[$w/$s]+="$(measure "$w" "$s") "; done
    done
done

python3 - "$json" "${sources[*]}" "${workloads[*]}" "$runs" "$(
    for k in "${!results[@]}"; do echo "$k=${results[$k]}"; done
)" <<'PY'
import json, statistics, sys
out, sources, workloads, runs, raw = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4], sys.argv[5]
vals = {}
for line in raw.splitlines():
    k, v = line.split("=", 1)
    vals[k] = [float(x) for x in v.split()]
unit = {"cp-tree": "MB/s", "cp-rw": "MB/s", "rsync-tree": "MB/s", "dd-first": "GB/s", "dd-cached": "GB/s"}
print(f"median of {runs} runs; ratio = median / tmpfs's median")
print(f"{'workload':<11} {'unit':<8}" + "".join(f"{s:>12}" for s in sources) + "".join(f"{s + '/tmpfs':>16}" for s in sources if s != "tmpfs"))
table = {}
for w in workloads:
    med = {s: statistics.median(vals[f"{w}/{s}"]) for s in sources}
    table[w] = {"median": med, "runs": {s: vals[f"{w}/{s}"] for s in sources}}
    row = f"{w:<11} {unit.get(w, 'files/s'):<8}" + "".join(f"{med[s]:>12.1f}" for s in sources)
    row += "".join(f"{med[s] / med['tmpfs']:>15.2f}x" for s in sources if s != "tmpfs")
    print(row)
if out:
    json.dump(table, open(out, "w"), indent=1)
PY
