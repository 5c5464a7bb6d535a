#!/usr/bin/env bash
# Many hosts (docs/MULTI_HOST.md), built on this machine: hosts A and B are each a network,
# mount and UTS namespace (their own address, hostname and dgenfs mount of one config with
# host_seed = hostname); a third network namespace, the driver, reaches both over veth
# pairs. `fio --server` runs on A and B, and one `fio --client=A --client=B` drives both
# through one job file that reads the mount (the same path on each host): 0 errors and
# every byte asked for, on both. The hosts serve different bytes; a copy made through A
# is verified from B's side with `dgen cat --host A`, and fails to verify without it.
#
#   driver (net)                                      host A (net, mnt, uts): dgen-host-a
#     fio --client   ha 10.203.1.1 ══ veth ══ eth0 10.203.1.2   dgenfs at MNT, fio --server
#                    hb 10.203.2.1 ══ veth ══ eth0 10.203.2.2   host B: dgen-host-b, the same
#
# The namespaces are held by `sleep` processes this test starts; they go when those end
# (the veth pairs with them), and nothing here touches the root namespace's network.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires fio python3 unshare nsenter ip ss
[ "$(id -u)" -eq 0 ] || skip "needs root, for network namespaces"
# nsenter --mount starts in the namespace's root directory: absolute paths only.
DGEN=$(realpath "$DGEN") DGENFS=$(realpath "$DGENFS")

hosts=(a b)
declare -A holder addr hostname_of dgenfs_pid fio_pid
addr[a]=10.203.1.2 addr[b]=10.203.2.2
hostname_of[a]=dgen-host-a hostname_of[b]=dgen-host-b
mnt=$TMPDIR_TEST/mnt  # the same path on every host; each has its own mount there
mkdir -p "$mnt"

# hold OPTIONS...: starts a process (sleep) in new namespaces (unshare OPTIONS) and sets
# HELD to its PID once it is in them: nsenter -t HELD then enters them, never ours.
hold() {
    unshare "$@" sleep 3600 &
    HELD=$!
    on_exit "kill $HELD 2>/dev/null; wait $HELD 2>/dev/null"
    local sleep_exe
    sleep_exe=$(readlink -f "$(command -v sleep)")
    for _ in $(seq 200); do
        [ "$(readlink "/proc/$HELD/exe" 2>/dev/null)" = "$sleep_exe" ] && return 0
        kill -0 "$HELD" 2>/dev/null || fail "unshare $* failed"
        sleep 0.02
    done
    fail "unshare $* did not start within 4 s"
}
unshare --net --mount --uts true 2>/dev/null || skip "cannot create network, mount and UTS namespaces here"
hold --net --uts
driver=$HELD
for h in "${hosts[@]}"; do
    hold --net --mount --uts --propagation private  # private: a host's mounts stay in it
    holder[$h]=$HELD
done
in_driver() { nsenter -t "$driver" -n -- "$@"; }
in_host() { local h=$1; shift; nsenter -t "${holder[$h]}" -n -m -u -- "$@"; }

# The network: one veth pair per host, made in the driver with its far end in the host.
in_driver ip link set lo up || fail "driver: lo"
n=1
for h in "${hosts[@]}"; do
    in_driver ip link add "h$h" type veth peer name eth0 netns "${holder[$h]}" ||
        skip "cannot make a veth pair (no veth support?)"
    in_driver ip addr add "10.203.$n.1/24" dev "h$h" || fail "driver: address for $h"
    in_driver ip link set "h$h" up || fail "driver: h$h up"
    in_host "$h" hostname "${hostname_of[$h]}" || fail "$h: hostname"
    in_host "$h" ip link set lo up || fail "$h: lo"
    in_host "$h" ip addr add "${addr[$h]}/24" dev eth0 || fail "$h: address"
    in_host "$h" ip link set eth0 up || fail "$h: eth0 up"
    n=$((n + 1))
done
[ "$(in_host a hostname)" = dgen-host-a ] || fail "host a's hostname is $(in_host a hostname)"
[ "$(hostname)" != dgen-host-a ] || fail "the hostname leaked out of host a"

cfg=$TMPDIR_TEST/hosts.ini
cat >"$cfg" <<'INI'
[dataset]
seed = 0x05EED
host_seed = hostname
[file]
path = data.bin
size = 32MiB
dedup = 2
compress = 2
INI

# The mounts: dgenfs runs in each host's namespaces (nsenter execs it: $! is its PID).
unmount_host() {  # H PID
    local h=$1 pid=$2
    if in_host "$h" findmnt -rn -M "$mnt" >/dev/null 2>&1; then
        in_host "$h" fusermount3 -u "$mnt" 2>/dev/null || in_host "$h" umount -l "$mnt" 2>/dev/null || true
    fi
    in_host "$h" findmnt -rn -M "$mnt" >/dev/null 2>&1 && echo "warning: $mnt still mounted in host $h" >&2
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
for h in "${hosts[@]}"; do
    log=$TMPDIR_TEST/dgenfs.$h.log
    nsenter -t "${holder[$h]}" -n -m -u -- env --default-signal=INT "$DGENFS" "$cfg" "$mnt" -f -o auto_unmount 2>"$log" &
    dgenfs_pid[$h]=$!
    on_exit "unmount_host $h ${dgenfs_pid[$h]}"
done
for h in "${hosts[@]}"; do
    for _ in $(seq 200); do
        in_host "$h" findmnt -rn -M "$mnt" >/dev/null 2>&1 && break
        kill -0 "${dgenfs_pid[$h]}" 2>/dev/null || fail "dgenfs on $h exited: $(cat "$TMPDIR_TEST/dgenfs.$h.log")"
        sleep 0.05
    done
    [ "$(in_host "$h" findmnt -rn -M "$mnt" -o FSTYPE)" = fuse.dgenfs ] || fail "$h: $mnt is not a dgenfs mount"
    in_host "$h" timeout 10 stat "$mnt/data.bin" >/dev/null || fail "$h: the mount does not answer"
done
findmnt -rn -M "$mnt" >/dev/null && fail "a host's mount shows in the root mount namespace"

# fio servers, one per host, on the default port; then one client drives both.
for h in "${hosts[@]}"; do
    # nsenter itself, not in_host: a function run with & is a subshell, and $! its PID.
    nsenter -t "${holder[$h]}" -n -m -u -- fio --server="${addr[$h]}" >"$TMPDIR_TEST/fio-server.$h.log" 2>&1 &
    fio_pid[$h]=$!
    on_exit "kill ${fio_pid[$h]} 2>/dev/null; wait ${fio_pid[$h]} 2>/dev/null"
done
for h in "${hosts[@]}"; do
    for _ in $(seq 200); do
        [ -n "$(in_host "$h" ss -Hltn "sport = :8765")" ] && break
        kill -0 "${fio_pid[$h]}" 2>/dev/null || fail "fio --server on $h exited: $(cat "$TMPDIR_TEST/fio-server.$h.log")"
        sleep 0.05
    done
    [ -n "$(in_host "$h" ss -Hltn "sport = :8765")" ] || fail "fio --server on $h does not listen on port 8765"
done

job=$TMPDIR_TEST/hosts.fio
cat >"$job" <<FIO
; Sent by the client to every server; each reads its own mount at this path.
[global]
filename=$mnt/data.bin
ioengine=psync
size=32M
[seq-1m]
rw=read
bs=1M
[rand-4k]
stonewall
rw=randread
bs=4k
io_size=8M
FIO
# fio LOCAL-ARGS --client=HOST JOB --client=HOST JOB: each server gets the job file that
# follows its --client (a --client with none runs nothing).
in_driver fio --output-format=json --output="$TMPDIR_TEST/fio.json" \
    --client="${addr[a]}" "$job" --client="${addr[b]}" "$job" >"$TMPDIR_TEST/fio.out" 2>&1 ||
    fail "fio --client: $(cat "$TMPDIR_TEST/fio.out" "$TMPDIR_TEST/fio.json" 2>/dev/null | tail -20)"
python3 - "$TMPDIR_TEST/fio.json" "${addr[a]}" "${addr[b]}" <<'PY' || fail "fio's report (above) is not 0 errors and every byte on both hosts"
import json, sys
text = open(sys.argv[1]).read()
report = json.loads(text[text.index("{"):])  # fio --client may print lines before the JSON
want = {"seq-1m": 32 << 20, "rand-4k": 8 << 20}
seen = set()
for j in report["client_stats"]:
    if j["jobname"] not in want:  # "All clients": the sum over hosts
        continue
    host = j["hostname"]
    print(f"{host:>12} {j['jobname']:8} error={j['error']} read={j['read']['io_bytes']} "
          f"bw={j['read']['bw_bytes'] / 1e6:.1f} MB/s iops={j['read']['iops']:.0f}")
    assert j["error"] == 0, j["error"]
    assert j["read"]["io_bytes"] == want[j["jobname"]], j["read"]["io_bytes"]
    seen.add((host, j["jobname"]))
assert seen == {(h, j) for h in sys.argv[2:] for j in want}, sorted(seen)
PY

# Each host serves its own bytes; the daemon and dgen agree on the identity.
for h in "${hosts[@]}"; do
    in_host "$h" cat "$mnt/data.bin" >"$TMPDIR_TEST/copy.$h" || fail "copy through host $h"
    [ "$(stat -c %s "$TMPDIR_TEST/copy.$h")" -eq $((32 << 20)) ] || fail "copy through host $h is short"
    in_host "$h" "$DGEN" cat --config "$cfg" data.bin | cmp -s - "$TMPDIR_TEST/copy.$h" ||
        fail "host $h: dgen cat differs from what its mount serves"
    [ "$(in_host "$h" python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.dgen.host").decode())' \
        "$mnt/data.bin")" = "${hostname_of[$h]}" ] || fail "host $h: user.dgen.host is not ${hostname_of[$h]}"
    in_host "$h" "$DGEN" ls --config "$cfg" 2>"$TMPDIR_TEST/ls.$h" >/dev/null || fail "host $h: dgen ls"
    grep -qF "host identity '${hostname_of[$h]}'" "$TMPDIR_TEST/ls.$h" || fail "host $h: dgen ls says $(cat "$TMPDIR_TEST/ls.$h")"
done
cmp -s "$TMPDIR_TEST/copy.a" "$TMPDIR_TEST/copy.b" && fail "hosts a and b serve the same bytes"

# The copy made through A, verified from B's side (B's hostname, B's mount namespace).
in_host b "$DGEN" cat --config "$cfg" --host dgen-host-a data.bin | cmp - "$TMPDIR_TEST/copy.a" ||
    fail "host b: dgen cat --host dgen-host-a does not reproduce the copy from host a"
in_host b "$DGEN" cat --config "$cfg" data.bin >"$TMPDIR_TEST/own.b" || fail "host b: dgen cat"
cmp -s "$TMPDIR_TEST/own.b" "$TMPDIR_TEST/copy.a" && fail "host b: the copy from host a verifies without --host"
# And from anywhere: here, outside both hosts.
"$DGEN" cat --config "$cfg" --host dgen-host-b data.bin | cmp - "$TMPDIR_TEST/copy.b" ||
    fail "dgen cat --host dgen-host-b does not reproduce host b's bytes outside it"
echo "copy through host a verified from host b with --host dgen-host-a; without it, it does not match"

# host_seed = ip finds each host's own address (lo's 127.0.0.1 is not taken).
sed 's/^host_seed = hostname$/host_seed = ip/' "$cfg" >"$TMPDIR_TEST/ip.ini"
for h in "${hosts[@]}"; do
    in_host "$h" "$DGEN" ls --config "$TMPDIR_TEST/ip.ini" 2>"$TMPDIR_TEST/ls-ip.$h" >/dev/null || fail "host $h: dgen ls (ip)"
    grep -qF "host_seed = ip, host identity '${addr[$h]}'" "$TMPDIR_TEST/ls-ip.$h" ||
        fail "host $h: host_seed = ip found $(cat "$TMPDIR_TEST/ls-ip.$h")"
done
echo "ok"
