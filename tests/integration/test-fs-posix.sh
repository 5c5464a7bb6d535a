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
[file]
path = big.bin
size = 3MiB
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

# mmap, MAP_SHARED and MAP_PRIVATE: a file in the page cache (f.bin, under
# page_cache_max) always maps; a direct_io one (big.bin) maps shared where the kernel
# offers FUSE_DIRECT_IO_ALLOW_MMAP (Linux 6.6+) and dgenfs took it, as its log says.
"$DGEN" cat --config "$cfg" big.bin >"$TMPDIR_TEST/big.want" || fail "dgen cat big.bin"
grep -q "shared mmap of direct_io files: on" "$DGENFS_LOG" && shared=on || shared=off
grep -q "shared mmap of direct_io files: off (this kernel does not offer it" "$DGENFS_LOG" || [ "$shared" = on ] ||
    fail "shared mmap of direct_io files is off on a kernel that offers it: $(grep mmap "$DGENFS_LOG")"
python3 - "$mnt" "$TMPDIR_TEST" "$shared" <<'PY' || fail "mmap of the mount's files"
import errno, mmap, os, sys
m, tmp, shared = sys.argv[1:4]
for name, want_file, direct in (("f.bin", "f.want", False), ("big.bin", "big.want", True)):
    want = open(os.path.join(tmp, want_file), "rb").read()
    for flags, kind in ((mmap.MAP_PRIVATE, "private"), (mmap.MAP_SHARED, "shared")):
        fd = os.open(os.path.join(m, name), os.O_RDONLY)
        try:
            mapped = mmap.mmap(fd, 0, flags, mmap.PROT_READ)
        except OSError as e:
            if direct and kind == "shared" and shared == "off" and e.errno == errno.ENODEV:
                continue
            sys.exit(f"mmap {kind} of {name}: {e}")
        finally:
            os.close(fd)
        if direct and kind == "shared" and shared == "off":
            sys.exit(f"mmap shared of {name} worked though the log says it is off")
        got = mapped[:]
        mapped.close()
        if got != want:
            sys.exit(f"mmap {kind} of {name}: bytes differ from dgen cat")
PY

# Who may write (docs/dgenfs.md, "Who may write"): dgenfs mounts without
# default_permissions and answers access(2) itself. The dataset's mount is read-only, so
# every write check there answers EROFS, root's included; read and execute follow the
# modes (files 0444, directories 0555). The verify area, a writable mount of its own that
# /.verify links to, has modes (0755, 0644, owned by the mounting user) that dgenfs checks
# as the kernel would.
check_access() {  # WHO PATH MODE WANT: access(2) as WHO (root or nobody) answers WANT (0 or an errno name)
    local who=$1
    shift
    local run=(/usr/bin/python3)
    [ "$who" = root ] || run=(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3)
    "${run[@]}" - "$@" <<'PY'
import ctypes, errno, os, sys
path, mode, want = sys.argv[1], sys.argv[2], sys.argv[3]
bits = {"F": os.F_OK, "R": os.R_OK, "W": os.W_OK, "X": os.X_OK, "RX": os.R_OK | os.X_OK}[mode]
libc = ctypes.CDLL(None, use_errno=True)
got = "0" if libc.access(path.encode(), bits) == 0 else errno.errorcode[ctypes.get_errno()]
if got != want:
    sys.exit(f"access({path}, {mode}_OK): {got}, expected {want}")
PY
}
check_access root "$mnt/f.bin" W EROFS || fail "root's access(W_OK) on a dataset file"
check_access root "$mnt/many" W EROFS || fail "root's access(W_OK) on a dataset directory"
check_access root "$mnt" W EROFS || fail "root's access(W_OK) on the root"
check_access root "$mnt/.dgen/stats.json" W EROFS || fail "root's access(W_OK) on /.dgen/stats.json"
check_access root "$mnt/f.bin" R 0 || fail "root's access(R_OK)"
check_access root "$mnt/f.bin" X EACCES || fail "root's access(X_OK) on a 0444 file"
check_access root "$mnt/many" RX 0 || fail "root's access(R_OK|X_OK) on a directory"
check_access root "$mnt/nonexistent" F ENOENT || fail "access(F_OK) of a missing name"
check_access root "$mnt/.verify" W 0 || fail "root's access(W_OK) on /.verify"
check_access root "$mnt/.verify/f.bin" W 0 || fail "root's access(W_OK) on /.verify/f.bin"
if test -w "$mnt/f.bin"; then fail "test -w says root may write a dataset file"; fi
test -w "$mnt/.verify/many" || fail "test -w says root may not write /.verify/many"
(cd "$mnt/many") || fail "cd into a dataset directory"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect_errno() {  # WANT WHAT CMD...: CMD fails, and its message names WANT (strerror)
    local want=$1 what=$2 out
    shift 2
    if out=$("$@" 2>&1); then fail "$what: succeeded"; fi
    case "$out" in *"$want"*) ;; *) fail "$what: '$out', expected '$want'" ;; esac
}
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
    chmod 0711 "$TMPDIR_TEST"  # mktemp made it 0700: let the other user reach the mount
    mnt2=$TMPDIR_TEST/mnt-other
    mount_fs "$cfg" "$mnt2" -o allow_other
    as_nobody test -r "$mnt2/f.bin" || fail "another user cannot read"
    check_access nobody "$mnt2/f.bin" W EROFS || fail "another user's access(W_OK) on a dataset file"
    check_access nobody "$mnt2/many" RX 0 || fail "another user's access(R_OK|X_OK) on a directory"
    check_access nobody "$mnt2/.verify" W EACCES || fail "another user's access(W_OK) on /.verify (0755)"
    check_access nobody "$mnt2/.verify/f.bin" R 0 || fail "another user's access(R_OK) on /.verify/f.bin (0644)"
    check_access nobody "$mnt2/.verify/f.bin" W EACCES || fail "another user's access(W_OK) on /.verify/f.bin"
    expect_errno "Permission denied" "another user creating in /.verify" as_nobody touch "$mnt2/.verify/new"
    expect_errno "Permission denied" "another user's mkdir in /.verify" as_nobody mkdir "$mnt2/.verify/d"
    expect_errno "Permission denied" "another user writing /.verify/f.bin" \
        as_nobody dd if=/dev/zero of="$mnt2/.verify/f.bin" bs=1 count=1 conv=notrunc status=none
    expect_errno "Permission denied" "another user truncating /.verify/f.bin" as_nobody truncate -s 0 "$mnt2/.verify/f.bin"
    expect_errno "Operation not permitted" "another user's chmod in /.verify" as_nobody chmod 0777 "$mnt2/.verify/f.bin"
    expect_errno "Operation not permitted" "another user setting times in /.verify" \
        as_nobody /usr/bin/python3 -c 'import os, sys; os.utime(sys.argv[1], (0, 0))' "$mnt2/.verify/f.bin"
    expect_errno "Permission denied" "another user setting times to now in /.verify" \
        as_nobody /usr/bin/python3 -c 'import os, sys; os.utime(sys.argv[1])' "$mnt2/.verify/f.bin"
    head -c 1000 "$mnt2/f.bin" >"$mnt2/.verify/new.bin" || fail "root creates a file in /.verify"
    expect_errno "Permission denied" "another user removing root's file from /.verify" as_nobody rm -f "$mnt2/.verify/new.bin"
    expect_errno "Permission denied" "another user renaming in /.verify" \
        as_nobody mv "$mnt2/.verify/new.bin" "$mnt2/.verify/moved.bin"
    rm "$mnt2/.verify/new.bin" || fail "root removes its file from /.verify"
    # Modes the owner sets are honoured: a 0700 directory shuts the other user out, a
    # 1777 one lets it in, keeping the entries it does not own. (What it creates belongs
    # to the mounting user, as every entry of the area does.)
    mkdir "$mnt2/.verify/private" || fail "root's mkdir in /.verify"
    touch "$mnt2/.verify/private/inside" || fail "root's touch in /.verify/private"
    chmod 0700 "$mnt2/.verify/private" || fail "root's chmod of /.verify/private"
    expect_errno "Permission denied" "another user listing a 0700 directory" as_nobody ls "$mnt2/.verify/private"
    expect_errno "Permission denied" "another user looking up in a 0700 directory" \
        as_nobody stat "$mnt2/.verify/private/inside"
    chmod 1777 "$mnt2/.verify/private" || fail "root's chmod 1777 of /.verify/private"
    as_nobody ls "$mnt2/.verify/private" >/dev/null || fail "another user cannot list a 1777 directory"
    as_nobody /usr/bin/python3 -c 'import os, sys; os.umask(0o022); os.close(os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o666))' \
        "$mnt2/.verify/private/by-nobody" || fail "another user cannot create in a 1777 directory"
    [ "$(stat -c %a "$mnt2/.verify/private/by-nobody")" = 644 ] || fail "a file created with 0666 under umask 022 is not 0644"
    expect_errno "Operation not permitted" "another user removing root's file from a sticky directory" \
        as_nobody rm -f "$mnt2/.verify/private/inside"
    rm -r "$mnt2/.verify/private" || fail "root removes /.verify/private"

    # -o default_permissions hands the checks back to the kernel: root is told yes where
    # the mount is writable, another user no; the dataset's mount stays read-only.
    mnt4=$TMPDIR_TEST/mnt-kernel-checks
    mount_fs "$cfg" "$mnt4" -o allow_other,default_permissions
    check_access root "$mnt4/.verify/f.bin" W 0 || fail "-o default_permissions: root's access(W_OK) should pass the mode check"
    check_access nobody "$mnt4/.verify/f.bin" W EACCES || fail "-o default_permissions: another user's access(W_OK)"
    check_access root "$mnt4/f.bin" W EROFS || fail "-o default_permissions: root's access(W_OK) to the dataset"
    expect_errno "Permission denied" "-o default_permissions: another user creating in /.verify" \
        as_nobody touch "$mnt4/.verify/new"
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
