#!/usr/bin/env bash
# The daemon's one logging path: an exception caught by the barrier is logged as an error
# and answered EIO; refused writes are warnings, at most 10 lines a second with a count of
# those dropped; when stderr is the journal's stream (JOURNAL_STREAM) every line carries
# its syslog level; -o log_level=warning drops the info lines but never an error; a
# reload (SIGUSR2) re-reads nothing and says so. (The systemd test checks syslog and the
# journal for real: test-systemd-units.sh.)
source "$(dirname "$0")/functions.sh"
requires_fuse
cfg="$TMPDIR_TEST/c.ini"
printf '[dataset]\nseed = 3\n[file]\npath = f.bin\nsize = 1MiB\n' >"$cfg"

# Barrier errors, as a terminal sees them. -o rw: on the default read-only mount the
# kernel refuses the writes below before they reach dgenfs.
DGENFS_FAILPOINT=read-throws mount_fs "$cfg" "$TMPDIR_TEST/m1" -o rw
cat "$TMPDIR_TEST/m1/f.bin" >/dev/null 2>"$TMPDIR_TEST/cat.err" && fail "a read that throws succeeded"
grep -q "Input/output error" "$TMPDIR_TEST/cat.err" || fail "the reader did not get EIO: $(cat "$TMPDIR_TEST/cat.err")"
grep -q "^dgenfs: read: failpoint read-throws (answered EIO)$" "$DGENFS_LOG" || fail "barrier error not logged: $(cat "$DGENFS_LOG")"

# Refused writes: one warning each, at most 10 a second; the next line counts the rest.
for _ in $(seq 30); do (: >"$TMPDIR_TEST/m1/f.bin") 2>/dev/null && fail "a write was accepted"; done
# (`: >` is refused at the open, or with skip_open at the truncation the kernel sends
# first: this file is small enough for skip_open's auto.)
refusal='refused (open for writing|setattr)'
n=$(grep -cE "$refusal on inode .* read-only filesystem" "$DGENFS_LOG")
[ "$n" -ge 1 ] && [ "$n" -le 20 ] || fail "30 refused opens in a burst gave $n lines (want 1..20: 10 a second)"
sleep 1.1
(: >"$TMPDIR_TEST/m1/f.bin") 2>/dev/null && fail "a write was accepted"
grep -qE "$refusal .* \(([0-9]+) such lines dropped before\)" "$DGENFS_LOG" ||
    fail "the dropped lines were not counted: $(tail -3 "$DGENFS_LOG")"
kill -USR2 "$DGENFS_PID"
for _ in $(seq 50); do grep -q "reload: nothing re-read" "$DGENFS_LOG" && break; sleep 0.1; done
grep -q "reload: nothing re-read" "$DGENFS_LOG" || fail "SIGUSR2: no reload line"
kill -0 "$DGENFS_PID" || fail "SIGUSR2 ended the daemon"
unmount_fs "$TMPDIR_TEST/m1" "$DGENFS_PID"
echo "ok: barrier error and refused writes logged ($n lines for 30 refusals in a burst)"

# Under the journal: "<level>message", no program name (the journal adds it).
mkdir -p "$TMPDIR_TEST/m2"
log="$TMPDIR_TEST/journal.log"
(
    exec 2>"$log"
    JOURNAL_STREAM=$(stat -L -c '%d:%i' /dev/fd/2) DGENFS_FAILPOINT=read-throws \
        exec env --default-signal=INT "$DGENFS" "$cfg" "$TMPDIR_TEST/m2" -f -o auto_unmount,log_level=warning,rw
) &
pid=$!
on_exit "is_mounted '$TMPDIR_TEST/m2' && fusermount3 -u '$TMPDIR_TEST/m2'; kill $pid 2>/dev/null"
for _ in $(seq 100); do is_mounted "$TMPDIR_TEST/m2" && break; sleep 0.05; done
timeout 10 cat "$TMPDIR_TEST/m2/f.bin" >/dev/null 2>&1 && fail "a read that throws succeeded (journal run)"
(: >"$TMPDIR_TEST/m2/f.bin") 2>/dev/null && fail "a write was accepted (journal run)"
fusermount3 -u "$TMPDIR_TEST/m2" || fail "unmount"
wait "$pid" || fail "dgenfs exited $? after a clean unmount"
grep -qx "<3>read: failpoint read-throws (answered EIO)" "$log" || fail "no <3> error line: $(cat "$log")"
grep -qE "^<4>$refusal" "$log" || fail "no <4> warning line: $(cat "$log")"
grep -q "^<6>" "$log" && fail "log_level=warning let info lines through: $(cat "$log")"
grep -qv "^<[0-7]>" "$log" && fail "a line without its level: $(grep -v '^<[0-7]>' "$log")"
echo "ok: journal lines carry their level; log_level=warning keeps errors and warnings only"
