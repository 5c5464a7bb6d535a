#!/usr/bin/env bash
# find and ls -R over a 100,000-file set list exactly the configured files with their
# sizes; a 10,000,000-file set mounts at once and its daemon's memory stays small (within
# 16 MiB of the same daemon's serving one file; under 64 MiB in all, but for the sanitizers);
# 2^32 drawn sizes mount and pass --check before they are summed, and statfs is exact.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires find python3

cfg=$TMPDIR_TEST/tree.ini
cat >"$cfg" <<'INI'
[set]
dir = small
count = 100000
name = file-%06u.dat
size_min = 0
size_max = 65536
size_dist = uniform
files_per_dir = 1000
dirs_per_dir = 10
INI
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"
(cd "$mnt" && find . -type f -printf '%s %P\n') | sort >"$TMPDIR_TEST/got"
"$DGEN" ls --config "$cfg" | awk '$1=="f" {print $2, $3}' | sort >"$TMPDIR_TEST/want"
[ "$(wc -l <"$TMPDIR_TEST/want")" -eq 100000 ] || fail "dgen ls does not list 100000 files"
cmp -s "$TMPDIR_TEST/got" "$TMPDIR_TEST/want" ||
    fail "find differs from the config: $(diff "$TMPDIR_TEST/want" "$TMPDIR_TEST/got" | head -5)"
[ "$(ls -R "$mnt" | grep -c '^file-')" -eq 100000 ] || fail "ls -R count"
[ "$(find "$mnt/" -type d | wc -l)" -eq $((1 + 1 + 10 + 100)) ] || fail "directory count"
# stat -f reports the set's size and entry count.
total=$(awk '{s += $1} END {printf "%.0f\n", s}' "$TMPDIR_TEST/want")  # %.0f: print s would give 3.27e+09
blocks=$(stat -f -c %b "$mnt")
[ "$blocks" -eq $(((total + 4095) / 4096)) ] || fail "statfs blocks $blocks for $total bytes"
[ "$(stat -f -c %c "$mnt")" -eq $((100000 + 112)) ] || fail "statfs files"

cfg10m=$TMPDIR_TEST/ten-million.ini
cat >"$cfg10m" <<'INI'
[set]
dir = huge
count = 10000000
size = 4KiB
files_per_dir = 1000
dirs_per_dir = 100
INI
big=$TMPDIR_TEST/big
start=$(date +%s.%N)
mount_fs "$cfg10m" "$big"
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
echo "10,000,000-file set mounted in ${elapsed}s"
[ "$(stat -c %s "$big/huge/d99/d99/f09999999")" -eq 4096 ] || fail "last file"
[ ! -e "$big/huge/d99/d99/f10000000" ] || fail "a file past the count exists"
[ "$(ls "$big/huge/d42/d07" | wc -l)" -eq 1000 ] || fail "leaf listing"
head -c 4096 "$big/huge/d00/d00/f00000000" >"$TMPDIR_TEST/first.got" || fail "read the first file"
"$DGEN" cat --config "$cfg10m" huge/d00/d00/f00000000 >"$TMPDIR_TEST/first.want" || fail "dgen cat the first file"
[ "$(stat -c %s "$TMPDIR_TEST/first.want")" -eq 4096 ] || fail "dgen cat of the first file is not 4096 bytes"
cmp -s "$TMPDIR_TEST/first.got" "$TMPDIR_TEST/first.want" || fail "first file bytes"
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$DGENFS_PID/status")
# Against the same daemon serving one file: what the set itself costs, apart from what
# every daemon has (its buffers, the transport's rings; the sanitizers' shadow memory).
one=$TMPDIR_TEST/one.ini
printf '[file]\npath = f\nsize = 4KiB\n' >"$one"
mount_fs "$one" "$TMPDIR_TEST/one"
head -c 4096 "$TMPDIR_TEST/one/f" >/dev/null || fail "read the one-file set"
base_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$DGENFS_PID/status")
echo "daemon RSS with a 10,000,000-file set: ${rss_kb} KiB; with one file: ${base_kb} KiB"
[ $((rss_kb - base_kb)) -lt 16384 ] || fail "a 10,000,000-file set costs $((rss_kb - base_kb)) KiB more than one file"
[ "${DGEN_SANITIZED:-0}" = 1 ] || [ "$rss_kb" -lt 65536 ] || fail "daemon RSS ${rss_kb} KiB is not small"
echo "ok: 10,000,000 files"

# Sizes drawn one by one (size_draw = independent) are summed after the mount answers:
# 2^32 of them mount at once and --check passes at once (the note names stratified);
# statfs asked before the background sum ends sums the rest itself and is exact.
drawn=$TMPDIR_TEST/drawn.ini
cat >"$drawn" <<'INI'
[dataset]
seed = 5
[set]
dir = huge
count = 4294967296
size_min = 4KiB
size_max = 1MiB
size_dist = loguniform
INI
out=$("$DGENFS" --check "$drawn" 2>"$TMPDIR_TEST/check.err") || fail "--check of 2^32 drawn sizes: $(cat "$TMPDIR_TEST/check.err")"
[ "$out" = "$drawn: ok: 4294967296 files in 4338355 directories, size summed when mounted (4294967296 drawn sizes; dgen ls --summary sums them now)" ] ||
    fail "--check of 2^32 drawn sizes printed: $out"
grep -q "drawn.ini:3: \[set\] huge: its 4294967296 sizes, drawn one by one (size_draw = independent), .*size_draw = stratified totals them at once" "$TMPDIR_TEST/check.err" ||
    fail "--check of 2^32 drawn sizes: no note naming size_draw = stratified: $(cat "$TMPDIR_TEST/check.err")"
mount_fs "$drawn" "$TMPDIR_TEST/drawn"
want=$("$DGEN" ls --config "$drawn" huge/d04/d29/d49/d67/f4294967295) || fail "dgen ls of the last drawn file"
[ "$(stat -c %s "$TMPDIR_TEST/drawn/huge/d04/d29/d49/d67/f4294967295")" -eq "$(awk '{print $2}' <<<"$want")" ] ||
    fail "last drawn file: $(stat -c %s "$TMPDIR_TEST/drawn/huge/d04/d29/d49/d67/f4294967295") bytes, dgen ls: $want"
wait_logged "summing the sizes of 4294967296 files drawn one by one" "$DGENFS_LOG" "2^32 drawn sizes"
unmount_fs "$TMPDIR_TEST/drawn" "$DGENFS_PID" "$DGENFS_LOG"  # while it sums: ends, exit 0, within 5 s
echo "ok: 2^32 drawn sizes: --check and the mount answer before their sum"

sed -i 's/^count = .*/count = 33554432/' "$drawn"  # 2^25: about a second of summing
summary=$("$DGEN" ls --config "$drawn" --summary 2>/dev/null) || fail "dgen ls --summary of 2^25 drawn sizes"
total=$(sed -n 's/.*(\([0-9]*\) bytes)$/\1/p' <<<"$summary")
[ -n "$total" ] || fail "dgen ls --summary printed: $summary"
mount_fs "$drawn" "$TMPDIR_TEST/drawn25"
blocks=$(stat -f -c %b "$TMPDIR_TEST/drawn25") || fail "statfs of 2^25 drawn sizes"
[ "$blocks" -eq $(((total + 4095) / 4096)) ] || fail "statfs blocks $blocks for $total bytes (2^25 drawn sizes)"
wait_logged "dataset size: .* ($total bytes), summed in" "$DGENFS_LOG" "2^25 drawn sizes"
echo "ok: 2^25 drawn sizes: statfs exact ($total bytes), the sum logged"
