#!/usr/bin/env bash
# Where dgenfs mounts, and what it leaves (issue 10, the careless-user list):
# - a mountpoint already mounted (a running dgenfs, a tmpfs) is refused, exit 1, the
#   first mount untouched; -o overmount mounts over it on purpose;
# - a regular file, or libfuse's /dev/fd/N, as mountpoint: refused, exit 1;
# - inherited descriptors are closed: `dgenfs CONFIG MNT 3>&1 | cat` ends;
# - a connection aborted through fusectl: an error in the log, exit 1, no dead mount
#   left, with auto_unmount and without;
# - started with & from a script, SIGINT stays ignored (documented), SIGTERM stops it.
source "$(dirname "$0")/functions.sh"
requires_fuse

cfg=$TMPDIR_TEST/m.ini
printf '[file]\npath = f\nsize = 1MiB\n' >"$cfg"
mnt=$TMPDIR_TEST/mnt
# The mounts under this test's directory: other tests mount and unmount elsewhere at the
# same time (ctest -j), so the whole table is no measure.
our_mounts() { findmnt -rn -o TARGET,FSTYPE,MAJ:MIN | awk -v d="$TMPDIR_TEST" 'index($1, d) == 1'; }
# expect_refused WHAT MESSAGE -- dgenfs args...: exit 1 with MESSAGE, our mounts unchanged.
expect_refused() {
    local what=$1 message=$2 rc=0 before
    shift 3
    before=$(our_mounts) || fail "findmnt"
    timeout 60 "$DGENFS" "$@" >/dev/null 2>"$TMPDIR_TEST/err" || rc=$?
    [ "$(our_mounts)" = "$before" ] || fail "$what: the mount table under $TMPDIR_TEST changed"
    [ "$rc" -eq 1 ] || fail "$what: exit $rc, want 1: $(cat "$TMPDIR_TEST/err")"
    grep -qF -- "$message" "$TMPDIR_TEST/err" || fail "$what: stderr lacks '$message': $(cat "$TMPDIR_TEST/err")"
}
# --- already a mount point ----------------------------------------------------------
serve_fs "$cfg" "$mnt" -o auto_unmount
real=$(realpath "$mnt")
stacked="mountpoint $real is already a mount point (fuse.dgenfs from dgenfs)"
expect_refused "a dgenfs over a dgenfs" "$stacked" -- "$cfg" "$mnt" -f -o auto_unmount
expect_refused "a dgenfs over a dgenfs, daemon mode" "$stacked" -- "$cfg" "$mnt" -o auto_unmount
[ "$(findmnt -rn -M "$real" | wc -l)" -eq 1 ] || fail "more than one mount at $mnt"
head -c 4096 "$mnt/f" >/dev/null || fail "the first dgenfs stopped serving"
# On purpose: -o overmount stacks; unmounting the top one shows the first again.
env --default-signal=INT "$DGENFS" "$cfg" "$mnt" -f -o auto_unmount,overmount 2>"$TMPDIR_TEST/over.log" &
over=$!
on_exit "kill -KILL $over 2>/dev/null"
for _ in $(seq 200); do [ "$(findmnt -rn -M "$real" | wc -l)" -eq 2 ] && break; sleep 0.05; done
[ "$(findmnt -rn -M "$real" | wc -l)" -eq 2 ] || fail "-o overmount did not mount: $(cat "$TMPDIR_TEST/over.log")"
grep -q "mounting over fuse.dgenfs from dgenfs at $real (-o overmount)" "$TMPDIR_TEST/over.log" ||
    fail "-o overmount does not say what it hides: $(cat "$TMPDIR_TEST/over.log")"
timeout 10 stat -L "$mnt/f" >/dev/null || fail "the overmount does not serve"
# Unmounted once started (its start-up probe, a child that stats the mountpoint, would
# keep the mount busy).
wait_logged "serving at" "$TMPDIR_TEST/over.log" "-o overmount"
fusermount3 -u "$mnt" || fail "fusermount3 -u of the overmount"
wait_gone "$over" "the overmounting daemon"
wait "$over" || fail "the overmounting daemon exited $?"
is_mounted "$mnt" || fail "the first mount went with the overmount"
# Again, unmounted (lazily) as soon as it answers, before the daemon has finished starting. Regression:
# its probe then found the first mount under it, and the daemon, stopping, aborted that
# one's connection.
for round in 1 2 3; do
    env --default-signal=INT "$DGENFS" "$cfg" "$mnt" -f -o auto_unmount,overmount 2>"$TMPDIR_TEST/over.log" &
    over=$!
    for _ in $(seq 200); do [ "$(findmnt -rn -M "$real" | wc -l)" -eq 2 ] && break; sleep 0.01; done
    [ "$(findmnt -rn -M "$real" | wc -l)" -eq 2 ] || fail "early unmount $round: -o overmount did not mount: $(cat "$TMPDIR_TEST/over.log")"
    timeout 10 stat -L "$mnt/" >/dev/null  # INIT answered: the workers start, then the probe
    fusermount3 -u -z "$mnt" || fail "early unmount $round: fusermount3 -u -z"
    wait_gone "$over" "early unmount $round: the overmounting daemon"
    wait "$over" || true  # its start failed or it stopped: either way, the first must be untouched
    is_mounted "$mnt" || fail "early unmount $round: the first mount went with the overmount"
    head -c 4096 "$mnt/f" >/dev/null || fail "early unmount $round: the first dgenfs stopped serving"
done
stop_serving "the first dgenfs" TERM 0
if [ "$(id -u)" -eq 0 ]; then
    tm=$TMPDIR_TEST/tmpfs
    mkdir -p "$tm"
    mount -t tmpfs -o size=1m dgen-test "$tm" || fail "mount tmpfs"
    on_exit "umount '$tm' 2>/dev/null"
    expect_refused "a dgenfs over a tmpfs" "mountpoint $(realpath "$tm") is already a mount point (tmpfs from dgen-test)" \
        -- "$cfg" "$tm" -f -o auto_unmount
    umount "$tm" || fail "umount tmpfs"
fi
echo "ok: an already mounted mountpoint is refused; -o overmount mounts over it"

# Unmounted as soon as it answers, while the daemon is still starting: it ends within
# 10 s, its verify area goes too, and it does not take the unmount for an abort.
# Regression: Done events read while starting let the daemon declare itself serving
# before a verify-area worker had started, call that mount aborted, and race on the
# worker's report (ThreadSanitizer); counted per thread, it then hung in serve().
early=$TMPDIR_TEST/early
mkdir -p "$early"
for round in 1 2 3 4 5 6; do
    env --default-signal=INT "$DGENFS" "$cfg" "$early" -f -o auto_unmount 2>"$TMPDIR_TEST/early.log" &
    pid=$!
    for _ in $(seq 200); do is_mounted "$early" && break; sleep 0.01; done
    timeout 10 stat -L "$early/" >/dev/null || fail "early unmount $round: no answer: $(cat "$TMPDIR_TEST/early.log")"
    fusermount3 -u "$early" || fail "early unmount $round: fusermount3 -u"
    wait_gone "$pid" "early unmount $round: the daemon"
    rc=0; wait "$pid" || rc=$?
    [ "$rc" -le 1 ] || fail "early unmount $round: exit $rc: $(tail -5 "$TMPDIR_TEST/early.log")"
    ! grep -q "aborted while mounted" "$TMPDIR_TEST/early.log" || fail "early unmount $round: taken for an abort: $(cat "$TMPDIR_TEST/early.log")"
    report=$(sanitizer_report "$TMPDIR_TEST/early.log")
    [ -z "$report" ] || fail "early unmount $round: $report"
    for _ in $(seq 100); do is_mounted "/run/dgenfs/verify$early" || break; sleep 0.05; done
    is_mounted "/run/dgenfs/verify$early" && fail "early unmount $round: the verify area stayed mounted"
done
echo "ok: unmounted while starting, 6 rounds: the daemon ends, no abort taken, nothing left mounted"

# --- not a directory ----------------------------------------------------------------
touch "$TMPDIR_TEST/file"
expect_refused "a regular file" "mountpoint $TMPDIR_TEST/file is a regular file, not a directory; nothing mounted" \
    -- "$cfg" "$TMPDIR_TEST/file" -f -o auto_unmount
printf '[dataset]\nper_node_mount = true\n[file]\npath = f\nsize = 1MiB\n' >"$TMPDIR_TEST/pn.ini"
expect_refused "a regular file, per-node" "mountpoint $TMPDIR_TEST/file is a regular file, not a directory" \
    -- "$TMPDIR_TEST/pn.ini" "$TMPDIR_TEST/file" -f
expect_refused "/dev/fd/N" "mountpoint /dev/fd/0: a /dev/fuse descriptor from the parent" -- "$cfg" /dev/fd/0 -f
echo "ok: a file or /dev/fd/N as mountpoint is refused"

# --- inherited descriptors ----------------------------------------------------------
# The daemon must not keep the pipe to cat (the command's stdout, dup'ed to fd 3) nor a
# file its parent left open (fd 7).
timeout 60 bash -c '"$1" "$2" "$3" -o auto_unmount 3>&1 7>"$4" | cat' _ "$DGENFS" "$cfg" "$mnt" "$TMPDIR_TEST/held" ||
    fail "'dgenfs CONFIG MNT 3>&1 | cat' did not end (exit $?)"
is_mounted "$mnt" || fail "daemon mode did not mount"
daemon=$(pgrep -o -f "^$DGENFS $cfg $mnt" || true)
[ -n "$daemon" ] || fail "no daemon found"
on_exit "is_mounted '$mnt' && fusermount3 -u '$mnt'; kill $daemon 2>/dev/null"
held=$(ls -l "/proc/$daemon/fd")
grep -qF "$TMPDIR_TEST/held" <<<"$held" && fail "the daemon kept an inherited file: $held"
fusermount3 -u "$mnt" || fail "fusermount3 -u"
wait_gone "$daemon" "the daemon after fusermount3 -u"
echo "ok: inherited descriptors are closed: '3>&1 | cat' ends"

# --- a connection aborted -----------------------------------------------------------
# fusectl may not be mounted (containers): a private mount namespace gets one of its
# own, which lists every connection.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
    for opts in auto_unmount ""; do
        serve_fs "$cfg" "$mnt" ${opts:+-o "$opts"}
        id=$(findmnt -rn -M "$(realpath "$mnt")" -o MAJ:MIN | cut -d: -f2)
        unshare -m --propagation private sh -c \
            "mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections; echo 1 >/sys/fs/fuse/connections/$id/abort" ||
            fail "cannot abort connection $id"
        wait_gone "$DGENFS_PID" "the daemon of an aborted connection (${opts:-no options})"
        rc=0; wait "$DGENFS_PID" || rc=$?
        [ "$rc" -eq 1 ] || fail "aborted (${opts:-no options}): exit $rc, want 1: $(cat "$DGENFS_LOG")"
        grep -q "^<3>$(realpath "$mnt"): the FUSE connection was aborted while mounted" "$DGENFS_LOG" ||
            fail "aborted (${opts:-no options}): no error in the log: $(cat "$DGENFS_LOG")"
        for _ in $(seq 200); do is_mounted "$mnt" || break; sleep 0.05; done
        is_mounted "$mnt" && fail "aborted (${opts:-no options}): a dead mount stays"
        stat "$mnt" >/dev/null || fail "aborted (${opts:-no options}): $mnt is not usable"
    done
    echo "ok: an aborted connection: an error logged, exit 1, no dead mount (with auto_unmount and without)"
fi

# --- SIGINT in a script's background job --------------------------------------------
# This script is a non-interactive shell: a job started with & has SIGINT ignored, and
# dgenfs keeps it so (docs/dgenfs.md, "Exit status and signals"). SIGTERM still stops it.
"$DGENFS" "$cfg" "$mnt" -f -o auto_unmount 2>"$TMPDIR_TEST/bg.log" &
bg=$!
on_exit "is_mounted '$mnt' && fusermount3 -u '$mnt'; kill -KILL $bg 2>/dev/null"
for _ in $(seq 200); do is_mounted "$mnt" && break; sleep 0.05; done
timeout 10 stat -L "$mnt/f" >/dev/null || fail "the background dgenfs does not serve: $(cat "$TMPDIR_TEST/bg.log")"
ignored=$(awk '/^SigIgn:/ {print $2}' "/proc/$bg/status")
caught=$(awk '/^SigCgt:/ {print $2}' "/proc/$bg/status")
(( 0x$ignored & (1 << 1) )) || fail "SIGINT is not ignored in a background job (SigIgn $ignored)"
(( 0x$caught & (1 << 14) )) || fail "SIGTERM is not caught (SigCgt $caught)"
kill -INT "$bg"
head -c 4096 "$mnt/f" >/dev/null || fail "the background dgenfs stopped serving after SIGINT"
kill -TERM "$bg"
wait_gone "$bg" "the background dgenfs after SIGTERM"
rc=0; wait "$bg" || rc=$?
[ "$rc" -eq 0 ] || fail "the background dgenfs exited $rc on SIGTERM"
is_mounted "$mnt" && fail "SIGTERM left $mnt mounted"
echo "ok: SIGINT stays ignored in a script's background job; SIGTERM stops it, exit 0"
