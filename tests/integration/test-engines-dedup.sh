#!/usr/bin/env bash
# Real backup engines see the dedup ratio: borg (buzhash chunker, 8 KiB and its default
# 2 MiB average chunks) and restic (Rabin, 1 MiB) back up `dgen cat` streams with
# dedup runs, and the ratio each measures (bytes in / unique bytes stored, compression
# off) is within 5% of D for D = 2 and 5. Duplicates as single units, which chunkers
# cannot see, are measured too: about 1, which is why dedup_run exists.
#
# Run lengths: a few chunks around each run boundary stay unique, so a chunker of average
# chunk c sees about 1 / (1/D + 5c/L); runs of ~1000 c (8 KiB chunks) or 512 c (MiB
# chunks: fewer runs fit in a test) keep that within a few percent. The streams hold 10
# to 100 runs, whole multiples of D, so the exact D is in the data.
source "$(dirname "$0")/functions.sh"
requires borg restic python3
[ "${DGEN_SANITIZED:-0}" = 1 ] &&
    skip "measures backup engines (minutes of borg and restic), not our memory use: runs in the Release pass"

export BORG_BASE_DIR=$TMPDIR_TEST/borg-home BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
export RESTIC_PASSWORD=dgen-test RESTIC_CACHE_DIR=$TMPDIR_TEST/restic-cache
table=$TMPDIR_TEST/table
printf '%-7s %-26s %4s %8s %8s %9s %9s\n' engine chunker D run size measured deviation >"$table"

# measure ENGINE CHUNKER-PARAMS DGEN-CAT-ARGS...: prints bytes-in / unique-bytes-stored.
measure() {
    local engine=$1 chunker=$2 repo=$TMPDIR_TEST/repo
    shift 2
    rm -rf "$repo"
    if [ "$engine" = borg ]; then
        borg init -e none "$repo" >/dev/null 2>&1 || fail "borg init"
        "$DGEN" cat "$@" | borg create -C none --chunker-params "$chunker" --stdin-name data "$repo::a" - ||
            fail "borg create ($chunker) of dgen cat $*"
        borg info --json "$repo" >"$TMPDIR_TEST/info.json" || fail "borg info"
        python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["cache"]["stats"]; print(s["total_size"]/s["unique_size"])' \
            "$TMPDIR_TEST/info.json" || fail "borg info json"
    else
        restic init -q --repository-version 1 -r "$repo" >/dev/null || fail "restic init"
        "$DGEN" cat "$@" | restic -q -r "$repo" backup --stdin --stdin-filename data >/dev/null ||
            fail "restic backup of dgen cat $*"
        restic -q -r "$repo" stats --mode restore-size --json >"$TMPDIR_TEST/in.json" || fail "restic stats"
        restic -q -r "$repo" stats --mode raw-data --json >"$TMPDIR_TEST/stored.json" || fail "restic stats"
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total_size"]/json.load(open(sys.argv[2]))["total_size"])' \
            "$TMPDIR_TEST/in.json" "$TMPDIR_TEST/stored.json" || fail "restic stats json"
    fi
    rm -rf "$repo"
}

failures=0
# check ENGINE CHUNKER-NAME CHUNKER-PARAMS D RUN SIZE: measured within 5% of D.
check() {
    local engine=$1 name=$2 params=$3 d=$4 run=$5 size=$6 got
    got=$(measure "$engine" "$params" --seed 7 --size "$size" --dedup "$d" --dedup-run "$run") || exit 1
    python3 - "$got" "$d" <<'PY' || failures=$((failures + 1))
import sys
got, d = float(sys.argv[1]), float(sys.argv[2])
sys.exit(0 if abs(got / d - 1) <= 0.05 else 1)
PY
    printf '%-7s %-26s %4s %8s %8s %9.4f %+8.1f%%\n' "$engine" "$name" "$d" "$run" "$size" "$got" \
        "$(python3 -c "print(($got / $4 - 1) * 100)")" >>"$table"
}

borg8k=buzhash,10,16,13,4095  # 1 KiB min, 64 KiB max, 2^13: 8 KiB average
borg2m=buzhash,19,23,21,4095  # borg's default: 512 KiB min, 8 MiB max, 2 MiB average
check borg "buzhash 8KiB avg" "$borg8k" 2 8MiB 800MiB
check borg "buzhash 8KiB avg" "$borg8k" 5 8MiB 800MiB
check borg "buzhash 2MiB avg (default)" "$borg2m" 2 1GiB 10GiB
check borg "buzhash 2MiB avg (default)" "$borg2m" 5 1GiB 20GiB
check restic "rabin 1MiB avg (default)" default 2 512MiB 5GiB
check restic "rabin 1MiB avg (default)" default 5 512MiB 10GiB

# Without runs (dgen1's layout), the same chunker finds almost nothing to dedup.
single=$(measure borg "$borg8k" --seed 7 --size 320MiB --dedup 2) || exit 1
printf '%-7s %-26s %4s %8s %8s %9.4f %+8.1f%%\n' borg "buzhash 8KiB avg" 2 unit 320MiB "$single" \
    "$(python3 -c "print(($single / 2 - 1) * 100)")" >>"$table"
python3 -c "import sys; sys.exit(0 if float('$single') < 1.1 else 1)" ||
    fail "single-unit duplicates were seen by an 8 KiB chunker ($single): the run test proves nothing"

cat "$table"
[ "$failures" -eq 0 ] || fail "$failures engine measurement(s) off D by more than 5%"
echo "ok"
