#!/usr/bin/env bash
# dgenfs set-up for a Debian 12 machine, run as root from the repository root.
#
#   bash src/scripts/setup.sh up     install what is missing, build, install to /usr/local
#                                    (binaries, /etc/dgenfs/dgenfs.ini, units, man pages), and
#                                    serve the default config at /mnt/dgen: through
#                                    dgenfs.service where systemd runs, else a daemon
#   bash src/scripts/setup.sh test   the same set-up, then every test: a Release build and
#                                    an ASan+UBSan build, each run with CTest, the fuzz
#                                    targets for $FUZZ_SECONDS (30) s each, then the FUSE
#                                    tests against a ThreadSanitizer daemon
#
# Non-interactive; safe to run again (apt runs only if a package is missing).
set -euo pipefail
cd "$(dirname "$0")/../.."

PACKAGES=(
    build-essential cmake pkg-config git ccache
    libfuse3-dev fuse3 libhwloc-dev hwloc libnuma-dev numactl libinih-dev
    libgtest-dev libzstd-dev liblz4-dev zlib1g-dev liblzma-dev libxxhash-dev
    libcli11-dev nlohmann-json3-dev libsystemd-dev libmicrohttpd-dev liburing-dev help2man man-db
    zstd lz4 xz-utils python3 coreutils
    fio rsync attr procps tar util-linux iproute2
    borgbackup restic systemd-container
    prometheus                      # tests only: test-fs-stats scrapes /metrics
    nbdkit libnbd-bin gnuplot-nox   # tests/bench only
    qemu-system-x86 busybox-static  # tests/numa: the emulated multi-node machine
    clang libclang-rt-14-dev        # tests only: the libFuzzer targets (tests/fuzz)
)
JOBS=${JOBS:-$(nproc)}
# Compiles go through ccache (read by CMake at each tree's first configure): the four
# trees of a test run share what they can, and a later run, from any clone of the
# repository, rebuilds only what changed.
export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1

# Each step with the time and the seconds since the start: a CI log cut off by its time
# limit still tells which step took the time.
log() { printf '\n== [%s, %ds] %s\n' "$(date +%T)" "$SECONDS" "$*"; }

install_deps() {
    local missing=()
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "dependencies: all ${#PACKAGES[@]} packages present"
        return
    fi
    [ "$(id -u)" -eq 0 ] || { echo "setup.sh: installing ${missing[*]} needs root" >&2; exit 1; }
    log "dependencies: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build DIR BUILD_TYPE [cmake args...]
build() {
    local dir=$1 type=$2
    shift 2
    log "build: $dir ($type $*)"
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
}

# The libFuzzer targets (tests/fuzz, docs/FUZZING.md): clang builds libdgen with ASan and
# UBSan in build-fuzz, then each target runs over its seed corpus, two at a time.
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
run_fuzzers() {
    log "build: build-fuzz (clang, libFuzzer + ASan + UBSan; the fuzz targets only)"
    CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDGEN_FUZZ=ON \
        -DDGEN_BUILD_TESTS=OFF -DDGEN_MAN_PAGES=OFF >/dev/null
    cmake --build build-fuzz -j "$JOBS" --target fuzzers
    log "fuzz: every target for ${FUZZ_SECONDS}s"
    FUZZ_JOBS=2 bash tests/fuzz/run-fuzzers.sh "$FUZZ_SECONDS"
}

run_tests() {  # DIR [ctest args...]
    local dir=$1
    shift
    log "tests: $dir $*"
    ctest --test-dir "$dir" -j "$JOBS" --output-on-failure --no-tests=error "$@"
}

# The FUSE tests that run against a ThreadSanitizer daemon (docs/SOAK.md): every
# test-fs-* and the short soak, without the @variants (the same code on other plans),
# but for test-fs-read (55 s under TSan: whole-tree copies by one reader at a time,
# whose read path the soak drives with four readers at once).
tsan_tests() {
    local t
    for t in tests/integration/test-fs-*.sh tests/integration/test-soak-short.sh; do
        [ "$t" = tests/integration/test-fs-read.sh ] || echo "$t"
    done
}

# A TSan build of the daemon alone, in build-tsan (dgen and dgen_soak come from the
# Release build in build/: the daemon is what has threads). A race makes the daemon write
# its report under build-tsan/tsan-reports and exit 66 (halt_on_error), which fails the
# test that hit it; any report fails the step, even one at a teardown a test ignored.
run_tsan_tests() {
    local dir=build-tsan t failed=()
    log "build: $dir (ThreadSanitizer; the dgenfs daemon only)"
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDGEN_TSAN=ON -DDGEN_BUILD_TESTS=OFF \
        -DDGEN_MAN_PAGES=OFF >/dev/null
    cmake --build "$dir" -j "$JOBS" --target dgenfs
    local reports=$PWD/$dir/tsan-reports
    rm -rf "$reports"
    mkdir -p "$reports"
    for t in $(tsan_tests); do
        log "tests: $t against the TSan daemon"
        local rc=0
        # At most 15 minutes a test (each takes seconds to two minutes): a hang fails
        # that test, named, instead of the whole run's time limit (its trap still cleans up).
        DGEN=$PWD/build/src/dgen DGENFS=$PWD/$dir/src/dgenfs DGEN_BUILD_DIR=$PWD/build DGEN_SANITIZED=1 \
            TSAN_OPTIONS="halt_on_error=1 exitcode=66 log_path=$reports/tsan" timeout -k 30 900 bash "$t" || rc=$?
        [ "$rc" -ne 124 ] || echo "setup.sh: $t did not end within 900 s" >&2
        [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || failed+=("$t")  # 77: skipped
    done
    if compgen -G "$reports/tsan.*" >/dev/null; then
        cat "$reports"/tsan.* >&2
        echo "setup.sh: ThreadSanitizer reported a race in the daemon (above)" >&2
        exit 1
    fi
    [ ${#failed[@]} -eq 0 ] || { echo "setup.sh: failed against the TSan daemon: ${failed[*]}" >&2; exit 1; }
}

# The multi-node tests (numa/2-nodes, numa/4-nodes) boot an emulated NUMA machine: its
# Debian kernel is fetched and unpacked once, into /var/cache/dgenfs-numa-vm.
prepare_numa_vm() {
    log "numa-vm: kernel and initramfs for the multi-node tests"
    bash tests/numa/numa-vm.sh ready || bash tests/numa/numa-vm.sh setup
}

MNT=/mnt/dgen
CONFIG=/etc/dgenfs/dgenfs.ini

# Serves the default config at $MNT: with systemd as init, by enabling (or restarting,
# for a new build) dgenfs.service; else as a daemon, replacing an earlier dgenfs mount
# there (its daemon ends when its mount goes). Then checks a file against `dgen cat`.
mount_default() {
    if [ -d /run/systemd/system ]; then
        log "service: systemctl enable dgenfs.service, (re)start it"
        systemctl daemon-reload
        systemctl enable dgenfs.service
        systemctl restart dgenfs.service
        systemctl status --no-pager dgenfs.service | head -8
    else
        mkdir -p "$MNT"
        if findmnt -rn -M "$MNT" >/dev/null; then
            [ "$(findmnt -rn -M "$MNT" -o FSTYPE)" = fuse.dgenfs ] ||
                { echo "setup.sh: $MNT holds another filesystem; not touching it" >&2; exit 1; }
            log "unmount: the earlier dgenfs at $MNT"
            fusermount3 -u "$MNT" || umount -l "$MNT"
        fi
        log "mount: $CONFIG at $MNT (no systemd here: a daemon)"
        /usr/local/bin/dgenfs "$CONFIG" "$MNT" -o ro,allow_other,auto_unmount
    fi
    findmnt "$MNT"
    ls -l "$MNT"
    local f=reduce/dedup2-compress2.bin
    [ -f "$MNT/$f" ] || { log "ok: $MNT serves $CONFIG"; return; }  # an edited config
    if cmp <(head -c 64M "$MNT/$f") <(/usr/local/bin/dgen cat --config "$CONFIG" "$f" --length 64MiB); then
        log "ok: $MNT/$f reads exactly as 'dgen cat --config $CONFIG $f'"
    else
        echo "setup.sh: $MNT/$f differs from dgen cat" >&2
        exit 1
    fi
}

case "${1:-}" in
up)
    install_deps
    build build Release
    log "install: /usr/local (binaries, units, man pages), /etc/dgenfs/dgenfs.ini if absent"
    cmake --install build --prefix /usr/local >/dev/null
    mount_default
    ;;
test)
    install_deps
    prepare_numa_vm
    build build Release
    run_tests build
    run_fuzzers
    build build-asan RelWithDebInfo -DDGEN_SANITIZE=ON
    # The @variants (the same FUSE tests on other worker plans) run in the Release pass only:
    # under ASan they would add minutes and no memory error the base tests miss.
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_tests build-asan -E @
    run_tsan_tests
    log "all tests passed (Release, ASan+UBSan, and the FUSE tests against a TSan daemon)"
    ;;
*)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
