#!/usr/bin/env bash
# The mount against POSIX, call by call, beyond what test-fs-readonly.sh (every modifying
# call: EROFS) covers: what each call a reader or a tool makes answers, including the
# operations dgenfs does not implement (where the kernel answers for it). docs/dgenfs.md,
# "What the mount shows", says the same.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires python3

cfg=$TMPDIR_TEST/posix.ini
cat >"$cfg" <<'INI'
[dataset]
seed = 7
[file]
path = f.bin
size = 100000
[file]
path = empty.bin
size = 0
[set]
dir = many
count = 300
size = 10
INI
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"
"$DGEN" cat --config "$cfg" f.bin >"$TMPDIR_TEST/f.want" || fail "dgen cat f.bin"
python3 - "$mnt" "$TMPDIR_TEST" <<'PY' || fail "a call did not answer as POSIX and docs/dgenfs.md say"
import errno, fcntl, os, stat, sys
m, tmp = sys.argv[1], sys.argv[2]
f = os.path.join(m, "f.bin")
want = open(os.path.join(tmp, "f.want"), "rb").read()
bad = []
def expect_errno(name, code, call):
    try:
        call()
        bad.append(f"{name}: succeeded, want {errno.errorcode[code]}")
    except OSError as e:
        if e.errno != code:
            bad.append(f"{name}: {errno.errorcode.get(e.errno, e.errno)}, want {errno.errorcode[code]}")
def expect(name, got, wanted):
    if got != wanted:
        bad.append(f"{name}: {got!r}, want {wanted!r}")

# Modes: read-only everywhere but /.verify.
expect("file mode", stat.S_IMODE(os.stat(f).st_mode), 0o444)
expect("dir mode", stat.S_IMODE(os.stat(m).st_mode), 0o555)
expect("/.dgen mode", stat.S_IMODE(os.stat(os.path.join(m, ".dgen")).st_mode), 0o555)
expect("access R_OK", os.access(f, os.R_OK), True)
expect("access X_OK on a file", os.access(f, os.X_OK), False)

# open(2) flags.
expect_errno("open O_CREAT|O_EXCL of an existing file", errno.EEXIST,
             lambda: os.open(f, os.O_CREAT | os.O_EXCL | os.O_RDONLY))
os.close(os.open(f, os.O_CREAT | os.O_RDONLY))  # O_CREAT of an existing file opens it
expect_errno("open O_DIRECTORY of a file", errno.ENOTDIR, lambda: os.open(f, os.O_DIRECTORY))
expect_errno("open O_WRONLY of a directory", errno.EISDIR, lambda: os.open(m, os.O_WRONLY))
expect_errno("open of a missing file", errno.ENOENT, lambda: os.open(os.path.join(m, "nope"), os.O_RDONLY))
expect_errno("open below a file", errno.ENOTDIR, lambda: os.open(f + "/x", os.O_RDONLY))

# read(2): at and after EOF an empty read; a negative offset EINVAL; huge offsets empty.
fd = os.open(f, os.O_RDONLY)
expect("pread whole", os.pread(fd, 200000, 0), want)
expect("pread at EOF", os.pread(fd, 10, 100000), b"")
expect("pread past EOF", os.pread(fd, 10, 100001), b"")
expect("pread across EOF", os.pread(fd, 10, 99995), want[99995:])
expect("pread at 2^62", os.pread(fd, 10, 1 << 62), b"")
# offset + count past 2^63 - 1: the kernel refuses it before asking dgenfs.
expect_errno("pread at 2^63-1", errno.EINVAL, lambda: os.pread(fd, 10, (1 << 63) - 1))
expect_errno("pread at -1", errno.EINVAL, lambda: os.pread(fd, 10, -1))
expect("pread of 0 bytes", os.pread(fd, 0, 5), b"")
# lseek: no holes, so SEEK_DATA is the offset and SEEK_HOLE the end; ENXIO at EOF.
expect("SEEK_DATA 5", os.lseek(fd, 5, os.SEEK_DATA), 5)
expect("SEEK_HOLE 5", os.lseek(fd, 5, os.SEEK_HOLE), 100000)
expect_errno("SEEK_DATA at EOF", errno.ENXIO, lambda: os.lseek(fd, 100000, os.SEEK_DATA))
expect("SEEK_END", os.lseek(fd, 0, os.SEEK_END), 100000)
expect_errno("lseek to -1", errno.EINVAL, lambda: os.lseek(fd, -1, os.SEEK_SET))
# Locks: local to this kernel (dgenfs has no lock operations): they work and mean nothing
# to the data, which never changes.
fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
fcntl.flock(fd, fcntl.LOCK_UN)
fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 10, 0)
expect_errno("fcntl F_WRLCK on a read-only fd", errno.EBADF, lambda: fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB))
expect_errno("fallocate on a read-only fd", errno.EBADF, lambda: os.posix_fallocate(fd, 0, 10))
expect_errno("write on a read-only fd", errno.EBADF, lambda: os.write(fd, b"x"))
# copy_file_range out of the mount: the kernel copies (EXDEV-free since Linux 5.19 only
# within one file system type); whatever it answers, the bytes that arrive are right.
out = os.open(os.path.join(tmp, "copy"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
try:
    n = os.copy_file_range(fd, out, 100000, 0, 0)
    expect("copy_file_range bytes", n, 100000)
    expect("copy_file_range data", open(os.path.join(tmp, "copy"), "rb").read(), want)
except OSError as e:
    if e.errno not in (errno.EXDEV, errno.EOPNOTSUPP, errno.ENOSYS):
        bad.append(f"copy_file_range: {errno.errorcode.get(e.errno, e.errno)}")
os.close(out)
os.close(fd)
# O_DIRECT: the page cache bypassed, the same bytes (aligned buffer through mmap).
import mmap
fd = os.open(f, os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 102400)
expect("O_DIRECT read", os.preadv(fd, [buf], 0), 100000)
expect("O_DIRECT bytes", bytes(buf[:100000]), want)
os.close(fd)
fd = os.open(os.path.join(m, "empty.bin"), os.O_RDONLY)
expect("read of an empty file", os.read(fd, 10), b"")
os.close(fd)

# Extended attributes: the size query, then ERANGE for a buffer too small.
seed = os.getxattr(f, "user.dgen.seed")
expect("user.dgen.seed", seed, b"7")
names = os.listxattr(f)
if "user.dgen.seed" not in names:
    bad.append(f"listxattr: {names}")
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
small = ctypes.create_string_buffer(1)
for call, args in (("getxattr", (f.encode(), b"user.dgen.format", None, 0)),
                   ("listxattr", (f.encode(), None, 0))):
    size = getattr(libc, call)(*args)
    if size <= 1:
        bad.append(f"{call} size query: {size}")
    small_args = args[:-2] + (small, 1)
    r = getattr(libc, call)(*small_args)
    if r != -1 or ctypes.get_errno() != errno.ERANGE:
        bad.append(f"{call} into 1 byte: {r}, errno {ctypes.get_errno()}, want ERANGE")
expect_errno("getxattr of a missing name", errno.ENODATA, lambda: os.getxattr(f, "user.nope"))

# readdir: telldir/seekdir through offsets: a listing resumed at any offset goes on where
# it stopped, and every name comes once ("." and ".." included).
d = libc.opendir
d.restype = ctypes.c_void_p
libc.readdir.restype = ctypes.c_void_p
libc.readdir.argtypes = [ctypes.c_void_p]
libc.telldir.restype = ctypes.c_long
libc.telldir.argtypes = [ctypes.c_void_p]
libc.seekdir.argtypes = [ctypes.c_void_p, ctypes.c_long]
libc.closedir.argtypes = [ctypes.c_void_p]
class Dirent(ctypes.Structure):
    _fields_ = [("d_ino", ctypes.c_uint64), ("d_off", ctypes.c_int64), ("d_reclen", ctypes.c_ushort),
                ("d_type", ctypes.c_ubyte), ("d_name", ctypes.c_char * 256)]
def listing(path):
    h = d(path.encode())
    names, positions = [], []
    while True:
        positions.append(libc.telldir(h))
        e = libc.readdir(h)
        if not e:
            break
        names.append(Dirent.from_address(e).d_name.decode())
    return h, names, positions
many = os.path.join(m, "many")
h, names, positions = listing(many)
expect("readdir count", len(names), 302)
expect("readdir unique", len(set(names)), 302)
for i in (0, 1, 2, 150, 301):
    libc.seekdir(h, positions[i])
    e = libc.readdir(h)
    expect(f"seekdir to entry {i}", Dirent.from_address(e).d_name.decode() if e else None, names[i])
libc.closedir(h)
expect("os.listdir", sorted(os.listdir(many)), sorted(n for n in names if n not in (".", "..")))

# statfs: read-only data, the dataset's size and counts.
s = os.statvfs(m)
expect("statfs f_namemax", s.f_namemax, 255)
if s.f_blocks * s.f_frsize < 100000 + 300 * 10:
    bad.append(f"statfs blocks {s.f_blocks} x {s.f_frsize}")

if bad:
    print("\n".join(bad))
    sys.exit(1)
PY

# Who may write: with default_permissions the kernel answers access(2) from the modes
# (0444, 0555) without asking dgenfs. Any user but root is told no (EACCES) on the rw
# mount; root, who passes every mode check, is told yes there, as on any writable file
# system, and the write itself then fails with EROFS. With -o ro every check says EROFS.
# docs/dgenfs.md, "Who may write", says why dgenfs keeps it that way.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
    chmod 0711 "$TMPDIR_TEST"  # mktemp made it 0700: let the other user reach the mount
    mnt2=$TMPDIR_TEST/mnt-other
    mount_fs "$cfg" "$mnt2" -o allow_other
    as_nobody test -r "$mnt2/f.bin" || fail "another user cannot read"
    if as_nobody test -w "$mnt2/f.bin"; then fail "test -w says another user may write a dataset file"; fi
    if as_nobody test -w "$mnt2/many"; then fail "test -w says another user may write a dataset directory"; fi
    as_nobody /usr/bin/python3 -c 'import os, sys; sys.exit(os.access(sys.argv[1], os.W_OK))' "$mnt2/f.bin" ||
        fail "os.access(W_OK) says another user may write"
fi
mnt3=$TMPDIR_TEST/mnt-ro
mount_fs "$cfg" "$mnt3" -o ro
if test -w "$mnt3/f.bin"; then fail "test -w on a -o ro mount"; fi
python3 - "$mnt3/f.bin" <<'PY' || fail "access(W_OK) on a -o ro mount is not EROFS"
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
assert libc.access(sys.argv[1].encode(), os.W_OK) == -1 and ctypes.get_errno() == errno.EROFS, ctypes.get_errno()
PY
echo "ok"
