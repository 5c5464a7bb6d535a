#!/usr/bin/env bash
# The .deb on a truly clean Debian 12 — a demonstration run by hand, not by CI (it
# downloads a system from the mirror, ~2 minutes, ~400 MB).
#
#   bash tests/system/deb-fresh.sh DGENFS_DEB       (as root; MIRROR=... to change mirror)
#
# debootstraps a minbase bookworm with systemd and man-db into a temporary directory,
# then, in systemd-nspawn (no boot: apt needs none):
#   apt-get install ./dgenfs_*.deb       the declared dependencies come from the mirror
#   dgenfs --version, dgen cat --seed 1 --size 1MiB | md5sum, man -w dgen dgenfs
#   dgenfs mounts the default config (/dev/fuse bound in) and serves what dgen cat writes
#   apt-get purge dgenfs; apt-get autoremove --purge
#   nothing of the package is left, and the package set is the one before the install
# and removes the directory. tests/integration/test-package-deb.sh is what CI runs.
set -euo pipefail

deb=$(realpath "${1:?usage: deb-fresh.sh DGENFS_DEB}")
[ -f "$deb" ] || { echo "deb-fresh.sh: no $deb" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "deb-fresh.sh: needs root" >&2; exit 2; }
for cmd in debootstrap systemd-nspawn; do
    command -v "$cmd" >/dev/null || { echo "deb-fresh.sh: needs $cmd (apt-get install debootstrap systemd-container)" >&2; exit 2; }
done
MIRROR=${MIRROR:-http://deb.debian.org/debian}

work=$(mktemp -d /var/tmp/deb-fresh.XXXXXX)
root=$work/root
cleanup() {
    # Nothing is mounted under $root once nspawn has exited; --one-file-system makes
    # sure rm never walks into anything that still is.
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

log() { printf '\n== %s\n' "$*"; }

log "debootstrap --variant=minbase bookworm ($MIRROR)"
debootstrap --variant=minbase --include=systemd,dbus,man-db bookworm "$root" "$MIRROR" \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
tail -1 "$work/debootstrap.log"
cp "$deb" "$root/root/"
echo "deb $MIRROR bookworm main" >"$root/etc/apt/sources.list"

# in_root SCRIPT: runs SCRIPT with sh -e inside the new system. nspawn keeps state in
# /run: a private mount namespace gives it a fresh /run, so the host's is left alone.
in_root() {
    unshare --mount --propagation private sh -c 'mount -t tmpfs -o mode=755 deb-fresh-run /run && exec "$@"' _ \
        systemd-nspawn -q --register=no --keep-unit -M "deb-fresh-$$" --bind=/dev/fuse -D "$root" \
        --setenv=DEBIAN_FRONTEND=noninteractive --setenv=DEB="/root/$(basename "$deb")" \
        sh -ec "$1"
}

in_root '
echo "== the new system: $(. /etc/os-release; echo "$PRETTY_NAME"), $(dpkg-query -W | wc -l) packages"
dpkg-query -W -f="\${Package}\n" | sort >/root/packages.before
for p in fuse3 libfuse3-3 libhwloc15 libinih1; do
    if dpkg-query -W "$p" >/dev/null 2>&1; then echo "$p is already installed" >&2; exit 1; fi
done

echo "== apt-get install ./$(basename "$DEB")"
apt-get update -qq
apt-get install -y --no-install-recommends "$DEB" >/root/install.log 2>&1 || { cat /root/install.log; exit 1; }
sed -n "/^The following NEW packages/,/^[0-9]* upgraded/p" /root/install.log
dpkg-query -W -f="\${Package} \${Version} \${Status}\n" dgenfs

echo "== dgenfs --version"
dgenfs --version
echo "== dgen cat --seed 1 --size 1MiB | md5sum"
dgen cat --seed 1 --size 1MiB | md5sum
echo "== man -w dgen dgenfs"
man -w dgen dgenfs

echo "== dgenfs /etc/dgenfs/dgenfs.ini /mnt/dgen"
mkdir -p /mnt/dgen
dgenfs /etc/dgenfs/dgenfs.ini /mnt/dgen -o ro
findmnt -rn -o TARGET,FSTYPE,OPTIONS /mnt/dgen
head -c 1048576 /mnt/dgen/reduce/dedup2-compress2.bin >/root/got
dgen cat --config /etc/dgenfs/dgenfs.ini reduce/dedup2-compress2.bin --length 1MiB >/root/want
cmp /root/got /root/want
echo "the first MiB of /mnt/dgen/reduce/dedup2-compress2.bin is what dgen cat writes"
fusermount3 -u /mnt/dgen
rmdir /mnt/dgen

dpkg-query -L dgenfs >/root/owned
echo "== apt-get purge -y dgenfs; apt-get autoremove -y --purge"
apt-get purge -y dgenfs >/root/purge.log 2>&1 || { cat /root/purge.log; exit 1; }
apt-get autoremove -y --purge >/root/autoremove.log 2>&1 || { cat /root/autoremove.log; exit 1; }
sed -n "/^The following packages will be REMOVED/,/^[0-9]* upgraded/p" /root/autoremove.log

echo "== what is left"
left=0
while read -r p; do
    if [ -e "$p" ] || [ -L "$p" ]; then
        # Directories the package shares with the system (/usr, /usr/bin, ...) stay.
        if [ -d "$p" ] && [ ! -L "$p" ] && dpkg -S "$p" >/dev/null 2>&1; then continue; fi
        echo "left: $p"; left=1
    fi
done </root/owned
echo "$(grep -c . /root/owned) paths of dgenfs checked; left: $left"
dpkg-query -W -f="\${Package}\n" | sort >/root/packages.after
if diff /root/packages.before /root/packages.after; then
    echo "the package set is the one before the install ($(wc -l </root/packages.after) packages)"
else
    left=1
fi
rest=$(dpkg -l | awk "NR > 5 && \$1 != \"ii\"")
if [ -n "$rest" ]; then echo "not fully purged: $rest"; left=1; fi
exit $left
'
log "ok: installed, used and removed on a clean Debian 12; removing $work"
