#!/usr/bin/env bash
# The daemon under faults while readers run (issue 10, "Faults"):
# - SIGTERM, SIGINT and SIGHUP under load: the daemon unmounts and exits 0, and every
#   reader ends (an error or EOF), none hangs;
# - SIGSTOP/SIGCONT during reads: the reads wait, then finish with the right bytes;
# - readers killed mid-read: the daemon serves on, its log says nothing above notice;
# - reads interrupted by a signal (the kernel sends FUSE_INTERRUPT): every byte returned
#   right, the daemon serves on, nothing above notice in its log;
# - the config changed or deleted while mounted (SIGUSR2 too): no effect until restart.
source "$(dirname "$0")/functions.sh"
requires_fuse
requires python3 sha256sum dd

cfg=$TMPDIR_TEST/faults.ini
printf '[file]\npath = big\nsize = 64GiB\n\n[file]\npath = f\nsize = 64MiB\n' >"$cfg"
mnt=$TMPDIR_TEST/mnt

# read_bytes PID: bytes the process has read so far (rchar counts reads through FUSE).
read_bytes() { awk '/^rchar:/ {print $2}' "/proc/$1/io" 2>/dev/null || echo 0; }
# until_reading PID...: returns once each has read at least 1 MiB.
until_reading() {
    for p in "$@"; do
        for _ in $(seq 600); do [ "$(read_bytes "$p")" -ge $((1 << 20)) ] && break; sleep 0.05; done
        [ "$(read_bytes "$p")" -ge $((1 << 20)) ] || fail "reader $p read nothing in 30 s"
    done
}
# check_piece OFFSET LENGTH SHA: the sha256 of LENGTH bytes of 'big' at OFFSET.
check_piece() {
    local want
    want=$("$DGEN" cat --config "$cfg" big --offset "$1" --length "$2" | sha256sum | cut -c1-64) || fail "dgen cat big"
    [ "$want" = "$3" ] || fail "big: $2 bytes at $1 differ from dgen cat"
}

# --- SIGTERM, SIGINT, SIGHUP under load ---------------------------------------------
for sig in TERM INT HUP; do
    serve_fs "$cfg" "$mnt" -o auto_unmount
    readers=()
    for k in 0 1 2; do
        dd if="$mnt/big" of=/dev/null bs=1M skip=$((k * 4096)) 2>"$TMPDIR_TEST/dd$k.err" &
        readers+=($!)
    done
    until_reading "${readers[@]}"
    stop_serving "SIG$sig under load" "$sig" 0
    ends=""
    for k in 0 1 2; do
        wait_gone "${readers[k]}" "SIG$sig under load: reader $k"
        rc=0; wait "${readers[k]}" || rc=$?
        ends+=" $rc"  # 1 with an error ("Software caused connection abort"), or 0 at EOF
    done
    is_mounted "$mnt" && fail "SIG$sig under load left $mnt mounted"
    grep -q "stopping: served" "$DGENFS_LOG" || fail "SIG$sig: no stop line: $(cat "$DGENFS_LOG")"
    [ -z "$(log_problems "$DGENFS_LOG")" ] || fail "SIG$sig under load: the log has: $(log_problems "$DGENFS_LOG")"
    echo "ok: SIG$sig with 3 readers: daemon exit 0, readers ended (exit$ends), unmounted"
done

# --- SIGSTOP / SIGCONT during reads -------------------------------------------------
serve_fs "$cfg" "$mnt" -o auto_unmount
want=$("$DGEN" cat --config "$cfg" f | sha256sum | cut -c1-64) || fail "dgen cat f"
for round in 1 2 3; do
    sha256sum <"$mnt/f" >"$TMPDIR_TEST/sum" &
    reader=$!
    until_reading "$reader"
    kill -STOP "$DGENFS_PID"
    sleep 0.5
    # A reader started while the daemon is stopped waits too.
    sha256sum <"$mnt/f" >"$TMPDIR_TEST/sum2" &
    late=$!
    sleep 0.5
    kill -CONT "$DGENFS_PID"
    wait_gone "$reader" "reader after SIGCONT (round $round)"
    wait "$reader" || fail "round $round: the reader failed after SIGSTOP/SIGCONT"
    wait_gone "$late" "reader started while stopped (round $round)"
    wait "$late" || fail "round $round: the reader started while stopped failed"
    [ "$(cut -c1-64 "$TMPDIR_TEST/sum")" = "$want" ] || fail "round $round: wrong bytes after SIGSTOP/SIGCONT"
    [ "$(cut -c1-64 "$TMPDIR_TEST/sum2")" = "$want" ] || fail "round $round: wrong bytes, reader started while stopped"
done
echo "ok: SIGSTOP/SIGCONT during reads, 3 rounds: the reads waited and finished right"

# --- readers killed mid-read --------------------------------------------------------
for i in $(seq 10); do
    dd if="$mnt/big" of=/dev/null bs=4M skip=$((i * 100)) 2>/dev/null &
    reader=$!
    until_reading "$reader"
    kill -KILL "$reader"
    wait "$reader" 2>/dev/null || true  # killed: its status is 137 by design
done
kill -0 "$DGENFS_PID" 2>/dev/null || fail "the daemon died after readers were killed: $(cat "$DGENFS_LOG")"
got=$(dd if="$mnt/big" bs=1M skip=1000 count=16 2>/dev/null | sha256sum | cut -c1-64) || fail "read after kills"
check_piece $((1000 << 20)) $((16 << 20)) "$got"
[ -z "$(log_problems "$DGENFS_LOG")" ] || fail "readers killed: the log has: $(log_problems "$DGENFS_LOG")"
echo "ok: 10 readers killed mid-read: the daemon serves on, the log is clean"
stop_serving "SIGTERM after the kills" TERM 0

# --- FUSE_INTERRUPT: reads interrupted by a signal ----------------------------------
# -d: the workers log each INTERRUPT the kernel sent (at debug level, <7>, "opcode:
# INTERRUPT", as libfuse's trace would), so the test knows it tested something. They do
# not pass it to libfuse, which parked one it could not match and never freed it (a leak
# LeakSanitizer saw: 512 bytes, libfuse's fuse_req): this daemon runs with leak checks.
# The reader catches SIGUSR1 (Python retries a call the signal interrupted with nothing
# read); a read cut short returns what it had.
# Over /dev/fuse (transport = classic) the kernel sends each interrupt as FUSE_INTERRUPT,
# and this test wants to see some; over io_uring (Linux 6.18) it sent none in our runs, so
# there the bytes and the daemon's health are checked, and the count only reported.
interrupted_reads() {  # TRANSPORT
local tcfg=$TMPDIR_TEST/faults-$1.ini
{ echo "[dataset]"; echo "transport = $1"; cat "$cfg"; } >"$tcfg"
serve_fs "$tcfg" "$mnt" -o auto_unmount -d
python3 - "$mnt/big" >"$TMPDIR_TEST/reads" <<'PY' &
import hashlib, os, signal, sys
signals = 0
def on_usr1(sig, frame):
    global signals
    signals += 1
signal.signal(signal.SIGUSR1, on_usr1)
fd = os.open(sys.argv[1], os.O_RDONLY)
print("ready", flush=True)
short = 0
for i in range(20):
    offset = i * (977 << 20) + i * 4093  # spread over the file, not page-aligned
    data = os.pread(fd, 16 << 20, offset)
    short += len(data) < (16 << 20)
    print(offset, len(data), hashlib.sha256(data).hexdigest(), flush=True)
signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # the sender stops only once it reads "done"
print("done", signals, short, flush=True)
PY
reader=$!
for _ in $(seq 200); do grep -q '^ready' "$TMPDIR_TEST/reads" && break; sleep 0.05; done
grep -q '^ready' "$TMPDIR_TEST/reads" || fail "the interrupted reader did not start"
while ! grep -q '^done' "$TMPDIR_TEST/reads" && kill -USR1 "$reader" 2>/dev/null; do sleep 0.01; done
wait "$reader" || fail "the interrupted reader failed: $(tail -3 "$TMPDIR_TEST/reads")"
read -r _ signals short < <(grep '^done' "$TMPDIR_TEST/reads") || fail "the reader did not finish"
while read -r offset length sha; do
    [ "$length" -gt 0 ] || fail "an interrupted read at $offset returned nothing"
    check_piece "$offset" "$length" "$sha"
done < <(grep -E '^[0-9]' "$TMPDIR_TEST/reads")
interrupts=$(grep -c 'opcode: INTERRUPT' "$DGENFS_LOG" || true)
[ "$1" = uring ] || [ "$interrupts" -gt 0 ] || fail "no FUSE_INTERRUPT reached the daemon ($signals signals): nothing was tested"
kill -0 "$DGENFS_PID" 2>/dev/null || fail "the daemon died of interrupts: $(tail -5 "$DGENFS_LOG")"
[ -z "$(log_problems "$DGENFS_LOG")" ] || fail "interrupts: the log has: $(log_problems "$DGENFS_LOG" | head -5)"
echo "ok ($1): 20 reads of 16 MiB under $signals signals: $interrupts FUSE_INTERRUPTs, $short short reads, every byte right"
}
interrupted_reads classic
if [ "$(cat /sys/module/fuse/parameters/enable_uring 2>/dev/null)" = Y ]; then
    fusermount3 -u "$mnt" || fail "unmount after the classic interrupts"
    for _ in $(seq 100); do kill -0 "$DGENFS_PID" 2>/dev/null || break; sleep 0.05; done
    interrupted_reads uring
fi
stop_serving "SIGTERM after the interrupts" TERM 0

# --- the config changed or deleted while mounted ------------------------------------
live=$TMPDIR_TEST/live.ini
cp "$cfg" "$live"
serve_fs "$live" "$mnt" -o auto_unmount
before=$(sha256sum <"$mnt/f") || fail "read f"
printf '[dataset]\nseed = 99\n[file]\npath = f\nsize = 1MiB\n[file]\npath = g\nsize = 1MiB\n' >"$live"
kill -USR2 "$DGENFS_PID"
for _ in $(seq 100); do grep -q "reload: nothing re-read" "$DGENFS_LOG" && break; sleep 0.05; done
grep -q "reload: nothing re-read" "$DGENFS_LOG" || fail "SIGUSR2: no reload line: $(cat "$DGENFS_LOG")"
[ "$(stat -c %s "$mnt/f")" -eq $((64 << 20)) ] || fail "a changed config changed f's size"
[ ! -e "$mnt/g" ] || fail "a changed config added g"
[ "$(sha256sum <"$mnt/f")" = "$before" ] || fail "a changed config changed f's bytes"
rm "$live"
kill -USR2 "$DGENFS_PID"
[ "$(sha256sum <"$mnt/f")" = "$before" ] || fail "a deleted config changed f's bytes"
[ "$(ls "$mnt")" = "$(printf 'big\nf')" ] || fail "a deleted config changed the tree: $(ls "$mnt")"
stop_serving "SIGTERM with the config deleted" TERM 0
[ -z "$(log_problems "$DGENFS_LOG")" ] || fail "config changed: the log has: $(log_problems "$DGENFS_LOG")"
# And a restart does apply the new config: it is not a config without effect.
printf '[dataset]\nseed = 99\n[file]\npath = f\nsize = 1MiB\n' >"$live"
serve_fs "$live" "$mnt" -o auto_unmount
[ "$(stat -c %s "$mnt/f")" -eq $((1 << 20)) ] || fail "after a restart the new config is not served"
fusermount3 -u "$mnt" || fail "fusermount3 -u"
wait_gone "$DGENFS_PID" "the daemon after fusermount3 -u"
rc=0; wait "$DGENFS_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "unmount: exit $rc"
echo "ok: the config changed, then deleted, while mounted: nothing changed until the restart"
