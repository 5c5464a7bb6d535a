#!/usr/bin/env bash
# dgen verify on copies taken out of a real mount with cp -a and rsync -a, then damaged in
# each way it names (dd conv=notrunc, truncate, python3): exactly the expected lines and exit
# codes, as text and as JSON; missing and extra files; the standard-input form; usage errors.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires cp rsync dd truncate python3

cfg=$TMPDIR_TEST/verify.ini
cat >"$cfg" <<'INI'
[dataset]
seed = 17
[file]
path = a.bin
size = 1MiB
[file]
path = other.bin
size = 1MiB
[file]
path = dc/reduce.bin
size = 1MiB
dedup = 3
compress = 2
[file]
path = zeros
size = 64KiB
pattern = zero
[file]
path = big.bin
size = 1GiB
[set]
dir = small
count = 10000
size_min = 1
size_max = 8KiB
files_per_dir = 1000
dirs_per_dir = 10
INI
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"
root=$TMPDIR_TEST/copy
mkdir -p "$root/dc"

# expect_verify RC "LINES" -- ARGS...: `dgen verify ARGS` exits RC and prints exactly LINES
# (one a line, "" for none) before its summary line, which says ok or FAIL to match.
expect_verify() {
    local want_rc=$1 want=$2 out rc=0
    shift 3
    out=$("$DGEN" verify "$@") || rc=$?
    [ "$rc" -eq "$want_rc" ] || fail "dgen verify $* exited $rc, want $want_rc: $out"
    [ "$(sed '$d' <<<"$out")" = "$want" ] || fail "dgen verify $*: got
$(sed '$d' <<<"$out")
want
$want"
    local verdict=ok
    [ "$want_rc" -eq 0 ] || verdict=FAIL
    [[ "$(tail -n1 <<<"$out")" == "dgen verify: "*": $verdict" ]] || fail "summary: $(tail -n1 <<<"$out")"
}
fresh() { cp -a "$mnt/$1" "$root/$1" || fail "cp -a $1"; }  # an intact copy of dataset path $1
check() { expect_verify "$1" "$2" -- --config "$cfg" --root "$root" "$3"; }

for f in a.bin other.bin dc/reduce.bin zeros; do fresh "$f"; check 0 "" "$f"; done

# Each damage, on a fresh copy of a.bin (every byte random, so ranges are whole units).
dd if=/dev/zero of="$root/a.bin" bs=4096 seek=3 count=1 conv=notrunc status=none || fail "dd zero"
check 1 "a.bin: 12288 +4096 zeroed" a.bin
fresh a.bin
truncate -s 1000000 "$root/a.bin" || fail truncate
check 1 "a.bin: 1000000 +48576 truncated" a.bin
fresh a.bin
printf 'tail' >>"$root/a.bin" || fail "append"
check 1 "a.bin: 1048576 +4 extended" a.bin
fresh a.bin
dd if="$mnt/a.bin" of="$root/a.bin" bs=4096 skip=11 seek=10 count=2 conv=notrunc status=none || fail "dd shift"
check 1 "a.bin: 40960 +8192 shifted from 45056" a.bin
fresh a.bin
dd if="$mnt/a.bin" of="$root/a.bin" bs=512 skip=158 seek=160 count=8 conv=notrunc status=none || fail "dd shift"
check 1 "a.bin: 81920 +4096 shifted from 80896" a.bin
fresh a.bin
dd if="$mnt/a.bin" of="$root/a.bin" bs=512 skip=161 seek=160 count=8 conv=notrunc status=none || fail "dd shift"
check 1 "a.bin: 81920 +4096 shifted from 82432" a.bin
fresh a.bin
python3 - "$root/a.bin" <<'PY' || fail "swap"
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(80 * 1024); a = f.read(4096); b = f.read(4096)
    f.seek(80 * 1024); f.write(b + a)
PY
check 1 "a.bin: 81920 +4096 shifted from 86016
a.bin: 86016 +4096 shifted from 81920" a.bin
# The same as JSON.
"$DGEN" verify --json --config "$cfg" --root "$root" a.bin >"$TMPDIR_TEST/swap.json" && fail "--json exited 0"
python3 - "$TMPDIR_TEST/swap.json" <<'PY' || fail "JSON report: $(cat "$TMPDIR_TEST/swap.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["ok"] is False and j["files"] == 1 and j["bytes_checked"] == 1 << 20, j
assert j["bad_bytes"] == 8192 and j["missing"] == [] and j["extra"] == [] and j["errors"] == [], j
assert j["ranges"] == [
    {"path": "a.bin", "offset": 81920, "length": 4096, "class": "shifted", "source_offset": 86016},
    {"path": "a.bin", "offset": 86016, "length": 4096, "class": "shifted", "source_offset": 81920},
], j["ranges"]
PY
fresh a.bin
dd if="$mnt/other.bin" of="$root/a.bin" bs=4096 skip=16 seek=16 count=1 conv=notrunc status=none || fail "dd paste"
check 1 "a.bin: 65536 +4096 other-file other.bin at 65536" a.bin
fresh a.bin
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(123457); b = f.read(1); f.seek(123457); f.write(bytes([b[0] ^ 0x10]))' \
    "$root/a.bin" || fail "flip"
check 1 "a.bin: 123457 +1 corrupt" a.bin
"$DGEN" verify --json --config "$cfg" --root "$root" a.bin >"$TMPDIR_TEST/flip.json" && fail "--json exited 0"
python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["ranges"]; assert r == [{"path": "a.bin", "offset": 123457, "length": 1, "class": "corrupt"}], r' \
    "$TMPDIR_TEST/flip.json" || fail "JSON of a flipped bit: $(cat "$TMPDIR_TEST/flip.json")"
fresh a.bin

# A zero file, and D = 3, C = 2: each sector ends in zeros, so a range ends at the last
# random byte of the unit's last sector (3584 + 249 = 3833).
dd if="$mnt/other.bin" of="$root/zeros" bs=4096 skip=2 seek=2 count=1 conv=notrunc status=none || fail "dd paste"
check 1 "zeros: 8192 +4096 other-file other.bin at 8192" zeros
fresh zeros
dd if=/dev/zero of="$root/dc/reduce.bin" bs=4096 seek=5 count=1 conv=notrunc status=none || fail "dd zero"
check 1 "dc/reduce.bin: 20480 +3833 zeroed" dc/reduce.bin
fresh dc/reduce.bin
dd if="$mnt/dc/reduce.bin" of="$root/dc/reduce.bin" bs=4096 skip=7 seek=6 count=1 conv=notrunc status=none || fail "dd shift"
check 1 "dc/reduce.bin: 24576 +3833 shifted from 28672" dc/reduce.bin
fresh dc/reduce.bin

# A short tree (the directory dc): a missing file and an extra one.
rm "$root/dc/reduce.bin" || fail "rm"
echo stray >"$root/dc/stray" || fail "echo"
check 1 "dc/reduce.bin: missing
dc/stray: extra" dc
rm "$root/dc/stray" || fail "rm stray"
fresh dc/reduce.bin
check 0 "" dc

# Standard input, and a file written by dgen cat.
args=(--seed 3 --size 5MiB --dedup 2 --compress 2 --dedup-run 16KiB)
out=$("$DGEN" cat "${args[@]}" | "$DGEN" verify "${args[@]}" -) || fail "stdin: $out"
"$DGEN" cat "${args[@]}" | python3 -c 'import sys; b = bytearray(sys.stdin.buffer.read()); b[1000] ^= 1; sys.stdout.buffer.write(b[:-7])' \
    >"$TMPDIR_TEST/cat.bin" || fail "cat | python3"
expect_verify 1 "-: 1000 +1 corrupt
-: 5242873 +7 truncated" -- "${args[@]}" - <"$TMPDIR_TEST/cat.bin"
expect_verify 1 "$TMPDIR_TEST/cat.bin: 1000 +1 corrupt
$TMPDIR_TEST/cat.bin: 5242873 +7 truncated" -- "${args[@]}" --threads 1 "$TMPDIR_TEST/cat.bin"

# Intact copies of a 1 GiB file (cp -a) and of a 10,000-file set (rsync -a) verify clean,
# and the whole tree too once nothing is missing; then one missing and one extra file.
fresh big.bin
check 0 "" big.bin
rsync -a "$mnt/small/" "$root/small/" || fail "rsync -a"
check 0 "" small
out=$("$DGEN" verify --config "$cfg" --root "$root") || fail "whole tree: $out"
[[ "$out" == "dgen verify: 10005 files, "*": ok" ]] || fail "whole tree: $out"
rm "$root/small/d3/f00003456" && touch "$root/small/d3/new" || fail "rm, touch"
expect_verify 1 "small/d3/f00003456: missing
small/d3/new: extra" -- --config "$cfg" --root "$root"

# Usage errors: exit 2 and a message.
expect_usage_error "--config needs --root DIR" -- verify --config "$cfg"
expect_usage_error "--root needs --config" -- verify --root "$root" --size 1MiB x
expect_usage_error "FILE is required" -- verify --size 1MiB
expect_usage_error "one FILE only" -- verify --size 1MiB x y
expect_usage_error "--size is required" -- verify x
expect_usage_error "not a directory" -- verify --config "$cfg" --root "$root/a.bin"
expect_usage_error "'nothing' is not in the dataset" -- verify --config "$cfg" --root "$root" nothing
expect_usage_error "--size cannot be combined with --config" -- verify --config "$cfg" --root "$root" --size 1 a.bin
expect_usage_error "--threads" -- verify --threads 0 --size 1MiB x
echo "ok"
