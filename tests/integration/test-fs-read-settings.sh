#!/usr/bin/env bash
# Reads through mounts with the non-default I/O settings (direct_io = false with a
# readahead, max_read below 1 MiB down to its 4 KiB floor, an explicit pool_size at its
# minimum) give exactly the bytes of `dgen cat --offset --length`, including preads past
# 256 MiB, across and past 4 GiB, and at the end of a 1 TiB file (short read at EOF).
# Then which files the page cache keeps (page_cache_max, direct_io), from the requests
# /.dgen/stats.json counts, and each file's st_blksize.
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

# page_cache_max (default 1 MiB): a file up to that size is cached by the kernel, so a
# second read sends no request; a larger one is direct_io, every read a request.
# page_cache_max = 0 caches nothing; direct_io = false caches everything.
requests_of() {  # MNT NAME: the requests stats.json counts for group NAME
    python3 -c 'import json, sys; print(next(g["requests"] for g in json.load(open(sys.argv[1]))["sets"] if g["name"] == sys.argv[2]))' \
        "$1/.dgen/stats.json" "$2"
}
n=0
while IFS='|' read -r what settings cached uncached; do
    n=$((n + 1))
    cfg=$TMPDIR_TEST/cache$n.ini
    { echo "[dataset]"; echo "seed = 29"; tr ';' '\n' <<<"$settings"
      printf '[file]\npath = 4k.bin\nsize = 4096\n[file]\npath = 1m.bin\nsize = 1MiB\n'
      printf '[file]\npath = above.bin\nsize = 1048577\n[set]\ndir = small\ncount = 20\nsize = 3000\n'; } >"$cfg"
    mnt=$TMPDIR_TEST/cache-mnt$n
    mount_fs "$cfg" "$mnt"
    for name in 4k.bin 1m.bin above.bin small; do
        path=$name
        [ "$name" = small ] && path=small/f00000007
        cat "$mnt/$path" >/dev/null || fail "$what: cat $path"
        first=$(requests_of "$mnt" "$name") || fail "$what: stats.json"
        [ "$first" -gt 0 ] || fail "$what: reading $path sent no request"
        "$DGEN" cat --config "$cfg" "$path" | cmp -s - "$mnt/$path" || fail "$what: $path differs from dgen cat"
        second=$(requests_of "$mnt" "$name") || fail "$what: stats.json"
        case " $cached " in
        *" $name "*)
            # The kernel may drop clean pages under memory pressure (it did once, under
            # TSan in CI): a cached file is one that some re-read, of three, does not ask.
            tries=1
            while [ "$second" -ne "$first" ] && [ "$tries" -lt 3 ]; do
                first=$second
                cat "$mnt/$path" >/dev/null || fail "$what: cat $path again"
                second=$(requests_of "$mnt" "$name") || fail "$what: stats.json"
                tries=$((tries + 1))
            done
            [ "$second" -eq "$first" ] || fail "$what: $path was read again on each of 3 re-reads: not cached" ;;
        *) [ "$second" -gt "$first" ] || fail "$what: $path was served from the page cache ($first requests both times)" ;;
        esac
    done
    unmount_fs "$mnt" "$DGENFS_PID" "$DGENFS_LOG"
    echo "$what: cached [$cached], not [$uncached]: ok"
done <<'CACHE'
defaults|mtime = 0|4k.bin 1m.bin small|above.bin
page_cache_max=0|page_cache_max = 0|-|4k.bin 1m.bin above.bin small
page_cache_max=4KiB|page_cache_max = 4KiB|4k.bin small|1m.bin above.bin
direct_io=false|direct_io = false|4k.bin 1m.bin above.bin small|-
CACHE

# st_blksize, the buffer cp and cat read with: the size rounded down to a power of two,
# between 4 KiB and max_read.
cfg=$TMPDIR_TEST/blksize.ini
printf '[file]\npath = empty\nsize = 0\n[file]\npath = 3000\nsize = 3000\n[file]\npath = 100000\nsize = 100000\n[file]\npath = 1m\nsize = 1MiB\n[file]\npath = 1t\nsize = 1TiB\n' >"$cfg"
mount_fs "$cfg" "$TMPDIR_TEST/blk"
for pair in empty:4096 3000:4096 100000:65536 1m:1048576 1t:1048576; do
    got=$(stat -c %o "$TMPDIR_TEST/blk/${pair%%:*}") || fail "stat ${pair%%:*}"
    [ "$got" = "${pair#*:}" ] || fail "st_blksize of ${pair%%:*}: $got, want ${pair#*:}"
done
unmount_fs "$TMPDIR_TEST/blk" "$DGENFS_PID" "$DGENFS_LOG"
echo "ok"
