#!/usr/bin/env bash
# numa-vm.sh: run a script on an emulated multi-node NUMA machine (QEMU, software CPU).
#
#   tests/numa/numa-vm.sh setup
#       installs qemu-system-x86 and busybox-static (root, apt-get) if missing, fetches the
#       Debian kernel package (apt-get download, unpacked with dpkg -x, never installed)
#       and builds the guest's initramfs, in $DGEN_NUMA_VM_CACHE (default
#       /var/cache/dgenfs-numa-vm where writable, else /tmp/dgenfs-numa-vm-UID).
#   tests/numa/numa-vm.sh run [--nodes N] [--cpus N] [--mem MiB] [--timeout S] SCRIPT [ARG...]
#       boots the guest, runs `bash SCRIPT ARG...` there from the directory it was called
#       from, streams its output, and exits with its exit status (124: it ran past
#       --timeout; 125: the guest did not boot or died). The guest's /tmp is this
#       machine's, under the overlay like the rest: a build tree there (a CI clone) runs.
#
# The guest sees this machine's "/" read-only (virtio-9p) under a tmpfs overlay, so the
# build tree and every installed tool run there unchanged, and writes vanish at power-off.
# CPU i belongs to node i mod N; with fewer CPUs than nodes the last nodes are
# memory-only. Memory (default 2048 MiB) is split evenly over the nodes. Environment
# variables named DGEN* are passed to the script. No speeds: a software CPU is 100x slower
# than this one, and /dev/kvm here cannot run a stock kernel (it is PVM).
#
#   +-------------- host ---------------+          +--------- guest ----------+
#   | qemu -numa node,cpus=i,i+N,...    |  9p ro   | /  = overlay(host /, tmpfs)|
#   |      -virtfs path=/ ------------------------>  | /run/numa-vm = run dir   |
#   |      -virtfs path=RUNDIR <----------------->   |   cmd.sh, out, rc        |
#   +-----------------------------------+          +--------------------------+
set -uo pipefail

CACHE=${DGEN_NUMA_VM_CACHE:-$([ -w /var/cache ] && echo /var/cache/dgenfs-numa-vm || echo "/tmp/dgenfs-numa-vm-$(id -u)")}
QEMU=qemu-system-x86_64
# Loaded in this order by the guest's init: virtio transport, 9p, overlay, fuse.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
         netfs fscache 9pnet 9pnet_virtio 9p overlay fuse)
BOOT_LIMIT=${DGEN_NUMA_VM_BOOT_LIMIT:-90}  # seconds from start to the script's start

say() { echo "numa-vm: $*" >&2; }
die() { say "error: $*"; exit 125; }

kernel() { ls "$CACHE"/kernel/boot/vmlinuz-* 2>/dev/null | head -1; }
ready() { command -v "$QEMU" >/dev/null && [ -n "$(kernel)" ] && [ -s "$CACHE/initrd.cpio" ]; }

# PID 1 of the guest, from the initramfs: mount the host's root as an overlay, run the
# script with the host's tools, record its exit status, power off.
guest_init() {
    cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do insmod /modules/$m.ko || echo "init: insmod $m failed"; done
halt() { echo "init: $*"; sync; poweroff -f; }
mkdir -p /host /rw /root
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 host /host || halt "9p root"
mount -t tmpfs tmpfs /rw && mkdir -p /rw/up /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/up,workdir=/rw/work /root || halt "overlay"
R=/root
for d in proc sys dev run; do mkdir -p $R/$d; done
mount -t proc proc $R/proc; mount -t sysfs sysfs $R/sys; mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts; mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tmpfs -o mode=755 tmpfs $R/run
mount -t fusectl fusectl $R/sys/fs/fuse/connections
mkdir -p $R/run/numa-vm
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=512000 run $R/run/numa-vm || halt "9p run dir"
: > $R/run/numa-vm/started
chroot $R /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 NUMA_VM_GUEST=1 /bin/bash /run/numa-vm/cmd.sh </dev/null >>$R/run/numa-vm/out 2>&1
echo $? > $R/run/numa-vm/rc
halt "script done"
EOF
}

setup() {
    local need=()
    command -v "$QEMU" >/dev/null || need+=(qemu-system-x86)
    dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
    if [ ${#need[@]} -gt 0 ]; then
        [ "$(id -u)" = 0 ] || die "needs ${need[*]} (apt-get install as root)"
        say "apt-get install ${need[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 ||
            die "apt-get install ${need[*]} failed"
    fi
    mkdir -p "$CACHE" || die "cannot create $CACHE"
    if [ -z "$(kernel)" ]; then
        local pkg
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
        [ -n "$pkg" ] || die "apt-cache knows no linux-image-amd64 (apt-get update?)"
        say "apt-get download $pkg (unpacked, not installed)"
        (cd "$CACHE" && apt-get download -qq "$pkg" >&2) || die "apt-get download $pkg failed"
        rm -rf "$CACHE/kernel"
        dpkg -x "$CACHE/${pkg}"_*.deb "$CACHE/kernel" || die "dpkg -x $pkg failed"
        rm -f "$CACHE/${pkg}"_*.deb
    fi
    build_initrd
    say "ready in $CACHE (kernel $(basename "$(kernel)"))"
}

# The initramfs: busybox, the modules and guest_init. Rebuilt by `run` when guest_init
# changed (no root needed for that).
build_initrd() {
    local kver d="$CACHE/initrd.d" m f
    kver=$(basename "$(kernel)")
    kver=${kver#vmlinuz-}
    rm -rf "$d" && mkdir -p "$d/bin" "$d/modules"
    cp /bin/busybox "$d/bin/" || die "no /bin/busybox"
    guest_init >"$d/init" && chmod 755 "$d/init"
    for m in "${MODULES[@]}"; do
        f=$(find "$CACHE/kernel/lib/modules/$kver" -name "$m.ko" | head -1)
        [ -n "$f" ] || die "module $m.ko is not in kernel $kver"
        cp "$f" "$d/modules/"
    done
    echo "${MODULES[*]}" >"$d/modules/order"
    (cd "$d" && find . | /bin/busybox cpio -o -H newc -R 0:0 2>/dev/null >"$CACHE/initrd.cpio.tmp") &&
        mv "$CACHE/initrd.cpio.tmp" "$CACHE/initrd.cpio" || die "cpio failed"
}

# boot RUNDIR NODES CPUS MEM TIMEOUT: one boot; 125 if the script never started.
boot() {
    local rd=$1 nodes=$2 cpus=$3 mem=$4 limit=$5 per=$(($4 / $2)) i j c
    # shellcheck disable=SC2054  # commas inside QEMU option values
    local q=("$QEMU" -nodefaults -no-user-config -display none -no-reboot -M pc -cpu max
             -accel tcg,thread=multi -smp "$cpus" -m "$((per * nodes))M")
    [ -f /usr/share/qemu/qboot.rom ] && q+=(-bios /usr/share/qemu/qboot.rom)  # boots faster than SeaBIOS
    for ((i = 0; i < nodes; i++)); do
        local opt="node,nodeid=$i,memdev=m$i"
        for ((c = i; c < cpus; c += nodes)); do opt+=",cpus=$c"; done
        q+=(-object "memory-backend-ram,id=m$i,size=${per}M" -numa "$opt")
    done
    for ((i = 0; i < nodes; i++)); do  # distances: 10 local (implied), 20 remote
        for ((j = 0; j < nodes; j++)); do
            [ $i = $j ] || q+=(-numa "dist,src=$i,dst=$j,val=20")
        done
    done
    q+=(-kernel "$(kernel)" -initrd "$CACHE/initrd.cpio" -serial "file:$rd/console.log"
        -append "console=ttyS0 quiet panic=-1 rdinit=/init mitigations=off"
        -virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap"
        -virtfs "local,path=$rd,mount_tag=run,security_model=none,multidevs=remap")
    : >"$rd/out"
    rm -f "$rd/started" "$rd/rc"
    timeout -k 5 "$limit" "${q[@]}" >"$rd/qemu.log" 2>&1 &
    local qpid=$! waited=0
    tail -n +1 -s 0.3 -f --pid=$qpid "$rd/out" &
    local tpid=$!
    while kill -0 $qpid 2>/dev/null && [ ! -e "$rd/started" ]; do
        if [ $waited -ge $((BOOT_LIMIT * 5)) ]; then
            say "the guest did not start the script within ${BOOT_LIMIT}s; console:"
            tail -n 15 "$rd/console.log" >&2
            kill $qpid
            break
        fi
        sleep 0.2
        waited=$((waited + 1))
    done
    wait $qpid
    local qrc=$?
    wait $tpid 2>/dev/null
    if [ ! -e "$rd/started" ]; then
        say "qemu exit $qrc before the script started: $(head -c 2000 "$rd/qemu.log")"
        return 125
    fi
    if [ -s "$rd/rc" ]; then return "$(cat "$rd/rc")"; fi
    if [ $qrc = 124 ] || [ $qrc = 137 ]; then say "timed out after ${limit}s"; return 124; fi
    say "the guest ended without an exit status (qemu exit $qrc); console:"
    tail -n 25 "$rd/console.log" >&2
    return 125
}

run() {
    local nodes=2 cpus=2 mem=2048 limit=600
    while [ $# -gt 0 ]; do
        case $1 in
        --nodes) nodes=$2; shift 2 ;;
        --cpus) cpus=$2; shift 2 ;;
        --mem) mem=$2; shift 2 ;;
        --timeout) limit=$2; shift 2 ;;
        -*) die "unknown option $1" ;;
        *) break ;;
        esac
    done
    [ $# -ge 1 ] || die "run: which script?"
    [[ $nodes =~ ^[1-9][0-9]*$ && $cpus =~ ^[1-9][0-9]*$ ]] || die "--nodes and --cpus must be whole numbers >= 1"
    [ $((mem / nodes)) -ge 128 ] || die "--mem $mem gives under 128 MiB per node"
    ready || die "not set up: run '$0 setup' (as root)"
    guest_init | cmp -s - "$CACHE/initrd.d/init" || build_initrd
    local script
    script=$(realpath "$1") || die "no script $1"
    shift
    local rd
    rd=$(mktemp -d "${TMPDIR:-/tmp}/numa-vm.XXXXXX") || die "mktemp failed"
    {
        echo 'read -r up _ </proc/uptime && echo "$up" >/run/numa-vm/boot_seconds'
        echo "cd $(printf %q "$PWD") || exit 125"
        local k
        for k in $(compgen -e); do
            [[ $k == DGEN* ]] && printf 'export %s=%q\n' "$k" "${!k}"
        done
        printf 'exec bash %q' "$script"
        [ $# -eq 0 ] || printf ' %q' "$@"
        echo
    } >"$rd/cmd.sh"
    say "$nodes nodes, $cpus cpus, $mem MiB: $script $*"
    local start=$SECONDS rc try
    for try in 1 2; do  # about one boot in thirty stalls early under TCG: retry it once
        boot "$rd" "$nodes" "$cpus" "$mem" "$limit"
        rc=$?
        [ $rc = 125 ] && [ ! -e "$rd/started" ] && [ $try = 1 ] && { say "retrying the boot"; continue; }
        break
    done
    say "exit $rc after $((SECONDS - start)) s (the guest booted in $(cat "$rd/boot_seconds" 2>/dev/null || echo ?) s)"
    rm -rf "$rd"
    return $rc
}

case ${1:-} in
setup) setup ;;
ready) ready ;;
run) shift; run "$@" ;;
*) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
