#!/usr/bin/env bash
# /.dgen on a real mount: stats.json parses and counts exactly the bytes and requests read,
# per file set; each open sees a snapshot of its own, whose size stat gives; /.dgen is
# hidden from the root's listing but found by name; it refuses writes; metrics passes
# promtool; metrics_listen serves it to a real Prometheus, which answers a query with the
# bytes read; a port in use stops dgenfs before it mounts; and dgen stat prints one line
# per interval.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires prometheus promtool python3 dd

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
prom_port=$(free_port)
[ "$port" != "$prom_port" ] || prom_port=$(free_port)

cfg=$TMPDIR_TEST/stats.ini
cat >"$cfg" <<INI
[dataset]
seed = 5
metrics_listen = 127.0.0.1:$port
# Every read a request, counted as made: no file goes through the page cache.
page_cache_max = 0

[file]
path = dir/f.bin
size = 8MiB

[set]
dir = many
count = 5
size = 1MiB
INI
mnt=$TMPDIR_TEST/mnt
mount_fs "$cfg" "$mnt"
grep -q "metrics at http://127.0.0.1:$port/metrics" "$DGENFS_LOG" || fail "no log line for metrics_listen: $(cat "$DGENFS_LOG")"

# Hidden from the root, found by name.
root_list=$(ls -a "$mnt") || fail "ls -a $mnt"
grep -qx ".dgen" <<<"$root_list" && fail "/.dgen is listed in the root: $root_list"
dgen_list=$(ls "$mnt/.dgen") || fail "ls $mnt/.dgen"
[ "$dgen_list" = $'metrics\nstats.json' ] || fail "ls $mnt/.dgen: $dgen_list"

# group NAME FIELD: a counter of one file set, from stats.json.
group() {
    python3 - "$mnt/.dgen/stats.json" "$1" "$2" <<'PY' || fail "stats.json does not parse or lacks set $2"
import json, sys
d = json.load(open(sys.argv[1]))
print(next(g[sys.argv[3]] for g in d["sets"] if g["name"] == sys.argv[2]))
PY
}
total() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"][sys.argv[2]])' "$mnt/.dgen/stats.json" "$1" || fail "stats.json totals"; }

fb0=$(group dir/f.bin bytes); fr0=$(group dir/f.bin requests)
sb0=$(group many bytes); sr0=$(group many requests)
tb0=$(total bytes); tr0=$(total requests)
# 3000000 bytes of the [file]: two 1 MiB requests and one of 902848 (direct_io: one
# request per read); 7 reads of 4 KiB from a member of the [set].
dd if="$mnt/dir/f.bin" of=/dev/null bs=1M iflag=count_bytes count=3000000 status=none || fail "dd of the file"
dd if="$mnt/many/f00000003" of=/dev/null bs=4k count=7 iflag=skip_bytes skip=1000 status=none || fail "dd of the set member"
fb=$(($(group dir/f.bin bytes) - fb0)); fr=$(($(group dir/f.bin requests) - fr0))
sb=$(($(group many bytes) - sb0)); sr=$(($(group many requests) - sr0))
tb=$(($(total bytes) - tb0)); tr=$(($(total requests) - tr0))
[ "$fb" -eq 3000000 ] || fail "[file] dir/f.bin: $fb bytes counted, 3000000 read"
[ "$fr" -eq 3 ] || fail "[file] dir/f.bin: $fr requests counted, 3 made"
[ "$sb" -eq 28672 ] || fail "[set] many: $sb bytes counted, 28672 read"
[ "$sr" -eq 7 ] || fail "[set] many: $sr requests counted, 7 made"
[ "$tb" -eq 3028672 ] || fail "totals: $tb bytes counted, 3028672 read"
[ "$tr" -eq 10 ] || fail "totals: $tr requests counted, 10 made"
python3 - "$mnt/.dgen/stats.json" "$(realpath "$mnt")" "$(realpath "$cfg")" "$DGENFS_LOG" <<'PY' || fail "stats.json fields: $(cat "$mnt/.dgen/stats.json")"
import json, re, sys
d = json.load(open(sys.argv[1]))
# The transport the start-up log names (io_uring where the kernel lets it, test-fs-uring.sh);
# over io_uring each queue reports as a worker named by its CPU, with where it answered.
t = d["transport"]
assert t == "classic /dev/fuse" or re.fullmatch(r"io_uring, \d+ queues? \(one per CPU\)", t), t
assert f"transport: {t}" in open(sys.argv[4]).read(), t
queues = [w for w in d["workers"] if "queue" in w]
assert bool(queues) == t.startswith("io_uring"), queues
assert all(q["own_cpu"] + q["other_cpu"] >= q["requests"] for q in queues), queues
assert d["kernel"] and d["version"], d
assert d["mountpoints"] == [sys.argv[2]], d["mountpoints"]
assert d["config"] == sys.argv[3], d["config"]
assert d["uptime_seconds"] > 0
assert sum(w["bytes"] for w in d["workers"]) + d["mount_thread"]["bytes"] == d["totals"]["bytes"]
assert sum(n["bytes"] for n in d["nodes"]) + d["mount_thread"]["bytes"] == d["totals"]["bytes"]
h = d["read_size_bytes"]
assert h["count"] == d["totals"]["requests"], h
assert sum(b["count"] for b in h["buckets"]) == h["count"]
assert d["verify"]["bytes_checked"] == 0 and d["verify"]["recent"] == []
PY
echo "ok: stats.json counts exactly what was read, per file set"

# Each lookup is a snapshot of its own, with its real size: stat, ls -l and fstat give it,
# a second cat after more reads sees them, and a file kept open keeps its snapshot.
size=$(stat -c %s "$mnt/.dgen/stats.json") || fail "stat of stats.json"
[ "$size" -gt 0 ] || fail "stats.json has size $size"
long=$(ls -l "$mnt/.dgen") || fail "ls -l $mnt/.dgen"
sizes=$(awk '/ (metrics|stats.json)$/ && $5 > 0 {n++} END {print n + 0}' <<<"$long")
[ "$sizes" -eq 2 ] || fail "ls -l $mnt/.dgen does not show two sizes > 0: $long"
cat "$mnt/.dgen/stats.json" >"$TMPDIR_TEST/before.json" || fail "cat of stats.json"
dd if="$mnt/many/f00000001" of=/dev/null bs=4k count=5 status=none || fail "dd of a set member"
cat "$mnt/.dgen/stats.json" >"$TMPDIR_TEST/after.json" || fail "second cat of stats.json"
python3 - "$TMPDIR_TEST/before.json" "$TMPDIR_TEST/after.json" <<'PY2' || fail "the second cat is not a fresh snapshot"
import json, sys
before, after = (json.load(open(p))["totals"] for p in sys.argv[1:])
assert after["bytes"] - before["bytes"] == 20480, (before, after)
assert after["requests"] - before["requests"] == 5, (before, after)
PY2
python3 - "$mnt/.dgen/stats.json" "$mnt/many/f00000002" <<'PY2' || fail "a snapshot kept open"
import json, os, sys
with open(sys.argv[1], "rb") as f:
    first = f.read()
    assert os.fstat(f.fileno()).st_size == len(first) > 0, (os.fstat(f.fileno()).st_size, len(first))
    json.loads(first)
    with open(sys.argv[2], "rb") as d:
        d.read(8192)
    with open(sys.argv[1], "rb") as g:
        later = g.read()
    assert later != first, "a later open sees the same snapshot"
    f.seek(0)
    again = f.read()
    assert again == first, "re-read after seek(0) differs from the first read"
PY2
echo "ok: each open sees the snapshot of its lookup, with its size; a kept one stays"

# Read-only.
for w in "echo x >'$mnt/.dgen/stats.json'" "touch '$mnt/.dgen/new'" "mkdir '$mnt/.dgen/d'"; do
    err=$(bash -c "$w" 2>&1) && fail "accepted: $w"
    grep -q "Read-only file system" <<<"$err" || fail "$w: not EROFS: $err"
done

# The Prometheus text, as a file and over HTTP (404 elsewhere).
cp "$mnt/.dgen/metrics" "$TMPDIR_TEST/metrics.txt" || fail "cp of metrics"
[ -s "$TMPDIR_TEST/metrics.txt" ] || fail "cp copied an empty metrics file"
promtool check metrics <"$TMPDIR_TEST/metrics.txt" || fail "promtool check metrics: $(cat "$TMPDIR_TEST/metrics.txt")"
python3 - "$port" <<'PY' || fail "HTTP /metrics"
import sys, urllib.request, urllib.error
base = "http://127.0.0.1:%s" % sys.argv[1]
body = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
assert 'dgenfs_read_bytes_total{set="dir/f.bin"' in body, body
try:
    urllib.request.urlopen(base + "/other", timeout=10)
    sys.exit("/other answered")
except urllib.error.HTTPError as e:
    assert e.code == 404, e.code
PY
echo "ok: metrics passes promtool; /metrics over HTTP, 404 elsewhere"

# A real Prometheus scrapes it and answers a query with the bytes read.
cat >"$TMPDIR_TEST/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: dgenfs
    static_configs:
      - targets: ['127.0.0.1:$port']
YML
prometheus --config.file="$TMPDIR_TEST/prometheus.yml" --storage.tsdb.path="$TMPDIR_TEST/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" >"$TMPDIR_TEST/prometheus.log" 2>&1 &
prom_pid=$!
on_exit "kill $prom_pid 2>/dev/null; wait $prom_pid 2>/dev/null"
python3 - "$prom_port" <<'PY' || fail "Prometheus did not report the bytes read: $(tail -5 "$TMPDIR_TEST/prometheus.log")"
import json, sys, time, urllib.parse, urllib.request
q = urllib.parse.quote('sum(dgenfs_read_bytes_total{set="dir/f.bin"})')
url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1], q)
last = None
for _ in range(120):
    try:
        r = json.load(urllib.request.urlopen(url, timeout=5))
        res = r["data"]["result"]
        last = res
        if res and res[0]["value"][1] == "3000000":
            print("prometheus: %s" % res[0]["value"][1])
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit("last answer: %r" % (last,))
PY
echo "ok: Prometheus scraped metrics_listen and answered the query"

# The port is taken (by the daemon above): a second dgenfs says so and mounts nothing.
mkdir -p "$TMPDIR_TEST/mnt2"
rc=0
timeout 30 "$DGENFS" "$cfg" "$TMPDIR_TEST/mnt2" -f 2>"$TMPDIR_TEST/busy.log" || rc=$?
on_exit "is_mounted '$TMPDIR_TEST/mnt2' && fusermount3 -u '$TMPDIR_TEST/mnt2'"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "dgenfs with a busy metrics port exited $rc"
grep -q "metrics_listen: cannot listen on 127.0.0.1:$port: Address already in use; nothing mounted" "$TMPDIR_TEST/busy.log" ||
    fail "no clear message for a busy port: $(cat "$TMPDIR_TEST/busy.log")"
is_mounted "$TMPDIR_TEST/mnt2" && fail "a mount was left at $TMPDIR_TEST/mnt2"
echo "ok: a busy port: exit $rc, nothing mounted"

# dgen stat: a header and one line per interval.
"$DGEN" stat "$mnt" 1 --count 2 >"$TMPDIR_TEST/stat.out" || fail "dgen stat exited $?"
lines=$(grep -vc "^time" "$TMPDIR_TEST/stat.out") || true
[ "$lines" -eq 2 ] || fail "dgen stat MNT 1 --count 2 printed $lines lines: $(cat "$TMPDIR_TEST/stat.out")"
"$DGEN" stat "$mnt" --json >"$TMPDIR_TEST/stat.json" || fail "dgen stat --json"
python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read()); assert "gbps" in d and d["nodes"]' "$TMPDIR_TEST/stat.json" ||
    fail "dgen stat --json: $(cat "$TMPDIR_TEST/stat.json")"
rc=0
"$DGEN" stat "$TMPDIR_TEST" 2>"$TMPDIR_TEST/stat.err" >/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "dgen stat of a plain directory exited $rc, want 1"
grep -q "is not a dgenfs mount" "$TMPDIR_TEST/stat.err" || fail "dgen stat: $(cat "$TMPDIR_TEST/stat.err")"
echo "ok: dgen stat"
