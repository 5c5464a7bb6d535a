#!/usr/bin/env bash
# README's first command on a fresh Debian 12 that boots systemd, then
#   systemctl enable --now dgenfs
# and /mnt/dgen must serve exactly what `dgen cat` says. Not run by CI: it downloads
# ~400 MB from the Debian mirror and takes ~10 minutes on 2 cores. Run it as root from the
# repository root; it clones the committed HEAD, so commit first.
#
#   bash tests/system/fresh-machine.sh            (env: MIRROR, KEEP_ROOT=1)
#
# The machine: debootstrap --variant=minbase bookworm (+ systemd, dbus), booted in a
# throwaway container (tests/integration/container.sh) sharing the host's network.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/container.sh
MIRROR=${MIRROR:-http://deb.debian.org/debian}
ROOT=$(mktemp -d /var/tmp/dgen-fresh.XXXXXX)
NAME=dgen-fresh-$$
cleanup() {
    ct_stop "$NAME" || true
    [ "${KEEP_ROOT:-0}" = 1 ] || rm -rf --one-file-system "$ROOT"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "debootstrap bookworm (minbase + systemd) into $ROOT"
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,git,ca-certificates \
    bookworm "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 || { tail -20 "$ROOT.log"; exit 1; }
rm -f "$ROOT.log"
echo "fresh-dgen" >"$ROOT/etc/hostname"

step "the repository, as committed ($(git rev-parse --short HEAD)), at /share/dgenfs"
mkdir -p "$CT_STATE/$NAME-share"
git clone -q . "$CT_STATE/$NAME-share/dgenfs"

step "boot"
ct_boot "$NAME" "$ROOT"
ct "$NAME" sh -c '. /etc/os-release; echo "$PRETTY_NAME, $(systemctl --version | head -1)"; dpkg -l | grep -c ^ii'

step "README command 1: bash src/scripts/setup.sh up"
ct "$NAME" bash -c 'cd /share/dgenfs && bash src/scripts/setup.sh up' 2>&1 | tail -25

step "systemctl enable --now dgenfs"
ct "$NAME" systemctl enable --now dgenfs
ct "$NAME" systemctl status --no-pager dgenfs | head -12
ct "$NAME" findmnt /mnt/dgen
# Sums under pipefail: a failed read on either side fails, where two failed process
# substitutions would have compared equal.
ct "$NAME" bash -c 'set -eo pipefail; got=$(head -c 256M /mnt/dgen/big/incompressible.bin | sha256sum)
    want=$(dgen cat --config /etc/dgenfs/dgenfs.ini big/incompressible.bin --length 256MiB | sha256sum)
    [ "$got" = "$want" ]' || { echo "FAIL: /mnt/dgen/big/incompressible.bin differs from dgen cat, or could not be read" >&2; exit 1; }
echo "ok: /mnt/dgen/big/incompressible.bin (first 256 MiB) reads exactly as dgen cat"
ct "$NAME" systemctl is-enabled dgenfs
