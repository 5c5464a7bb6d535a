#!/usr/bin/env bash
# An fstab line's mount, through mount.fuse3, mounts in daemon mode, reads correctly, and
# unmounts with fusermount3 -u. mount(8) runs its helper with no PATH, so `-t fuse.dgenfs`
# finds only an installed dgenfs; this test mounts the built one by its absolute path, in
# mount.fuse3's `-t fuse PROGRAM#SOURCE` form (an fstab line may use it too).
source "$(dirname "$0")/functions.sh"
requires_fuse
requires mount
command -v mount.fuse3 >/dev/null || [ -x /sbin/mount.fuse3 ] || skip "needs mount.fuse3"

cfg=$TMPDIR_TEST/fstab.ini
printf '[file]\npath = f.bin\nsize = 3MiB\ndedup = 2\n' >"$cfg"
mnt=$TMPDIR_TEST/mnt
mkdir -p "$mnt"
mount -t fuse "$(realpath "$DGENFS")#$cfg" "$mnt" -o ro,allow_other,auto_unmount ||
    fail "mount -t fuse DGENFS#CONFIG failed"
on_exit "is_mounted '$mnt' && fusermount3 -u '$mnt'"
is_mounted "$mnt" || fail "not mounted"
grep -q '^ro,' <<<"$(findmnt -rn -M "$mnt" -o OPTIONS)" || fail "not read-only: $(findmnt -rn -M "$mnt" -o OPTIONS)"
grep -q 'allow_other' <<<"$(findmnt -rn -M "$mnt" -o OPTIONS)" || fail "allow_other missing"
same_bytes "$mnt/f.bin" "$cfg" f.bin
fusermount3 -u "$mnt"
is_mounted "$mnt" && fail "still mounted after fusermount3 -u"
echo "ok"
