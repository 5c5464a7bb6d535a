#!/usr/bin/env bash
# SIGTERM and SIGINT unmount cleanly; kill -9 with auto_unmount leaves no mount; daemon
# mode returns once mounted and exits on fusermount3 -u; a bad mountpoint fails with 1.
source "$(dirname "$0")/functions.sh"
requires_fuse

cfg=$TMPDIR_TEST/life.ini
printf '[file]\npath = f\nsize = 1MiB\n' >"$cfg"
mnt=$TMPDIR_TEST/mnt

for sig in TERM INT; do
    mount_fs "$cfg" "$mnt"
    kill -"$sig" "$DGENFS_PID"
    rc=0; wait "$DGENFS_PID" || rc=$?
    [ "$rc" -eq 0 ] || fail "SIG$sig: daemon exited $rc"
    is_mounted "$mnt" && fail "SIG$sig left $mnt mounted"
done

mount_fs "$cfg" "$mnt"
kill -KILL "$DGENFS_PID"
wait "$DGENFS_PID" 2>/dev/null || true
for _ in $(seq 100); do is_mounted "$mnt" || break; sleep 0.05; done
is_mounted "$mnt" && fail "kill -9 left a mount behind despite auto_unmount"

# Daemon mode: the command returns after mounting; the daemon serves until unmounted.
"$DGENFS" "$cfg" "$mnt" -o auto_unmount 2>"$TMPDIR_TEST/daemon.err" || fail "daemon mode: $(cat "$TMPDIR_TEST/daemon.err")"
is_mounted "$mnt" || fail "daemon mode did not mount"
pid=$(pgrep -n -f "^$DGENFS $cfg $mnt" || true)
on_exit "is_mounted '$mnt' && fusermount3 -u '$mnt'; [ -n '$pid' ] && kill '$pid' 2>/dev/null"
[ "$(stat -c %s "$mnt/f")" -eq $((1 << 20)) ] || fail "daemon mode: file size"
fusermount3 -u "$mnt"
for _ in $(seq 100); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && fail "daemon $pid still running after unmount"

rc=0
"$DGENFS" "$cfg" "$TMPDIR_TEST/no-such-dir" -f 2>"$TMPDIR_TEST/err" || rc=$?
[ "$rc" -eq 1 ] || fail "bad mountpoint: exit $rc: $(cat "$TMPDIR_TEST/err")"
echo "ok"
