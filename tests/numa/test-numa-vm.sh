#!/usr/bin/env bash
# CTest entry: the multi-node checks (guest/check-*.sh) on an emulated NUMA machine.
#   bash tests/numa/test-numa-vm.sh --nodes 2 --cpus 4 [check...]
# Skips (77) in the sanitizer pass (a software CPU running ASan code is too slow) and
# where the emulator is missing and cannot be installed; a machine that has it fails
# here if the guest fails. Set by CTest: DGEN, DGENFS, DGEN_SANITIZED.
set -uo pipefail
here=$(dirname "$(realpath "$0")")
: "${DGEN:?DGEN must point at the dgen binary}" "${DGENFS:?DGENFS must point at the dgenfs binary}"
[ "${DGEN_SANITIZED:-0}" != 1 ] || { echo "SKIP: the sanitizer pass (emulated CPU + ASan is too slow)"; exit 77; }
vm_opts=()
while [ $# -gt 0 ] && [[ $1 == --* ]]; do vm_opts+=("$1" "$2"); shift 2; done
if ! bash "$here/numa-vm.sh" ready; then
    if ! bash "$here/numa-vm.sh" setup; then
        command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: no qemu-system-x86_64, and setup could not install it"; exit 77; }
        echo "FAIL: tests/numa/numa-vm.sh setup failed"
        exit 1
    fi
fi
DGEN=$(realpath "$DGEN") DGENFS=$(realpath "$DGENFS") \
    bash "$here/numa-vm.sh" run --timeout "${DGEN_NUMA_VM_TIMEOUT:-600}" "${vm_opts[@]}" "$here/guest/run-checks.sh" "$@"
