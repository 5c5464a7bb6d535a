#!/usr/bin/env bash
# fio sequential and random read jobs over the mount finish with no errors and read the
# whole amount asked. (fio reads "64MiB" as 64 x 10^6: its units are inverted, so 64M.)
source "$(dirname "$0")/functions.sh"
requires_fuse
requires fio python3

cfg=$TMPDIR_TEST/fio.ini
cat >"$cfg" <<'INI'
[file]
path = data.bin
size = 256MiB
dedup = 2
compress = 2
INI
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"
for job in "read 1M psync 1" "randread 4k psync 2" "randread 64k libaio 1" "read 128k libaio 2"; do
    set -- $job
    fio --name="$1-$2" --filename="$mnt/data.bin" --readonly --rw="$1" --bs="$2" --ioengine="$3" \
        --numjobs="$4" --iodepth=4 --size=64M --output-format=json --output="$TMPDIR_TEST/fio.json" \
        >"$TMPDIR_TEST/fio.out" 2>&1 || fail "fio $job: $(cat "$TMPDIR_TEST/fio.out")"
    python3 - "$TMPDIR_TEST/fio.json" "$4" <<'PY' || fail "fio $job reported errors"
import json, sys
r = json.load(open(sys.argv[1]))
jobs = r["jobs"]
assert len(jobs) == int(sys.argv[2]), len(jobs)
for j in jobs:
    assert j["error"] == 0, j["error"]
    assert j["read"]["io_bytes"] == 64 << 20, j["read"]["io_bytes"]
PY
done
echo "ok"
