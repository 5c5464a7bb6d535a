#!/usr/bin/env bash
# Reads through mounts with the non-default I/O settings (direct_io = false with a
# readahead, max_read below 1 MiB down to its 4 KiB floor, an explicit pool_size at its
# minimum) give exactly the bytes of `dgen cat --offset --length`, including preads past
# 256 MiB, across and past 4 GiB, and at the end of a 1 TiB file (short read at EOF).
source "$(dirname "$0")/functions.sh"
requires_fuse
requires python3 cmp

# offset length pairs: the start, past 256 MiB, across 4 GiB (2^32), past it, across the
# 1 TiB file's end (returns 100000 bytes) and its last byte. Lengths cross request sizes.
reads="0 300000
268435457 70001
4294967291 200000
4294967296 4097
1099511527776 200000
1099511627775 10"

# check_reads MNT CONFIG: every read above, by os.pread through MNT, equals dgen cat.
check_reads() {
    local mnt=$1 cfg=$2 off len path
    for path in big.bin dc/big.bin; do
        while read -r off len; do
            python3 - "$mnt/$path" "$off" "$len" "$TMPDIR_TEST/got" <<'PY' || fail "pread $path at $off: $(cat "$TMPDIR_TEST/got.err" 2>/dev/null)"
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
data = os.pread(fd, int(sys.argv[3]), int(sys.argv[2]))
os.close(fd)
open(sys.argv[4], "wb").write(data)
PY
            "$DGEN" cat --config "$cfg" "$path" --offset "$off" --length "$len" >"$TMPDIR_TEST/want" ||
                fail "dgen cat $path --offset $off --length $len"
            # A read past EOF is clipped the same way by both.
            want_len=$(( off + len > 1099511627776 ? 1099511627776 - off : len ))
            [ "$(stat -c %s "$TMPDIR_TEST/got")" -eq "$want_len" ] ||
                fail "$mnt: pread $path at $off returned $(stat -c %s "$TMPDIR_TEST/got") bytes, want $want_len"
            cmp -s "$TMPDIR_TEST/got" "$TMPDIR_TEST/want" || fail "$mnt: $path at $off length $len differs from dgen cat"
        done <<<"$reads"
    done
}

n=0
while IFS='|' read -r what settings; do
    n=$((n + 1))
    cfg=$TMPDIR_TEST/settings$n.ini
    { echo "[dataset]"; echo "seed = 23"; tr ';' '\n' <<<"$settings"
      printf '[file]\npath = big.bin\nsize = 1TiB\n'
      printf '[file]\npath = dc/big.bin\nsize = 1TiB\ndedup = 3\ncompress = 2.5\n'; } >"$cfg"
    mount_fs "$cfg" "$TMPDIR_TEST/mnt$n"
    check_reads "$TMPDIR_TEST/mnt$n" "$cfg"
    # The settings took effect, as the kernel sees them.
    opts=$(findmnt -rn -M "$(realpath "$TMPDIR_TEST/mnt$n")" -o OPTIONS) || fail "$what: findmnt"
    case $what in
        max_read*) grep -q "max_read=${what#max_read=}" <<<"$opts" || fail "$what: mount options $opts" ;;
    esac
    unmount_fs "$TMPDIR_TEST/mnt$n" "$DGENFS_PID" "$DGENFS_LOG"
    echo "$what: ok"
done <<'SETTINGS'
direct_io=false readahead=128KiB|direct_io = false;readahead = 128KiB
direct_io=false readahead=0|direct_io = false;readahead = 0
max_read=65536|max_read = 64KiB
max_read=4096|max_read = 4KiB
pool_size at its minimum|workers_per_node = 2;pool_size = 2MiB
SETTINGS
echo "ok"
