#!/usr/bin/env bash
# The systemd units under a real systemd, in a throwaway container (container.sh): the
# build is installed there with `cmake --install`, then dgenfs.service and dgenfs@small
# are enabled and started; their mounts read exactly as `dgen cat`; the status line, the
# journal's start-up lines and a reload are checked; kill -9 brings the daemon back with a
# readable mount; stop unmounts with exit 0. Last, a daemonized dgenfs (no systemd) whose
# worker fails leaves its error in the journal, through syslog.
source "$(dirname "$0")/functions.sh"
source "$(dirname "$0")/container.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v systemd-nspawn >/dev/null || skip "needs systemd-nspawn (package systemd-container)"
[ -n "${DGEN_BUILD_DIR:-}" ] || fail "DGEN_BUILD_DIR is not set (CTest sets it)"
# The sanitizer pass is for our memory errors; the units run the installed binaries.
[ "${DGEN_SANITIZED:-0}" = 1 ] && skip "the units are tested with the Release build"

CT=dgen-units-$$
on_exit "ct_stop $CT; rm -f '$CT_STATE/$CT.log'"
# The build tree and the sources it installs from, wherever they are (/tmp is the
# container's own).
CT_BIND="$(realpath "$DGEN_BUILD_DIR") $(cd "$(dirname "$0")/../.." && pwd)" ct_boot "$CT" || fail "systemd did not boot in the container: $(tail -5 "$CT_STATE/$CT.log")"
in_ct() { ct "$CT" "$@"; }

in_ct cmake --install "$DGEN_BUILD_DIR" --prefix /usr/local >/dev/null || fail "cmake --install in the container"
in_ct test -f /etc/dgenfs/dgenfs.ini || fail "the install made no /etc/dgenfs/dgenfs.ini"
in_ct sh -c 'cat >/etc/dgenfs/small.ini' <<'EOF' || fail "writing small.ini"
[dataset]
seed = 7
[file]
path = one.bin
size = 3MiB
dedup = 2
[set]
dir = many
count = 50
size = 8KiB
EOF
in_ct systemctl daemon-reload || fail "daemon-reload"
in_ct systemctl enable --now dgenfs.service dgenfs@small.service 2>&1 ||
    fail "enable --now: $(in_ct journalctl -n 30 --no-pager)"

# Both mounts are there, and read exactly as `dgen cat` of the same config and path.
check_mount() {  # MOUNTPOINT CONFIG PATH LENGTH
    [ "$(in_ct findmnt -rn -o FSTYPE -M "$1")" = fuse.dgenfs ] || fail "$1 is not one dgenfs mount: $(in_ct findmnt -M "$1"; in_ct journalctl -u dgenfs --no-pager | tail -25)"
    # Sums through pipes under pipefail: a failed read on either side fails, where two
    # failed process substitutions would have compared equal.
    in_ct bash -c "set -eo pipefail; got=\$(head -c $4 '$1/$3' | sha256sum)
        want=\$(/usr/local/bin/dgen cat --config '$2' '$3' --length $4 | sha256sum)
        [ \"\$got\" = \"\$want\" ]" || fail "$1/$3 differs from dgen cat, or could not be read"
}
check_mount /mnt/dgen /etc/dgenfs/dgenfs.ini reduce/dedup2-compress2.bin 16777216
check_mount /mnt/dgen-small /etc/dgenfs/small.ini one.bin 3145728
check_mount /mnt/dgen-small /etc/dgenfs/small.ini many/f00000049 8192
echo "ok: both units mounted, reading as dgen cat"

# The status line (Type=notify STATUS=) and the journal's start-up lines.
sleep 1.5  # one status refresh after the reads above
status=$(in_ct systemctl status --no-pager dgenfs.service) || fail "systemctl status: $status"
grep -E 'Status: "serving 100003 files at /mnt/dgen; [0-9.]+ GB read in [0-9]+ requests; [0-9.]+ GB/s now"' \
    <<<"$status" || fail "no STATUS line: $status"
journal=$(in_ct journalctl -u dgenfs.service --no-pager -o cat) || fail "journalctl"
for line in "^dgenfs .*: /etc/dgenfs/dgenfs.ini on /mnt/dgen: 100003 files" "^worker 0.0: node 0" \
            "^serving at /mnt/dgen"; do
    grep -qE "$line" <<<"$journal" || fail "journal lacks '$line': $journal"
done
in_ct journalctl -u dgenfs@small.service --no-pager -o cat | grep -q "serving at /mnt/dgen-small" ||
    fail "dgenfs@small: no start-up line in the journal"
echo "ok: status line and journal"

# Reload re-reads nothing and says so; the daemon stays.
pid=$(in_ct systemctl show -P MainPID dgenfs.service)
in_ct systemctl reload dgenfs.service || fail "reload"
sleep 0.5
in_ct journalctl -u dgenfs.service --no-pager -o cat | grep -q "reload: nothing re-read" || fail "reload not logged"
[ "$(in_ct systemctl show -P MainPID dgenfs.service)" = "$pid" ] || fail "reload restarted the daemon"

# kill -9: Restart=on-failure brings it back, and the mount reads again (no stale mount).
in_ct kill -9 "$pid" || fail "kill -9 $pid"
for _ in $(seq 100); do
    new=$(in_ct systemctl show -P MainPID dgenfs.service)
    [ "$(in_ct systemctl is-active dgenfs.service)" = active ] && [ "$new" != 0 ] && [ "$new" != "$pid" ] && break
    sleep 0.1
done
[ "$(in_ct systemctl is-active dgenfs.service)" = active ] || fail "not restarted after kill -9: $(in_ct systemctl status --no-pager dgenfs.service)"
[ "$(in_ct systemctl show -P NRestarts dgenfs.service)" = 1 ] || fail "NRestarts is not 1"
check_mount /mnt/dgen /etc/dgenfs/dgenfs.ini reduce/dedup2-compress2.bin 1048576
[ "$(in_ct findmnt -rn -M /mnt/dgen | wc -l)" = 1 ] || fail "more than one mount at /mnt/dgen after the restart"
echo "ok: kill -9 $pid -> restarted as $new, mount readable"

# Stop: unmounted, exit status 0.
in_ct systemctl stop dgenfs.service dgenfs@small.service || fail "stop"
for m in /mnt/dgen /mnt/dgen-small; do
    in_ct findmnt -rn -M "$m" >/dev/null && fail "$m still mounted after stop"
done
[ "$(in_ct systemctl show -P ExecMainStatus dgenfs.service)" = 0 ] || fail "stop: exit status is not 0"
[ "$(in_ct systemctl show -P Result dgenfs.service)" = success ] || fail "stop: result is not success"
echo "ok: stop unmounted both, exit 0"

# A daemonized dgenfs (no -f) logs to syslog once detached; a worker that fails after
# that point leaves its error in the journal (syslog identifier dgenfs).
in_ct mkdir -p /mnt/failing || fail "mkdir"
in_ct env DGENFS_FAILPOINT=worker-exit /usr/local/bin/dgenfs /etc/dgenfs/small.ini /mnt/failing -o auto_unmount ||
    fail "daemonized dgenfs did not start"
for _ in $(seq 100); do in_ct findmnt -rn -M /mnt/failing >/dev/null || break; sleep 0.1; done
in_ct findmnt -rn -M /mnt/failing >/dev/null && fail "the daemon whose worker failed kept its mount"
for _ in $(seq 50); do
    lines=$(in_ct journalctl -t dgenfs --no-pager -o cat)
    grep -q "worker 0.0: stopped serving: Input/output error" <<<"$lines" && break
    sleep 0.1
done
grep -q "worker 0.0: stopped serving: Input/output error" <<<"$lines" || fail "worker failure not in the journal: $lines"
echo "ok: daemonized worker failure in the journal: $(grep 'worker 0.0: stopped' <<<"$lines")"
