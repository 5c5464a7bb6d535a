#!/usr/bin/env bash
# The soak (docs/SOAK.md): mounts a dataset that has every kind of file (soak.ini, or
# --config C), runs dgen_soak on it, unmounts, and fails unless every byte read matched
# libdgen, no read failed, the daemon's RSS, threads and fds stayed flat after the
# warm-up, its log holds no warning or error (at shutdown too) and it exited 0.
#
#   tests/soak/soak.sh [--config C] [dgen_soak options: --seconds 600 --threads 4 --procs 2 ...]
#
# Binaries: DGEN, DGENFS, DGEN_SOAK, or those of DGEN_BUILD_DIR (default: ./build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${DGEN_BUILD_DIR:-$here/../../build}
export DGEN=${DGEN:-$build/src/dgen} DGENFS=${DGENFS:-$build/src/dgenfs}
DGEN_SOAK=${DGEN_SOAK:-$build/tests/soak/dgen_soak}
config=$here/soak.ini
if [ "${1:-}" = --config ]; then
    config=$2
    shift 2
fi
source "$here/../integration/functions.sh"
requires_fuse
[ -x "$DGEN_SOAK" ] || fail "no dgen_soak at $DGEN_SOAK (cmake --build build --target dgen_soak)"

mnt=$TMPDIR_TEST/mnt
log=$TMPDIR_TEST/dgenfs.mnt.$((${mounts_started:-0} + 1)).log  # where mount_fs will send the daemon's stderr
: >"$log"
# JOURNAL_STREAM naming the log file makes the daemon start every line with its syslog
# level, "<N>" (docs/dgenfs.md, Logging): dgen_soak counts <0>..<4> and unlevelled lines
# (a sanitizer's report) as problems. mount_fs truncates the file, keeping its inode.
export JOURNAL_STREAM
JOURNAL_STREAM=$(stat -c '%d:%i' "$log")
mount_fs "$config" "$mnt"
unset JOURNAL_STREAM
[ "$DGENFS_LOG" = "$log" ] || fail "mount_fs logs to $DGENFS_LOG, not $log"

rc=0
"$DGEN_SOAK" --config "$config" --mount "$mnt" --pid "$DGENFS_PID" --log "$log" "$@" || rc=$?
fusermount3 -u "$(realpath "$mnt")" || fail "unmount after the soak"
daemon_rc=0
wait "$DGENFS_PID" || daemon_rc=$?
[ "$daemon_rc" -eq 0 ] || fail "dgenfs exited $daemon_rc after a clean unmount: $(tail -20 "$log")"
"$DGEN_SOAK" --check-log "$log" || fail "the daemon logged problems (up to its exit)"
[ "$rc" -eq 0 ] || fail "dgen_soak exited $rc"
echo "ok: soak passed; daemon exited 0; its log has no warning or error"
