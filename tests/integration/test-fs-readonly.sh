#!/usr/bin/env bash
# Every modifying operation fails with EROFS (mounted -o rw, so the daemon answers itself:
# the default read-only mount has the kernel refuse first, test-fs-verify-area.sh); opening for writing fails cleanly; reading still works afterwards. With
# skip_open (the kernel sends no OPEN once one is answered ENOSYS) a write-open succeeds
# and its first write fails with EROFS; both settings are pinned at the end.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires python3

cfg=$TMPDIR_TEST/ro.ini
cat >"$cfg" <<'INI'
[file]
path = dir/file.bin
size = 1MiB
INI
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt" -o rw
python3 - "$mnt" <<'PY' || fail "a modifying operation did not fail with EROFS"
import errno, os, sys
m = sys.argv[1]
f, d = os.path.join(m, "dir/file.bin"), os.path.join(m, "dir")
def write_open(flags):  # EROFS from the open, or (skip_open) from the write
    fd = os.open(f, flags)
    try:
        os.write(fd, b"x")
    finally:
        os.close(fd)
ops = {
    "open O_WRONLY": lambda: write_open(os.O_WRONLY),
    "open O_RDWR": lambda: write_open(os.O_RDWR),
    "open O_TRUNC": lambda: os.open(f, os.O_RDONLY | os.O_TRUNC),
    "create": lambda: os.open(os.path.join(d, "new"), os.O_CREAT | os.O_WRONLY, 0o644),
    "mkdir": lambda: os.mkdir(os.path.join(d, "sub")),
    "unlink": lambda: os.unlink(f),
    "rmdir": lambda: os.rmdir(d),
    "rename": lambda: os.rename(f, os.path.join(d, "moved")),
    "link": lambda: os.link(f, os.path.join(d, "hard")),
    "symlink": lambda: os.symlink("x", os.path.join(d, "sym")),
    "mknod": lambda: os.mknod(os.path.join(d, "fifo"), 0o600 | 0o010000),
    "chmod": lambda: os.chmod(f, 0o777),
    "chown": lambda: os.chown(f, 1, 1),
    "truncate": lambda: os.truncate(f, 0),
    "utime": lambda: os.utime(f, (0, 0)),
    "setxattr": lambda: os.setxattr(f, "user.x", b"1"),
    "removexattr": lambda: os.removexattr(f, "user.dgen.seed"),
}
bad = []
for name, op in ops.items():
    try:
        op()
        bad.append(f"{name}: succeeded")
    except OSError as e:
        if e.errno != errno.EROFS:
            bad.append(f"{name}: {errno.errorcode.get(e.errno, e.errno)}, want EROFS")
if bad:
    print("\n".join(bad))
    sys.exit(1)
assert len(open(f, "rb").read()) == 1 << 20
PY
# The shell sees the same: a redirect into the mount says "Read-only file system".
if (echo x >"$mnt/dir/file.bin") 2>"$TMPDIR_TEST/err"; then fail "shell write succeeded"; fi
grep -q "Read-only file system" "$TMPDIR_TEST/err" || fail "shell write: $(cat "$TMPDIR_TEST/err")"

# Where the EROFS comes from, after a first read-only open: the open itself with OPEN
# requests, the first write without them (skip_open). O_TRUNC fails at the open either way.
where_erofs() {  # MNT -> "open" or "write"
    python3 - "$1/dir/file.bin" <<'PY'
import errno, os, sys
f = sys.argv[1]
os.close(os.open(f, os.O_RDONLY))
try:
    fd = os.open(f, os.O_RDONLY | os.O_TRUNC)
    sys.exit("open O_TRUNC succeeded")
except OSError as e:
    if e.errno != errno.EROFS: sys.exit(f"open O_TRUNC: {e}")
try:
    fd = os.open(f, os.O_WRONLY)
except OSError as e:
    if e.errno != errno.EROFS: sys.exit(f"open O_WRONLY: {e}")
    print("open"); sys.exit(0)
try:
    os.write(fd, b"x")
    sys.exit("write succeeded")
except OSError as e:
    if e.errno != errno.EROFS: sys.exit(f"write: {e}")
    print("write")
PY
}
for setting in "skip_open = false|open" "skip_open = true|write"; do
    dir=$TMPDIR_TEST/${setting%% =*}-${setting#*= }
    mkdir -p "$dir"
    { echo "[dataset]"; echo "${setting%|*}"; cat "$cfg"; } >"$dir/ro.ini"
    [[ ${DGENFS_TEST_DATASET:-} == *skip_open* ]] && break  # the variant's key would clash
    mount_fs "$dir/ro.ini" "$dir/mnt" -o rw
    got=$(where_erofs "$dir/mnt") || fail "${setting%|*}: $got"
    [ "$got" = "${setting#*|}" ] || fail "${setting%|*}: EROFS from the $got, want from the ${setting#*|}"
done
echo "ok"
