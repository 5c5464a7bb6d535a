#!/usr/bin/env bash
# `mount -t fuse.dgenfs CONFIG DIR -o ...` (what an fstab line does, through mount.fuse3)
# mounts in daemon mode, reads correctly, and unmounts with fusermount3 -u.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires mount
command -v mount.fuse3 >/dev/null || [ -x /sbin/mount.fuse3 ] || skip "needs mount.fuse3"

cfg=$TMPDIR_TEST/fstab.ini
printf '[file]\npath = f.bin\nsize = 3MiB\ndedup = 2\n' >"$cfg"
mnt=$TMPDIR_TEST/mnt
mkdir -p "$mnt"
# mount.fuse3 runs "dgenfs" from PATH, as it would from /usr/local/bin after install.
PATH="$(dirname "$DGENFS"):$PATH" mount -t fuse.dgenfs "$cfg" "$mnt" -o ro,allow_other,auto_unmount ||
    fail "mount -t fuse.dgenfs failed"
on_exit "is_mounted '$mnt' && fusermount3 -u '$mnt'"
is_mounted "$mnt" || fail "not mounted"
grep -q '^ro,' <<<"$(findmnt -rn -M "$mnt" -o OPTIONS)" || fail "not read-only: $(findmnt -rn -M "$mnt" -o OPTIONS)"
grep -q 'allow_other' <<<"$(findmnt -rn -M "$mnt" -o OPTIONS)" || fail "allow_other missing"
same_bytes "$mnt/f.bin" "$cfg" f.bin
fusermount3 -u "$mnt"
is_mounted "$mnt" && fail "still mounted after fusermount3 -u"
echo "ok"
