# Shared helpers for the integration tests (sourced). Each test is one script named
# test-<feature>-<aspect>.sh; exit 0 pass, 77 skip, anything else fail.
# With pipefail on, never pipe a command into a reader that may quit early (grep -q, head,
# sed q): the writer dies of SIGPIPE and fails the test at random. Capture the output
# first (<<<"$(cmd)" or a file). Set by CTest:
#   DGEN    path of the dgen binary
set -euo pipefail

: "${DGEN:?DGEN must point at the dgen binary}"
TEST_NAME=$(basename "$0" .sh)
TMPDIR_TEST=$(mktemp -d "/tmp/$TEST_NAME.XXXXXX")
cleanup_hooks=()
in_cleanup=0
teardown_failed=0

cleanup() {
    local rc=$?
    in_cleanup=1
    for ((i = ${#cleanup_hooks[@]} - 1; i >= 0; i--)); do eval "${cleanup_hooks[i]}" || true; done
    rm -rf "$TMPDIR_TEST"
    # A daemon that failed at teardown fails a test that had passed so far.
    [ "$rc" -ne 0 ] || [ "$teardown_failed" -eq 0 ] || rc=1
    exit $rc
}
trap cleanup EXIT

on_exit() { cleanup_hooks+=("$1"); }

fail() {
    echo "FAIL ($TEST_NAME): $*" >&2
    exit 1
}

skip() {
    echo "SKIP ($TEST_NAME): $*" >&2
    exit 77
}

requires() {
    for cmd in "$@"; do command -v "$cmd" >/dev/null 2>&1 || skip "needs $cmd"; done
}

# expect_usage_error "what it should say" -- dgen args...: exit code 2 and the message.
expect_usage_error() {
    local want=$1
    shift 2
    local out rc=0
    out=$("$DGEN" "$@" 2>&1 >/dev/null) || rc=$?
    [ "$rc" -eq 2 ] || fail "dgen $* exited $rc, want 2 (stderr: $out)"
    grep -qF -- "$want" <<<"$out" || fail "dgen $*: stderr lacks '$want': $out"
}

# --- FUSE mounts -----------------------------------------------------------------------
# DGENFS (set by CTest) is the daemon. Tests mount under $TMPDIR_TEST with auto_unmount and
# always unmount on exit; a mount is detected with findmnt, never with mountpoint(1).

requires_fuse() {
    [ -n "${DGENFS:-}" ] || fail "DGENFS must point at the dgenfs binary"
    [ -c /dev/fuse ] || skip "no /dev/fuse"
    requires fusermount3 findmnt
    # The default (transport = auto) then serves the suite over io_uring where the kernel
    # has it; the @classic variant covers /dev/fuse. Not required: a kernel without it
    # (before 6.14) runs the suite over /dev/fuse.
    if [ -e "$URING_PARAM" ] && [ "$(cat "$URING_PARAM")" != Y ]; then echo Y >"$URING_PARAM" 2>/dev/null || true; fi
    [[ ${DGENFS_TEST_DATASET:-} != *"transport = uring"* ]] || requires_uring
}

# FUSE over io_uring (docs/dgenfs.md "Transport"): the kernel must have it, and the fuse
# module's enable_uring must be on. As root the tests turn it on, and leave it on: a test
# running beside this one needs it too, and every FUSE test turns it on (requires_fuse).
URING_PARAM=/sys/module/fuse/parameters/enable_uring
requires_uring() {
    [ -e "$URING_PARAM" ] || skip "this kernel has no FUSE over io_uring ($URING_PARAM)"
    [ "$(cat "$URING_PARAM")" = Y ] || echo Y >"$URING_PARAM" 2>/dev/null || skip "cannot turn on $URING_PARAM (not root)"
}

is_mounted() { findmnt -rn -M "$(realpath -m "$1")" >/dev/null 2>&1; }

# DGENFS_TEST_DATASET (set by CTest for the suite's variants, e.g. "per_node_mount = true")
# holds [dataset] lines that mount_fs adds to every config it mounts.
with_test_dataset() {  # CONFIG -> prints the path of the config to mount
    local config=$1
    [ -n "${DGENFS_TEST_DATASET:-}" ] || { echo "$config"; return; }
    local out="$config.variant.ini"
    if grep -q '^\[dataset\]' "$config"; then
        awk -v extra="$DGENFS_TEST_DATASET" '{print} /^\[dataset\]/ {print extra}' "$config" >"$out"
    else
        { echo "[dataset]"; echo "$DGENFS_TEST_DATASET"; cat "$config"; } >"$out"
    fi
    echo "$out"
}

# teardown_fail MESSAGE: fail now, or, from the EXIT trap, after the other cleanup hooks.
teardown_fail() {
    [ "$in_cleanup" = 1 ] || fail "$*"
    echo "FAIL ($TEST_NAME): $*" >&2
    teardown_failed=1
}

# Lines a sanitizer (ASan, LSan, TSan, UBSan) writes when it finds something.
sanitizer_report() {  # LOG -> prints the first few such lines
    [ -f "$1" ] || { echo "no log $1"; return; }
    local re='(Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|runtime error:'
    grep -m5 -E "$re" "$1" || [ $? -eq 1 ]  # 1: no such line
}

# unmount_fs MNT PID [LOG]: unmount if still mounted, then stop the daemon we started (by
# PID). A clean unmount must end the daemon with exit 0 on its own, and its log must hold
# no sanitizer report. A daemon the test already waited for itself (one it killed on
# purpose) is no longer in the job table: its status is the test's business.
unmount_fs() {
    local mnt=$1 pid=$2 log=${3:-} rc=0 report
    local ours=" $(jobs -p | tr '\n' ' ') "
    if is_mounted "$mnt"; then
        mnt=$(realpath -m "$mnt")
        fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    fi
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if kill -KILL "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        teardown_fail "dgenfs $pid did not exit within 5 s of unmounting $mnt: killed"
    elif [[ $ours == *" $pid "* ]]; then
        wait "$pid" 2>/dev/null || rc=$?
        [ "$rc" -eq 0 ] || teardown_fail "dgenfs $pid ($mnt) exited $rc${log:+: $(tail -5 "$log")}"
    fi
    [ -z "$log" ] || report=$(sanitizer_report "$log")
    [ -z "${report:-}" ] || teardown_fail "sanitizer report in $log: $report"
}

# mount_fs CONFIG MNT [dgenfs options...]: runs dgenfs in the foreground (in the background
# of this script) and waits for the mount. Sets DGENFS_PID and DGENFS_LOG. In per-node
# mode (a variant) the daemon mounts MNT.nodes/node<N>, and MNT links to the first.
mount_fs() {
    local config mnt=$2 target=$2
    config=$(with_test_dataset "$1")
    shift 2
    # One log per daemon: each is checked for sanitizer reports when it is unmounted.
    mounts_started=$((${mounts_started:-0} + 1))
    local log="$TMPDIR_TEST/dgenfs.$(basename "$mnt").$mounts_started.log"
    DGENFS_LOG=$log
    if grep -qE '^per_node_mount *= *(true|yes|on|1)' "$config"; then
        target=$mnt.nodes
        mkdir -p "$target"
        local first
        first=$("$DGENFS" --show-plan "$config" | sed -n 's/^node \([0-9]*\):.*/\1/p' | head -1)
        rm -rf "$mnt"
        ln -s "$target/node$first" "$mnt"
    else
        mkdir -p "$mnt"
    fi
    # A background job of a script starts with SIGINT ignored, and libfuse leaves ignored
    # signals alone: restore the default so SIGINT reaches the daemon as from a terminal.
    env --default-signal=INT "$DGENFS" "$config" "$target" -f -o auto_unmount "$@" 2>"$log" &
    DGENFS_PID=$!
    on_exit "unmount_fs '$mnt' $DGENFS_PID '$log'"
    for _ in $(seq 200); do
        if is_mounted "$mnt"; then
            [ "$(findmnt -rn -M "$(realpath "$mnt")" -o FSTYPE)" = fuse.dgenfs ] || fail "$mnt is not fuse.dgenfs"
            # The mount shows before the daemon has answered the kernel's INIT: return
            # once it answers, so that every test starts on a mount that serves.
            timeout 10 stat -L "$mnt/" >/dev/null || fail "$mnt is mounted but does not answer: $(cat "$log")"
            wait_started "$log"
            return 0
        fi
        kill -0 "$DGENFS_PID" 2>/dev/null || fail "dgenfs exited before mounting: $(cat "$log")"
        sleep 0.05
    done
    fail "dgenfs did not mount $mnt within 10 s: $(cat "$log")"
}

# same_bytes FILE CONFIG PATH: FILE holds exactly what `dgen cat --config CONFIG PATH` writes.
same_bytes() {
    local want got
    want=$("$DGEN" cat --config "$2" "$3" | sha256sum | cut -c1-64) || fail "dgen cat --config $2 $3"
    got=$(sha256sum <"$1" | cut -c1-64) || fail "cannot read $1"
    [ "$want" = "$got" ] || fail "$1 differs from dgen cat --config $2 $3"
}

# serve_fs CONFIG MNT [dgenfs options...]: for tests that end the daemon themselves and
# check how it ended (wait "$DGENFS_PID" for its exit status). Unlike mount_fs: no
# variant keys, no implied auto_unmount, SIGINT as from a terminal, and a levelled log
# (each line "<N>" first, N the syslog level, as under systemd: JOURNAL_STREAM names the
# log) that log_problems reads. At exit, a mount left is unmounted and a daemon left is
# killed. Sets DGENFS_PID and DGENFS_LOG.
serve_fs() {
    local config=$1 mnt=$2
    shift 2
    DGENFS_LOG=$TMPDIR_TEST/dgenfs.$(basename "$mnt").log
    : >"$DGENFS_LOG"
    mkdir -p "$mnt"
    JOURNAL_STREAM=$(stat -c '%d:%i' "$DGENFS_LOG") \
        env --default-signal=INT "$DGENFS" "$config" "$mnt" -f "$@" 2>>"$DGENFS_LOG" &
    DGENFS_PID=$!
    on_exit "is_mounted '$mnt' && fusermount3 -u -z '$mnt'; kill -KILL $DGENFS_PID 2>/dev/null"
    for _ in $(seq 200); do
        if is_mounted "$mnt"; then
            timeout 10 stat -L "$mnt/" >/dev/null || fail "$mnt is mounted but does not answer: $(cat "$DGENFS_LOG")"
            wait_started "$DGENFS_LOG"
            return 0
        fi
        kill -0 "$DGENFS_PID" 2>/dev/null || fail "dgenfs exited before mounting: $(cat "$DGENFS_LOG")"
        sleep 0.05
    done
    fail "dgenfs did not mount $mnt within 10 s: $(cat "$DGENFS_LOG")"
}

# wait_started LOG: a mount answers before its daemon's start is over (the verify area's
# workers, the transport line, the counters come after), and tests read those: wait for
# "serving at". A daemon that logs below INFO (-o log_level=notice) never writes it, nor
# the INFO line that opens every start ("dgenfs VERSION: CONFIG on MNT: ..."), which the
# log holds by the time the mount answers: without that line there is nothing to wait for.
wait_started() {
    grep -qE 'dgenfs [0-9][^ ]*: .* on .*: [0-9]+ files, ' "$1" || return 0
    wait_logged "serving at" "$1" "the daemon's start"
}

# log_problems LOG: the lines of a serve_fs log above notice (warnings, errors), and any
# line without a level (written around the log, e.g. by libfuse's perror).
log_problems() { grep -v '^<[567]>' "$1" || true; }

# stop_serving WHAT SIGNAL WANT: signals the serve_fs daemon, waits for it to end by
# itself, and fails unless its exit status is WANT.
stop_serving() {
    kill -"$2" "$DGENFS_PID"
    wait_gone "$DGENFS_PID" "$1: the daemon"
    local rc=0
    wait "$DGENFS_PID" || rc=$?
    [ "$rc" -eq "$3" ] || fail "$1: exit $rc, want $3: $(cat "$DGENFS_LOG")"
}

# wait_gone PID WHAT: waits for a process that must end by itself; fails after 30 s (a
# hang, not a speed: nothing here takes more than a second or two), 90 s for a sanitized
# daemon (a TSan daemon once took over 30 s to exit after SIGHUP under load, in 1 of 6
# runs of test-fs-faults-signals; not yet understood, and 5 more runs took seconds).
wait_gone() {
    local seconds=30
    [ "${DGEN_SANITIZED:-0}" = 1 ] && seconds=90
    for _ in $(seq $((seconds * 20))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
    fail "$2 still running after $seconds s"
}

# wait_logged PATTERN LOG WHAT: the daemon writes LOG while it starts; a mount answers
# before the start is over (the transport line and "serving at" come after the workers
# answer), so a test that reads such a line waits for it (longer under the sanitizers).
wait_logged() {
    local seconds=30
    [ "${DGEN_SANITIZED:-0}" = 1 ] && seconds=90
    for _ in $(seq $((seconds * 20))); do grep -q -- "$1" "$2" && return 0; sleep 0.05; done
    fail "$3: no '$1' in the log within $seconds s: $(cat "$2")"
}
