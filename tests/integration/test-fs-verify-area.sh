#!/usr/bin/env bash
# The verify area, MNT/.verify: intact copies written back with cp, rsync -a, tar -x and
# dd are `verified`; a corrupted one fails with EIO where the bytes go wrong, and says so
# in the log and in user.dgen.verify; truncates, unlink and re-create, files that are not
# the dataset's; the area hidden from listings; the area is a mount of its own that .verify
# links to, the dataset's mount is read-only, and a second pass over it asks no
# attributes; either unmount stops the daemon and removes both; verify_mountpoint is
# honoured, and refused inside the mountpoint; verify_area = false: one read-only mount.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires python3 rsync tar getfattr cmp

cfg=$TMPDIR_TEST/area.ini
cat >"$cfg" <<'INI'
[dataset]
seed = 11
[file]
path = big/a.bin
size = 24MiB
compress = 2
[file]
path = z/zero.bin
size = 3MiB
pattern = zero
[file]
path = empty
size = 0
[set]
dir = small
count = 120
size_min = 1KiB
size_max = 200KiB
files_per_dir = 50
dedup = 2
INI
mnt=$TMPDIR_TEST/mnt
src=$TMPDIR_TEST/src
area=$mnt/.verify
mount_fs "$cfg" "$mnt" -d

# The area's own mount, where the link says, read-write; the dataset's mount read-only.
[ -L "$area" ] || fail ".verify is not a symbolic link: $(ls -ld "$area")"
vmnt=$(readlink "$area") || fail "readlink $area failed"
base=$(realpath "$mnt")  # what dgenfs was told to mount at: in per-node mode, MNT.nodes
[ -L "$mnt" ] && base=$(realpath "$mnt.nodes")
[ "$vmnt" = "/run/dgenfs/verify$base" ] || fail ".verify links to '$vmnt', want /run/dgenfs/verify$base"
vopts=$(findmnt -rn -M "$vmnt" -o FSTYPE,OPTIONS) || fail "nothing is mounted at $vmnt"
[[ "$vopts" == "fuse.dgenfs "*rw,* ]] || fail "the verify area's mount: '$vopts', want fuse.dgenfs, rw"
opts=$(findmnt -rn -M "$(realpath "$mnt")" -o OPTIONS) || fail "findmnt $mnt failed"
[[ ",$opts," == *,ro,* ]] || fail "the dataset's mount is not read-only: $opts"
# mount_fs returns once the mount answers; the daemon says it serves a moment later.
wait_logged "serving at $base, its verify area at $vmnt" "$DGENFS_LOG" "the 'serving at' line naming the verify area"
# The reason it is apart: after a file's first read, a stat on a read-write FUSE mount
# waits for a GETATTR (the kernel marks atime stale); on a read-only one it does not.
cat "$mnt"/small/d00/* >/dev/null || fail "first pass over small/d00 failed"
getattrs=$(grep -c "opcode: GETATTR" "$DGENFS_LOG")
python3 - "$mnt"/small/d00/* <<'PY' || fail "second pass over small/d00 failed"
import os, sys
for p in sys.argv[1:]:
    with open(p, "rb") as f:
        os.fstat(f.fileno())
        f.read()
PY
[ "$(grep -c "opcode: GETATTR" "$DGENFS_LOG")" -eq "$getattrs" ] || fail "a second pass over read files asked for attributes: $((\
    $(grep -c "opcode: GETATTR" "$DGENFS_LOG") - getattrs)) GETATTRs"

status() { getfattr --absolute-names --only-values -n user.dgen.verify "$1" 2>&1; }
expect_status() {  # FILE WANT
    local got
    got=$(status "$1")
    [ "$got" = "$2" ] || fail "$1: user.dgen.verify is '$got', want '$2'"
}
# Every file of the copy has `verified` in the area.
all_verified() {  # WHAT
    python3 - "$src" "$area" <<'PY' || fail "$1: not every file verified"
import os, sys
src, area = sys.argv[1:]
bad = []
for d, _, files in os.walk(src):
    for f in files:
        rel = os.path.relpath(os.path.join(d, f), src)
        s = os.getxattr(os.path.join(area, rel), "user.dgen.verify").decode()
        if s != "verified":
            bad.append(f"{rel}: {s}")
print("\n".join(bad[:10]), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# Hidden from listings, so a copy of the mount is the dataset and nothing else.
ls -a "$mnt" >"$TMPDIR_TEST/root.ls" || fail "ls -a of the root failed"
grep -qx '.verify' "$TMPDIR_TEST/root.ls" && fail ".verify is listed in the root"
[ -d "$area" ] || fail "$area is not a directory"
mkdir "$src"
cp -a "$mnt/." "$src/" || fail "cp -a out of the mount failed"
[ -e "$src/.verify" ] && fail "cp -a of the mount copied .verify"
[ "$(find "$src" -type f | wc -l)" -eq 123 ] || fail "the copy has $(find "$src" -type f | wc -l) files, want 123"

# Before any write: every file is there, empty, partial.
[ "$(stat -c %s "$area/big/a.bin")" -eq 0 ] || fail "an untouched area file is not empty"
expect_status "$area/big/a.bin" "partial 0/25165824 bytes"

# cp (O_TRUNC then writes), then dd, then truncates.
cp "$src/big/a.bin" "$area/big/a.bin" || fail "cp of an intact copy into the area failed"
expect_status "$area/big/a.bin" verified
cmp "$area/big/a.bin" "$src/big/a.bin" || fail "the area does not read back what was written"
dd if="$src/big/a.bin" of="$area/big/a.bin" bs=1M status=none || fail "dd into the area failed"
expect_status "$area/big/a.bin" verified
truncate -s 0 "$area/big/a.bin" || fail "truncate -s 0 failed"
expect_status "$area/big/a.bin" "partial 0/25165824 bytes"
truncate -s 25165824 "$area/big/a.bin" || fail "truncate to the file's size failed"
expect_status "$area/big/a.bin" "partial 0/25165824 bytes"
dd if="$src/big/a.bin" of="$area/big/a.bin" bs=1M count=8 conv=notrunc status=none || fail "dd conv=notrunc failed"
expect_status "$area/big/a.bin" "partial 8388608/25165824 bytes"
dd if="$src/big/a.bin" of="$area/big/a.bin" bs=1M skip=8 seek=8 conv=notrunc status=none || fail "dd of the rest failed"
expect_status "$area/big/a.bin" verified
out=$(truncate -s 25165825 "$area/big/a.bin" 2>&1) && fail "truncate past the file's end succeeded"
grep -q "File too large" <<<"$out" || fail "truncate past the end: $out"
truncate -s 0 "$area/big/a.bin" || fail "truncate -s 0 after a failure failed"
# A zero file copied sparsely is nothing but a truncate to its size.
cp --sparse=always "$src/z/zero.bin" "$area/z/zero.bin" || fail "cp --sparse of the zero file failed"
expect_status "$area/z/zero.bin" verified

# rsync -a: temporary files, renamed onto the dataset paths, checked at the rename.
rsync -a "$src/" "$area/" || fail "rsync -a of an intact tree into the area failed"
all_verified "rsync -a"
# tar -x: unlinks each file and creates it again.
tar -C "$src" -cf "$TMPDIR_TEST/t.tar" . || fail "tar -c failed"
tar -C "$area" -xf "$TMPDIR_TEST/t.tar" || fail "tar -x of an intact tree into the area failed"
all_verified "tar -x"

# A corrupted copy: one byte flipped at 5,000,000. cp fails there, with EIO.
cp "$src/big/a.bin" "$TMPDIR_TEST/bad.bin" || fail "cp failed"
python3 - "$TMPDIR_TEST/bad.bin" <<'PY' || fail "cannot corrupt the copy"
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(5000000); b = f.read(1); f.seek(5000000); f.write(bytes([b[0] ^ 0x10]))
PY
out=$(cp "$TMPDIR_TEST/bad.bin" "$area/big/a.bin" 2>&1) && fail "cp of a corrupted copy succeeded"
grep -q "Input/output error" <<<"$out" || fail "cp of a corrupted copy: $out"
expect_status "$area/big/a.bin" "mismatch at 5000000"
grep -q "verify: big/a.bin: mismatch at offset 5000000, 1 bytes, corrupt" "$DGENFS_LOG" ||
    fail "the log lacks the mismatch: $(tail -5 "$DGENFS_LOG")"
# rsync of the same: the rename onto big/a.bin fails.
rsync -a "$TMPDIR_TEST/bad.bin" "$area/big/a.bin" 2>"$TMPDIR_TEST/rsync.err" && fail "rsync of a corrupted copy succeeded"
grep -q "Input/output error" "$TMPDIR_TEST/rsync.err" || fail "rsync: $(cat "$TMPDIR_TEST/rsync.err")"
grep -q "checked at its rename\|rename of big/.a.bin" "$DGENFS_LOG" || fail "the log lacks the rename's mismatch"
# A zeroed unit (compress = 2: its last differing byte ends the range, 3833 bytes in):
# the class is in the log, and every failure is in stats.json.
cp "$src/big/a.bin" "$TMPDIR_TEST/zeroed.bin" || fail "cp failed"
dd if=/dev/zero of="$TMPDIR_TEST/zeroed.bin" bs=4096 seek=3 count=1 conv=notrunc status=none || fail "dd failed"
out=$(dd if="$TMPDIR_TEST/zeroed.bin" of="$area/big/a.bin" bs=64K status=none 2>&1) && fail "dd of a zeroed copy succeeded"
expect_status "$area/big/a.bin" "mismatch at 12288"
grep -q "verify: big/a.bin: mismatch at offset 12288, 3833 bytes, zeroed (write of 65536 bytes at 0 answered EIO)" "$DGENFS_LOG" ||
    fail "the log lacks the zeroed unit: $(tail -3 "$DGENFS_LOG")"
# 8 KiB of the file's own bytes from offset 512, written 20 MiB on: shifted, named by the
# ARS counter of its first block (with AES-NI; without it the class is corrupt).
cp "$src/big/a.bin" "$TMPDIR_TEST/shifted.bin" || fail "cp failed"
dd if="$src/big/a.bin" of="$TMPDIR_TEST/shifted.bin" bs=512 skip=1 seek=40960 count=16 conv=notrunc status=none || fail "dd failed"
out=$(cp "$TMPDIR_TEST/shifted.bin" "$area/big/a.bin" 2>&1) && fail "cp of a shifted copy succeeded"
want="shifted: bytes from offset 512"
grep -qw aes /proc/cpuinfo || want=corrupt
grep -qF "verify: big/a.bin: mismatch at offset 20971520, 7929 bytes, $want (write of" "$DGENFS_LOG" ||
    fail "the log lacks the shifted range ($want): $(tail -3 "$DGENFS_LOG")"
python3 - "$mnt/.dgen/stats.json" <<'PY' || fail "stats.json does not show the failures"
import json, sys
v = json.load(open(sys.argv[1]))["verify"]
recent = [(m["path"], m["offset"], m["length"], m["kind"]) for m in v["recent"]]
want = [("big/a.bin", 5000000, 1, "corrupt"), ("big/a.bin", 0, 25165824, "unclassified"),
        ("big/a.bin", 12288, 3833, "zeroed")]
recent = [r for r in recent if r[1] != 20971520]
assert recent[-3:] == want, recent
assert v["writes_failed"] >= 3 and v["files_mismatched"] == 1, v
assert v["files_verified"] >= 120, v
PY
cp "$src/big/a.bin" "$area/big/a.bin" || fail "cp of the intact copy after a failure failed"
expect_status "$area/big/a.bin" verified

# Names that are not the dataset's: kept as created files, never verified.
echo hello >"$area/big/extra.txt" || fail "creating a file in the area failed"
expect_status "$area/big/extra.txt" "not a dataset file (6 bytes written)"
mkdir -p "$area/new/dir" || fail "mkdir in the area failed"
mv "$area/big/extra.txt" "$area/new/dir/" || fail "rename of a created file failed"
rm -r "$area/new" || fail "rm -r of created files failed"
[ -e "$area/new" ] && fail "a removed directory is still there"
# unlink of a dataset path: gone until created again.
rm "$area/big/a.bin" || fail "rm of an area file failed"
[ -e "$area/big/a.bin" ] && fail "an unlinked area file is still there"
cp "$src/big/a.bin" "$area/big/" || fail "cp after rm failed"
expect_status "$area/big/a.bin" verified
out=$(rmdir "$area/big" 2>&1) && fail "rmdir of a dataset directory succeeded"
out=$(mv "$area/big/a.bin" "$area/big/b.bin" 2>&1) && fail "renaming a dataset path succeeded"
: >"$area/empty" || fail "creating the empty file failed"
expect_status "$area/empty" verified

# The dataset itself stays read-only.
out=$( (echo x >"$mnt/big/a.bin") 2>&1) && fail "a write to the dataset succeeded"
grep -q "Read-only file system" <<<"$out" || fail "a write to the dataset: $out"

# Unmounting the dataset stops the daemon (exit 0), which unmounts the area and
# removes the directories it made for it.
fusermount3 -u "$(realpath "$mnt")" || fail "fusermount3 -u $mnt failed"
for _ in $(seq 100); do kill -0 "$DGENFS_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DGENFS_PID" 2>/dev/null && fail "dgenfs still runs 5 s after its mount was unmounted"
wait "$DGENFS_PID" || fail "dgenfs exited $? after the unmount: $(tail -5 "$DGENFS_LOG")"
findmnt -M "$vmnt" >/dev/null && fail "the verify area's mount outlived the dataset's"
[ -e "$vmnt" ] && fail "$vmnt is left behind"

# verify_mountpoint: the area where the config says; unmounting the area stops it all.
cfg3=$TMPDIR_TEST/placed.ini
{ echo "[dataset]"; echo "verify_mountpoint = $TMPDIR_TEST/placed/area"; sed 1d "$cfg"; } >"$cfg3"
mnt3=$TMPDIR_TEST/mnt3
mount_fs "$cfg3" "$mnt3"
[ "$(readlink "$mnt3/.verify")" = "$TMPDIR_TEST/placed/area" ] || fail "verify_mountpoint: .verify links to $(readlink "$mnt3/.verify")"
cp "$src/z/zero.bin" "$mnt3/.verify/z/zero.bin" || fail "cp into the placed area failed"
expect_status "$TMPDIR_TEST/placed/area/z/zero.bin" verified
fusermount3 -u "$TMPDIR_TEST/placed/area" || fail "fusermount3 -u of the verify area failed"
for _ in $(seq 100); do kill -0 "$DGENFS_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$DGENFS_PID" 2>/dev/null && fail "dgenfs still runs 5 s after its verify area was unmounted"
wait "$DGENFS_PID" || fail "dgenfs exited $? after the verify area's unmount: $(tail -5 "$DGENFS_LOG")"
findmnt -M "$(realpath "$mnt3")" >/dev/null && fail "the dataset's mount outlived the verify area's"
[ -d "$TMPDIR_TEST/placed" ] && fail "the directories made for verify_mountpoint are left behind"

# A verify_mountpoint in the mountpoint is refused: exit 1, nothing mounted, nothing made.
cfg4=$TMPDIR_TEST/inside.ini
mnt4=$TMPDIR_TEST/mnt4
mkdir -p "$mnt4"
{ echo "[dataset]"; echo "verify_mountpoint = $mnt4/area"; sed 1d "$cfg"; } >"$cfg4"
out=$("$DGENFS" "$cfg4" "$mnt4" -f 2>&1) && fail "a verify_mountpoint inside the mountpoint was mounted"
rc=$?
[ "$rc" -eq 1 ] || fail "a verify_mountpoint inside the mountpoint: exit $rc, want 1: $out"
grep -q "verify_mountpoint $mnt4/area: the verify area needs a place of its own" <<<"$out" || fail "no reason given: $out"
findmnt -t fuse.dgenfs -rn -o TARGET | grep -q "^$mnt4" && fail "something is mounted at $mnt4"
[ -e "$mnt4/area" ] && fail "$mnt4/area was left behind"

# verify_area = false: no area, one mount, read-only.
cfg2=$TMPDIR_TEST/noarea.ini
{ echo "[dataset]"; echo "verify_area = false"; sed 1d "$cfg"; } >"$cfg2"
mnt2=$TMPDIR_TEST/mnt2
mount_fs "$cfg2" "$mnt2"
[ -e "$mnt2/.verify" ] || [ -L "$mnt2/.verify" ] && fail "verify_area = false still shows .verify"
opts=$(findmnt -rn -M "$(realpath "$mnt2")" -o OPTIONS) || fail "findmnt failed"
[[ ",$opts," == *,ro,* ]] || fail "verify_area = false did not mount read-only: $opts"
[ "$(findmnt -t fuse.dgenfs -rn -o TARGET | grep -c "verify$(realpath "$mnt2")$")" -eq 0 ] || fail "verify_area = false mounted an area"
exit 0
