#!/usr/bin/env bash
# Regression: the metrics server (metrics_listen) was stopped after the workers' counters
# it reads were freed, so a scrape while the daemon stopped read freed memory (found by
# ThreadSanitizer under test-fs-stats; AddressSanitizer sees a heap-use-after-free). Here
# /metrics is scraped without pause through an unmount: every scrape answers, the daemon
# exits 0 and logs no sanitizer report. Only the sanitizer builds see the bug reliably.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires python3
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cfg="$TMPDIR_TEST/c.ini"
printf '[dataset]\nseed = 5\nmetrics_listen = 127.0.0.1:%s\n[file]\npath = f.bin\nsize = 64MiB\n' "$port" >"$cfg"
mount_fs "$cfg" "$TMPDIR_TEST/m"

# Scrapes until the server is gone (connection refused), counting the answers.
count="$TMPDIR_TEST/scrapes"
python3 - "$port" "$count" <<'PY' &
import os, sys, time, urllib.request
url, n = f"http://127.0.0.1:{sys.argv[1]}/metrics", 0
deadline = time.time() + 60
while time.time() < deadline:
    try:
        body = urllib.request.urlopen(url, timeout=5).read()
    except OSError:
        if n: break
        continue
    if b"dgenfs_" not in body: sys.exit(f"scrape {n}: no dgenfs_ metric in the answer")
    n += 1
    # Replaced, not rewritten: a reader must never see the file truncated and empty.
    open(sys.argv[2] + ".new", "w").write(str(n))
    os.replace(sys.argv[2] + ".new", sys.argv[2])
PY
scraper=$!
on_exit "kill $scraper 2>/dev/null"
for _ in $(seq 100); do [ -s "$count" ] && break; sleep 0.05; done
[ -s "$count" ] || fail "no scrape answered: $(cat "$DGENFS_LOG")"
cat "$TMPDIR_TEST/m/f.bin" >/dev/null || fail "read before the unmount"
fusermount3 -u "$(realpath "$TMPDIR_TEST/m")" || fail "unmount"
rc=0
wait "$DGENFS_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "dgenfs exited $rc while scraped: $(tail -30 "$DGENFS_LOG")"
wait "$scraper" || fail "the scraper failed"
! grep -E "Sanitizer|runtime error" "$DGENFS_LOG" || fail "the daemon's log has a sanitizer report"
echo "ok: $(cat "$count") scrapes through an unmount; dgenfs exited 0"
