#!/usr/bin/env bash
# Runs inside the guest (tests/numa/numa-vm.sh): every check-*.sh here, each on its own,
# in this order (the offline-CPU check last: it changes the machine, and restores it).
# Prints each one's output and PASS/FAIL/SKIP with its time; exits 1 if any failed.
# A check's name as an argument runs only those.
set -uo pipefail
here=$(dirname "$(realpath "$0")")
checks=(plan workers-pinned pool-pages per-node-mount one-mount-locality bench-per-node
        numa-nodes-subset offline-cpu)
[ $# -eq 0 ] || checks=("$@")
echo "guest: $(nproc) CPUs, kernel $(uname -r)"
numactl --hardware | grep -E '^(available|node [0-9]+ (cpus|size))'
failed=() results=()
for c in "${checks[@]}"; do
    echo
    echo "=== $c"
    start=$(date +%s.%N)
    bash "$here/check-$c.sh"
    rc=$?
    took=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
    case $rc in
    0) r=PASS ;;
    77) r=SKIP ;;
    *) r="FAIL (exit $rc)" failed+=("$c") ;;
    esac
    results+=("$r $c (${took} s)")
    echo "=== $r $c (${took} s)"
done
echo
echo "=== summary"
printf '%s\n' "${results[@]}"
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
