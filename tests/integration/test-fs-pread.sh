#!/usr/bin/env bash
# Random preads at random offsets and lengths (across unit boundaries, at and past EOF),
# from several threads at once, match the library's bytes.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires python3

cfg=$TMPDIR_TEST/pread.ini
cat >"$cfg" <<'INI'
[dataset]
seed = 3
[file]
path = a.bin
size = 6000007
dedup = 2.5
compress = 3
[file]
path = b.bin
size = 4MiB
unit = 512
[set]
dir = s
count = 50
size = 70000
dedup = 4
INI
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"
for f in a.bin b.bin s/f00000007 s/f00000049; do
    mkdir -p "$TMPDIR_TEST/want/$(dirname "$f")"
    "$DGEN" cat --config "$cfg" "$f" >"$TMPDIR_TEST/want/$f"
done
python3 - "$mnt" "$TMPDIR_TEST/want" <<'PY' || fail "concurrent preads differ"
import os, random, sys, threading
mnt, want_dir = sys.argv[1], sys.argv[2]
names = ["a.bin", "b.bin", "s/f00000007", "s/f00000049"]
want = {n: open(os.path.join(want_dir, n), "rb").read() for n in names}
errors = []
def worker(seed):
    rng = random.Random(seed)
    fds = {n: os.open(os.path.join(mnt, n), os.O_RDONLY) for n in names}
    for _ in range(400):
        n = rng.choice(names)
        size = len(want[n])
        kind = rng.random()
        if kind < 0.1:
            off = size + rng.randrange(0, 10000)        # past EOF
        elif kind < 0.3:
            off = max(0, size - rng.randrange(0, 5000))  # straddling EOF
        elif kind < 0.6:
            unit = 512 if n == "b.bin" else 4096
            off = max(0, rng.randrange(0, size // unit + 1) * unit + rng.randrange(-20, 20))
        else:
            off = rng.randrange(0, size)
        length = rng.choice([1, 15, 16, 17, 511, 4095, 4096, 4097, 65536, rng.randrange(1, 1 << 20)])
        got = os.pread(fds[n], length, off)
        if got != want[n][off:off + length]:
            errors.append(f"{n} off {off} len {length}: {len(got)} bytes differ")
    for fd in fds.values():
        os.close(fd)
threads = [threading.Thread(target=worker, args=(s,)) for s in range(6)]
for t in threads: t.start()
for t in threads: t.join()
if errors:
    print("\n".join(errors[:10]))
    sys.exit(1)
PY
echo "ok"
