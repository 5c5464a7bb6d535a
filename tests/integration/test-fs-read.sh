#!/usr/bin/env bash
# Files read through the mount by cat, dd (several block sizes), cp, cp -r, rsync -a and
# tar give exactly the bytes of `dgen cat --config` for several sizes and parameters.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires dd cp rsync tar sha256sum cmp

cfg=$TMPDIR_TEST/read.ini
cat >"$cfg" <<'INI'
[dataset]
seed = 11

[file]
path = empty
size = 0

[file]
path = one-byte
size = 1

[file]
path = odd/incompressible.bin
size = 3000001

[file]
path = odd/reduce.bin
size = 8MiB
dedup = 3
compress = 2.5
unit = 512

[file]
path = big-unit.bin
size = 5MiB
dedup = 2
unit = 1MiB

[file]
path = zeros
size = 3MiB
pattern = zero

[set]
dir = many
count = 300
size_min = 1
size_max = 200000
size_dist = loguniform
files_per_dir = 40
dirs_per_dir = 3
dedup = 2
compress = 2
INI
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"

files=(empty one-byte odd/incompressible.bin odd/reduce.bin big-unit.bin zeros)
for f in "${files[@]}"; do
    same_bytes "$mnt/$f" "$cfg" "$f"
    cat "$mnt/$f" >"$TMPDIR_TEST/cat.out" || fail "cat $f"
    same_bytes "$TMPDIR_TEST/cat.out" "$cfg" "$f"
    for bs in 4k 1M 7k 4097 1; do
        [ "$bs" = 1 ] && [ "$(stat -c %s "$mnt/$f")" -gt 100000 ] && continue
        dd if="$mnt/$f" of="$TMPDIR_TEST/dd.out" bs="$bs" status=none || fail "dd bs=$bs $f"
        same_bytes "$TMPDIR_TEST/dd.out" "$cfg" "$f"
    done
    cp "$mnt/$f" "$TMPDIR_TEST/cp.out" || fail "cp $f"
    same_bytes "$TMPDIR_TEST/cp.out" "$cfg" "$f"
done
[ "$(stat -c %s "$mnt/zeros")" -eq $((3 << 20)) ] || fail "zeros size"
cmp -s "$mnt/zeros" <(head -c $((3 << 20)) /dev/zero) || fail "zeros are not zeros"

# Whole trees: every file of the copy equals dgen cat, and nothing is missing or extra.
expect_tree() {  # DIR: compare against the config's listing
    local dir=$1
    (cd "$dir" && find . -type f -printf '%s %P\n' | sort) >"$TMPDIR_TEST/got.list" || fail "find in $dir"
    "$DGEN" ls --config "$cfg" >"$TMPDIR_TEST/ls.out" || fail "dgen ls"
    awk '$1=="f" {print $2, $3}' "$TMPDIR_TEST/ls.out" | sort >"$TMPDIR_TEST/want.list"
    [ -s "$TMPDIR_TEST/want.list" ] || fail "dgen ls listed no file"
    cmp -s "$TMPDIR_TEST/got.list" "$TMPDIR_TEST/want.list" ||
        fail "$dir: tree differs: $(diff "$TMPDIR_TEST/want.list" "$TMPDIR_TEST/got.list" | head -5)"
    while read -r _ p; do same_bytes "$dir/$p" "$cfg" "$p"; done <"$TMPDIR_TEST/want.list"
}
cp -r "$mnt" "$TMPDIR_TEST/cp-r" || fail "cp -r"
expect_tree "$TMPDIR_TEST/cp-r"
rsync -a "$mnt/" "$TMPDIR_TEST/rsync/" || fail "rsync -a"
expect_tree "$TMPDIR_TEST/rsync"
# rsync -a keeps mtimes: they are the config's, and a second rsync has nothing to send.
[ "$(stat -c %Y "$TMPDIR_TEST/rsync/odd/reduce.bin")" = "$(stat -c %Y "$mnt/odd/reduce.bin")" ] || fail "mtime"
rsync -a --stats "$mnt/" "$TMPDIR_TEST/rsync/" >"$TMPDIR_TEST/rsync.stats" || fail "second rsync -a"
sent=$(awk -F': ' '/Number of regular files transferred/ {print $2}' "$TMPDIR_TEST/rsync.stats")
[ "$sent" = 0 ] || fail "second rsync -a transferred $sent files"
mkdir "$TMPDIR_TEST/tar"
# pipefail: a failing tar on either side fails the pipeline, and with it the test.
tar -C "$mnt" -cf - . | tar -C "$TMPDIR_TEST/tar" -xf - || fail "tar | tar"
expect_tree "$TMPDIR_TEST/tar"
echo "ok"
