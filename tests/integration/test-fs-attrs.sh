#!/usr/bin/env bash
# Attributes: xattrs say how each file was made; inode numbers and times are the same on
# every mount; files are 0444, directories 0555; statfs counts the dataset.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires getfattr

cfg=$TMPDIR_TEST/attrs.ini
cat >"$cfg" <<'INI'
[dataset]
seed = 77
mtime = 2025-06-01T12:00:00Z
compress = 2
[file]
path = a/b.bin
size = 123456
dedup = 1.5
unit = 8KiB
[file]
path = z
size = 10
pattern = zero
[set]
dir = s
count = 20
size = 1000
seed = 9
INI
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"
x() { getfattr --only-values -n "user.dgen.$2" "$mnt/$1" 2>/dev/null; }
[ "$(x a/b.bin format)" = dgen2 ] || fail "format"
[ "$(x a/b.bin seed)" = 77 ] || fail "seed: $(x a/b.bin seed)"
[ "$(x a/b.bin dedup)" = 1.5 ] || fail "dedup"
[ "$(x a/b.bin compress)" = 2 ] || fail "compress"
[ "$(x a/b.bin unit)" = 8192 ] || fail "unit"
[ "$(x a/b.bin dedup_run)" = 8192 ] || fail "dedup_run (one unit)"
[ "$(x a/b.bin pattern)" = dgen ] || fail "pattern"
[ "$(x z pattern)" = zero ] || fail "zero pattern"
[ "$(x s/f00000003 seed)" = 9 ] || fail "set seed override"
[ "$(getfattr -d -m - "$mnt/a/b.bin" 2>/dev/null | grep -c '^user.dgen.')" -eq 8 ] || fail "listxattr"
{ getfattr -n user.nothing "$mnt/a/b.bin" 2>&1 || true; } | grep -q "No such attribute" || fail "missing xattr"

[ "$(stat -c %a "$mnt/a/b.bin")" = 444 ] || fail "file mode"
[ "$(stat -c %a "$mnt/a")" = 555 ] || fail "dir mode"
[ "$(stat -c %Y "$mnt/a/b.bin")" = 1748779200 ] || fail "mtime $(stat -c %Y "$mnt/a/b.bin")"
inodes() { (cd "$mnt" && find . -printf '%i %P\n' | sort -k2); }
inodes >"$TMPDIR_TEST/ino1"
[ "$(cut -d' ' -f1 "$TMPDIR_TEST/ino1" | sort -u | wc -l)" -eq "$(wc -l <"$TMPDIR_TEST/ino1")" ] || fail "inode reused"
unmount_fs "$mnt" "$DGENFS_PID" "$DGENFS_LOG"  # and the daemon must exit 0
mount_fs "$cfg" "$mnt"
inodes >"$TMPDIR_TEST/ino2"
cmp -s "$TMPDIR_TEST/ino1" "$TMPDIR_TEST/ino2" || fail "inode numbers changed across mounts"
[ "$(stat -f -c %c "$mnt")" -eq $((22 + 3)) ] || fail "statfs files: $(stat -f -c %c "$mnt")"
[ "$(stat -f -c %b "$mnt")" -eq $(((123456 + 10 + 20000 + 4095) / 4096)) ] || fail "statfs blocks"
echo "ok"
