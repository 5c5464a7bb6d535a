# shellcheck shell=bash
# Helpers for the checks that run inside the emulated NUMA guest (sourced after
# tests/integration/functions.sh, whose fail/skip/mount_fs/same_bytes they use).
# The guest's topology is read from sysfs, never from dgenfs: the checks compare the
# two. Set by the caller: DGEN, DGENFS.

[ "${NUMA_VM_GUEST:-}" = 1 ] || skip "runs inside the emulated NUMA guest (tests/numa/numa-vm.sh)"
requires_fuse
requires numactl

NODE_SYS=/sys/devices/system/node

all_nodes() { local d; for d in "$NODE_SYS"/node[0-9]*; do echo "${d##*node}"; done | sort -n; }
node_cpus() { cat "$NODE_SYS/node$1/cpulist"; }  # online CPUs of node $1, e.g. "0,2"
# Nodes with online CPUs, and nodes without (memory-only, or every CPU offline).
cpu_nodes() { local n; for n in $(all_nodes); do if [ -n "$(node_cpus "$n")" ]; then echo "$n"; fi; done; }
memory_only_nodes() { local n; for n in $(all_nodes); do if [ -z "$(node_cpus "$n")" ]; then echo "$n"; fi; done; }

# expand_cpus "0-2,5" -> "0 1 2 5"
expand_cpus() {
    local part out=()
    IFS=, read -ra parts <<<"$1"
    for part in "${parts[@]}"; do
        # shellcheck disable=SC2207  # numbers only (no <(...): the guest has no /dev/fd)
        if [[ $part == *-* ]]; then out+=($(seq "${part%-*}" "${part#*-}")); else out+=("$part"); fi
    done
    echo "${out[@]}"
}

# make_config [LINE...]: a new config of one 64 MiB file, LINEs added to [dataset].
make_config() {
    local cfg line
    cfg=$(mktemp "$TMPDIR_TEST/numa.XXXXXX.ini") || fail "mktemp failed"
    {
        echo "[dataset]"
        echo "seed = 10"
        for line in "$@"; do echo "$line"; done
        printf '[file]\npath = f.bin\nsize = 64MiB\n'
    } >"$cfg"
    echo "$cfg"
}

# worker_threads PID: "TID NODE CPUS" for each worker thread, named dgenfs-n<node>.<worker>.
# Shell builtins only: every process started costs a good part of a second on the
# emulated CPU.
worker_threads() {
    local t name key value cpus
    for t in /proc/"$1"/task/*; do
        read -r name <"$t/comm" 2>/dev/null || continue
        [[ $name =~ ^dgenfs-n([0-9]+)\.[0-9]+$ ]] || continue
        cpus=
        while read -r key value; do
            if [ "$key" = Cpus_allowed_list: ]; then cpus=$value; fi
        done <"$t/status"
        echo "${t##*/} ${BASH_REMATCH[1]} $cpus"
    done
}

# count_workers: one worker per online CPU of every node (the default workers_per_node).
count_workers() {
    local n total=0
    for n in $(cpu_nodes); do total=$((total + $(expand_cpus "$(node_cpus "$n")" | wc -w))); done
    echo "$total"
}

# wait_workers PID COUNT: the workers name themselves once started; wait for all of them.
wait_workers() {
    local n
    for _ in $(seq 100); do
        n=$(worker_threads "$1" | wc -l)
        [ "$n" -ge "$2" ] && return 0
        sleep 0.1
    done
    fail "$n of $2 worker threads appeared (named dgenfs-n<node>.<i>): $(cat "$DGENFS_LOG")"
}

# mount_with_workers CONFIG COUNT: mounts CONFIG at $TMPDIR_TEST/mnt, waits for COUNT
# workers and lists them ("TID NODE CPUS") in $TMPDIR_TEST/threads.
mount_with_workers() {
    mount_fs "$1" "$TMPDIR_TEST/mnt"
    wait_workers "$DGENFS_PID" "$2"
    worker_threads "$DGENFS_PID" >"$TMPDIR_TEST/threads"
    cat "$TMPDIR_TEST/threads"
    [ "$(wc -l <"$TMPDIR_TEST/threads")" = "$2" ] || fail "$(wc -l <"$TMPDIR_TEST/threads") worker threads, want $2"
}

# served_by_node STATS_JSON: "NODE BYTES" for every node in the daemon's counters, and
# "mount BYTES" for the mount's own thread (stats.json as dgenfs writes it: one key a
# line; awk, since python starts in seconds on the emulated CPU).
served_by_node() {
    awk '/^  "nodes": \[/ {nodes = 1; next}
         nodes && /^  \]/ {nodes = 0}
         nodes && /"node":/ {gsub(/[^0-9]/, ""); node = $0}
         nodes && /"bytes":/ {gsub(/[^0-9]/, ""); print node, $0}
         /^  "mount_thread": \{/ {mount = 1}
         mount && /"bytes":/ {gsub(/[^0-9]/, ""); print "mount", $0; mount = 0}' "$1"
}

# read_pinned NODE FILE OUT MIB SKIP_MIB: a reader on NODE's CPUs (and memory) copies MIB
# MiB of FILE from SKIP_MIB on into OUT.
read_pinned() {
    numactl --cpunodebind="$1" --membind="$1" dd if="$2" of="$3" bs=1M count="$4" skip="$5" status=none ||
        fail "dd of $2 pinned to node $1 failed"
}

# same_range OUT CONFIG PATH MIB SKIP_MIB: OUT is that range of `dgen cat`'s output.
same_range() {
    local want got
    want=$("$DGEN" cat --config "$2" "$3" --offset "$5MiB" --length "$4MiB" | sha256sum) ||
        fail "dgen cat --config $2 $3 failed"
    got=$(sha256sum <"$1")
    [ "${want%% *}" = "${got%% *}" ] || fail "$3 [$5 MiB, +$4 MiB) read in the guest differs from dgen cat"
}
