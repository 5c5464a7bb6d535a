# A throwaway container that boots a real systemd, for the tests of units and packages.
# Source it; needs root, systemd-nspawn (package systemd-container) and overlayfs.
#
#   ct_boot NAME [ROOT]  boot systemd from ROOT (default: the host's own /), copy-on-write,
#                      and wait until it runs
#   ct NAME CMD...     run CMD inside the container (every namespace of its PID 1)
#   ct_stop NAME       power it off (kill it after 20 s) and remove every trace
#
# How: a private mount namespace holds a tmpfs with an overlay of / (writes land in the
# tmpfs, never on the host) and a fresh /run; systemd-nspawn boots it with /dev/fuse
# bound in. The host keeps only one cgroup directory per hierarchy (removed by ct_stop)
# and $CT_STATE/NAME.{pid,log}. $CT_STATE/NAME-share is bound read-write at /share, and
# each path in $CT_BIND at the same path (nspawn puts a tmpfs on the container's /tmp,
# which hides whatever the host has under /tmp: a build tree there must be bound).
# Boot takes ~2 s here.
CT_STATE=${CT_STATE:-/tmp/dgen-ct}

ct_cgroups() {  # cgroup v2 root (or hybrid's unified) and v1 name=systemd, if present
    local cg=dgen-ct-$1
    if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then echo "/sys/fs/cgroup/$cg"; return; fi
    [ -d /sys/fs/cgroup/unified ] && echo "/sys/fs/cgroup/unified/$cg"
    [ -d /sys/fs/cgroup/systemd ] && echo "/sys/fs/cgroup/systemd/$cg"
    return 0
}

ct_leader() {  # the container's systemd, as the host sees it
    local pid
    pid=$(cat "$CT_STATE/$1.pid" 2>/dev/null) || return 1
    pgrep -P "$pid" -x systemd
}

ct() {
    local name=$1 leader
    shift
    leader=$(ct_leader "$name") || { echo "container $name: not running" >&2; return 125; }
    nsenter -t "$leader" -a "$@"
}

ct_boot() {
    local name=$1 lower=${2:-/} d st= binds=() b
    for b in ${CT_BIND:-}; do binds+=("--bind=$b"); done
    command -v systemd-nspawn >/dev/null || { echo "ct_boot: systemd-nspawn missing" >&2; return 77; }
    mkdir -p "$CT_STATE/$name" "$CT_STATE/$name-share"
    for d in $(ct_cgroups "$name"); do mkdir -p "$d"; done
    (
        for d in $(ct_cgroups "$name"); do echo $BASHPID >"$d/cgroup.procs"; done
        exec unshare --mount --propagation private bash -c '
            set -e; S=$1 L=$2; shift 2
            mount -t tmpfs -o mode=755 dgen-ct "$S"
            mkdir "$S/upper" "$S/work" "$S/root"
            mount -t overlay dgen-ct-root -o lowerdir="$L",upperdir="$S/upper",workdir="$S/work" "$S/root"
            mount -t tmpfs -o mode=755 dgen-ct-run /run   # nspawn keeps its state in /run
            exec "$@"' _ "$CT_STATE/$name" "$lower" \
            systemd-nspawn -D "$CT_STATE/$name/root" -M "$name" --register=no --keep-unit \
                --console=pipe --bind="$CT_STATE/$name-share":/share --bind=/dev/fuse "${binds[@]}" -b -- \
                systemd.unit=multi-user.target systemd.mask=timers.target
    ) </dev/null >"$CT_STATE/$name.log" 2>&1 &
    echo $! >"$CT_STATE/$name.pid"
    for _ in $(seq 300); do  # up to 30 s
        st=$(ct "$name" systemctl is-system-running --wait 2>/dev/null) && break
        case "$st" in running | degraded) break ;; esac
        sleep 0.1
    done
    echo "container $name: systemd ${st:-not up}"
    [ "$st" = running ] || [ "$st" = degraded ] || { tail -20 "$CT_STATE/$name.log" >&2; return 1; }
}

ct_stop() {
    local name=$1 pid leader d
    pid=$(cat "$CT_STATE/$name.pid" 2>/dev/null) || return 0
    leader=$(ct_leader "$name" || true)
    [ -n "$leader" ] && ct "$name" systemctl poweroff --no-block 2>/dev/null
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        echo "container $name: did not power off in 20 s; killing it" >&2
        [ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    for d in $(ct_cgroups "$name"); do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
    rm -rf "$CT_STATE/$name-share"
    rmdir "$CT_STATE/$name" 2>/dev/null
    rm -f "$CT_STATE/$name.pid"
    return 0
}
