#!/usr/bin/env bash
# What the machine cannot give (issue 10, "Faults" and the careless-user list):
# - a NUMA plan or pools it cannot carry out (numa_nodes naming no node, pool_size too
#   small, or larger than a node's memory or MemAvailable): `dgenfs --check` fails as
#   mounting does, exit 2, nothing mounted;
# - a pool that cannot be mapped (ulimit -v): named, exit 1, nothing mounted;
# - ulimit -n and ulimit -v small: the descriptor, thread or buffer that could not be had
#   is named with the limit, exit non-zero, nothing mounted; or, with enough, it serves;
#   a small soft open-file limit alone is raised to the hard one, and it serves.
source "$(dirname "$0")/functions.sh"
requires_fuse

mnt=$TMPDIR_TEST/mnt
mkdir -p "$mnt"
# expect_refused WHAT EXIT MESSAGE -- dgenfs args...: exit EXIT, MESSAGE on stderr, nothing mounted.
expect_refused() {
    local what=$1 want=$2 message=$3 rc=0
    shift 4
    timeout 60 "$DGENFS" "$@" >/dev/null 2>"$TMPDIR_TEST/err" || rc=$?
    if is_mounted "$mnt"; then fusermount3 -u "$mnt"; fail "$what: mounted"; fi
    [ "$rc" -eq "$want" ] || fail "$what: exit $rc, want $want: $(cat "$TMPDIR_TEST/err")"
    grep -qE -- "$message" "$TMPDIR_TEST/err" || fail "$what: stderr lacks '$message': $(cat "$TMPDIR_TEST/err")"
}
# check_and_mount WHAT MESSAGE: CONFIG (on stdin) fails --check and mounting alike.
check_and_mount() {
    local cfg=$TMPDIR_TEST/plan.ini
    cat >"$cfg"
    expect_refused "$1: --check" 2 "$cfg: NUMA plan: $2" -- --check "$cfg"
    expect_refused "$1: mount" 2 "NUMA plan: $2; nothing mounted" -- "$cfg" "$mnt" -f -o auto_unmount
}

nodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
none=$(( $(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | sed 's/.*node//' | sort -n | tail -1) + 1 ))
[ "$nodes" -gt 0 ] || none=1
printf '[dataset]\nnuma_nodes = %s\n[file]\npath = f\nsize = 1MiB\n' "$none" |
    check_and_mount "numa_nodes = $none" "node $none does not exist \\(nodes: [0-9,]+\\)"
printf '[dataset]\nworkers_per_node = 2\npool_size = 4KiB\n[file]\npath = f\nsize = 1MiB\n' |
    check_and_mount "pool_size = 4KiB" "pool_size 4 KiB is too small for node [0-9]+'s 2 workers of 1 MiB \(needs 2 MiB\)"
# A synthetic topology (hwloc's nodes hold 1 GiB each): a pool larger than its node.
printf '[dataset]\npool_size = 2GiB\n[file]\npath = f\nsize = 1MiB\n' >"$TMPDIR_TEST/two.ini"
HWLOC_SYNTHETIC="numa:1 core:2 pu:1" expect_refused "pool beyond the node" 2 \
    "NUMA plan: pool_size 2 GiB is more than node 0's memory \(1 GiB\)" -- --check "$TMPDIR_TEST/two.ini"
# The real machine: 64 GiB (the largest pool_size) is refused where less is available.
available_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
if [ "$available_kib" -lt $((64 << 20)) ]; then
    printf '[dataset]\npool_size = 64GiB\n[file]\npath = f\nsize = 1MiB\n' |
        check_and_mount "pool_size = 64GiB" "(pool_size 64 GiB is more than node [0-9]+'s memory \([0-9.]+ [MGT]iB\)|the node pools need [0-9.]+ [GT]iB in all, more than the .* available \(MemAvailable\))"
    echo "ok: pool_size = 64GiB refused by --check and at mount (MemAvailable $((available_kib >> 20)) GiB)"
fi
# And a plan this machine can carry out passes --check.
printf '[dataset]\nworkers_per_node = 2\npool_size = 4MiB\n[file]\npath = f\nsize = 1MiB\n' >"$TMPDIR_TEST/ok.ini"
"$DGENFS" --check "$TMPDIR_TEST/ok.ini" >/dev/null || fail "--check of a plan that fits"
echo "ok: --check runs the NUMA plan and pool checks that mounting runs"

# Under a small ulimit -n or -v, each case ends one of three ways: the dynamic loader
# cannot map a library (exit 127, before dgenfs runs: nothing of ours to say), dgenfs
# names what it could not have and the limit, exit 1, nothing mounted; or it serves.
cfg=$TMPDIR_TEST/limits.ini
printf '[dataset]\nworkers_per_node = 2\n[file]\npath = f\nsize = 4MiB\n' >"$cfg"
want=$("$DGEN" cat --config "$cfg" f | sha256sum) || fail "dgen cat f"
close_inherited_fds() {
    local fd
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
}
# try_limited WHAT ULIMIT-ARGS: one run of the daemon under a limit; prints "named",
# "serves" or "loader".
try_limited() {
    local what=$1 rc=0
    shift
    # Descriptors this script inherited (CTest passes some) would count against the limit
    # before the loader runs: the daemon starts with 0, 1 and 2 only, as from a shell.
    (close_inherited_fds && ulimit "$@" && exec env --default-signal=INT "$DGENFS" "$cfg" "$mnt" -f -o auto_unmount) 2>"$TMPDIR_TEST/err" &
    local pid=$!
    # Mounted is not serving: a worker or queue that cannot start fails the start after the
    # mount appeared, and the daemon unmounts. Serving is the log's "serving at".
    for _ in $(seq 200); do
        grep -q "serving at" "$TMPDIR_TEST/err" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if grep -q "serving at" "$TMPDIR_TEST/err" && is_mounted "$mnt"; then
        [ "$(timeout 20 sha256sum <"$mnt/f")" = "$want" ] || { fusermount3 -u "$mnt"; fail "$what: serves wrong bytes"; }
        fusermount3 -u "$mnt" || fail "$what: fusermount3 -u"
        wait_gone "$pid" "$what: the daemon after fusermount3 -u"
        wait "$pid" || fail "$what: exit $? after serving: $(cat "$TMPDIR_TEST/err")"
        echo serves
        return
    fi
    wait_gone "$pid" "$what: a daemon that did not mount"
    wait "$pid" || rc=$?
    is_mounted "$mnt" && fail "$what: mounted after failing"
    if [ "$rc" -eq 127 ] && grep -q "error while loading shared libraries" "$TMPDIR_TEST/err"; then
        echo loader
        return
    fi
    [ "$rc" -eq 1 ] || fail "$what: exit $rc, want 1: $(cat "$TMPDIR_TEST/err")"
    grep -qE "$limit_named" "$TMPDIR_TEST/err" || fail "$what: the limit is not named: $(cat "$TMPDIR_TEST/err")"
    echo named
}

# Not under the sanitizers: ASan reserves terabytes of address space (no ulimit -v), and
# the sanitizer runtime checks memory through a pipe of its own, so once descriptors run
# out it reports errors that are not there ("object has invalid vptr").
if [ "${DGEN_SANITIZED:-0}" = 1 ]; then
    echo "ok: ulimit -n and -v not tried under the sanitizers"
    exit 0
fi
declare -A seen=()
limit_named="\(the open-file limit, ulimit -n, is [0-9]+\)"
for n in 4 5 6 8 10 12 64; do
    how=$(try_limited "ulimit -n $n" -n "$n") || exit 1
    seen[$how]=1
    echo "ulimit -n $n: $how"
    [ "$n" -eq 4 ] && [ "$how" != named ] && fail "ulimit -n 4: $how, want a named failure"
    [ "$n" -eq 64 ] && [ "$how" != serves ] && fail "ulimit -n 64: $how, want it to serve"
done
# A soft limit alone is raised to the hard one: with 8 (the hard limit as inherited) it
# serves, where `ulimit -n 8` (both) fails above.
how=$(try_limited "ulimit -S -n 8" -S -n 8) || exit 1
[ "$how" = serves ] || fail "ulimit -S -n 8 (a soft limit only): $how, want it to serve"
echo "ulimit -S -n 8: $how"
limit_named="\(the address-space limit, ulimit -v, is [0-9]+ KiB\)"
seen=()
for v in 15000 20000 25000 30000 35000 400000; do
    how=$(try_limited "ulimit -v $v" -v "$v") || exit 1
    seen[$how]=1
    echo "ulimit -v $v: $how"
    [ "$v" -eq 400000 ] && [ "$how" != serves ] && fail "ulimit -v 400000: $how, want it to serve"
done
[ -n "${seen[named]:-}" ] || fail "no ulimit -v gave a named failure: the naming was not tested"
# A pool the limit cannot hold (a plan that fits the machine): named, nothing mounted.
printf '[dataset]\nworkers_per_node = 2\npool_size = 512MiB\n[file]\npath = f\nsize = 1MiB\n' >"$TMPDIR_TEST/pool.ini"
rc=0
(ulimit -v 400000 && exec "$DGENFS" "$TMPDIR_TEST/pool.ini" "$mnt" -f -o auto_unmount) 2>"$TMPDIR_TEST/err" || rc=$?
is_mounted "$mnt" && { fusermount3 -u "$mnt"; fail "a pool beyond ulimit -v: mounted"; }
[ "$rc" -eq 1 ] || fail "a pool beyond ulimit -v: exit $rc: $(cat "$TMPDIR_TEST/err")"
grep -qE "cannot map node [0-9]+'s pool of 512 MiB: Cannot allocate memory \(the address-space limit, ulimit -v, is 400000 KiB\); nothing mounted" \
    "$TMPDIR_TEST/err" || fail "a pool beyond ulimit -v is not named: $(cat "$TMPDIR_TEST/err")"
echo "ok: ulimit -n and -v: every failure named with its limit, nothing mounted; enough serves"
