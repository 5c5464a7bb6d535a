#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time over a copy of its seed corpus, and fails
# if any of them finds a crash, a leak, a sanitizer report, a broken property or a hang.
#
#   tests/fuzz/run-fuzzers.sh SECONDS [TARGET...]     TARGET: config values namespace stream
#
# Environment: FUZZ_BUILD (default build-fuzz: a build with -DDGEN_FUZZ=ON, docs/FUZZING.md),
# FUZZ_JOBS (targets run at once, default 2), FUZZ_KEEP (a directory: the grown corpora
# and any crashing inputs are copied there; default: nothing is kept, so the repository's
# corpora stay as committed). Prints each target's executions; exit 1 on any finding.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:?usage: run-fuzzers.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config values namespace stream)
build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-2}

work=$(mktemp -d /tmp/dgen-fuzz.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

for t in "${targets[@]}"; do
    [ -x "$build/tests/fuzz/fuzz_$t" ] || { echo "run-fuzzers: no $build/tests/fuzz/fuzz_$t (build it: docs/FUZZING.md)" >&2; exit 2; }
    [ -d "tests/fuzz/corpus/$t" ] || { echo "run-fuzzers: no seed corpus tests/fuzz/corpus/$t" >&2; exit 2; }
done

# One target: its corpus copied, so that new inputs grow the copy, not the repository.
# -timeout: one input running this long is a hang (every input here takes milliseconds).
run_one() {
    local t=$1 dir=$work/$1
    mkdir -p "$dir/corpus" "$dir/found"
    cp -r "tests/fuzz/corpus/$t/." "$dir/corpus/"
    # The shipped configs seed the loader too, read from where they live so they never go stale.
    if [ "$t" = config ]; then
        for f in config/*.ini config/examples/*.ini; do cp "$f" "$dir/corpus/shipped-${f//\//-}"; done
    fi
    find "$dir/corpus" -type f | wc -l >"$dir/seeds"
    exec "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 -artifact_prefix="$dir/found/" "$dir/corpus" >"$dir/log" 2>&1
}

failed=0
report() {
    local t=$1 rc=$2 dir=$work/$1
    local execs inputs
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    inputs=$(find "$dir/corpus" -type f | wc -l)
    if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$dir/found")" ]; then
        printf 'fuzz_%-10s ok: %s executions in %ss, corpus %s -> %s inputs\n' "$t" "${execs:-?}" "$seconds" \
            "$(cat "$dir/seeds")" "$inputs"
    else
        failed=1
        printf 'fuzz_%-10s FAILED (exit %s) after %s executions; its log ends:\n' "$t" "$rc" "${execs:-?}"
        tail -n 40 "$dir/log" | sed 's/^/    /'
        ls "$dir/found" | sed 's/^/    found: /'
    fi
    if [ -n "${FUZZ_KEEP:-}" ]; then
        mkdir -p "$FUZZ_KEEP/$t"
        cp -r "$dir/." "$FUZZ_KEEP/$t/"
    fi
}

# At most $jobs at once; each reported as it ends, in the order started.
names=()
for t in "${targets[@]}"; do
    if [ ${#pids[@]} -ge "$jobs" ]; then
        rc=0
        wait "${pids[0]}" || rc=$?
        report "${names[0]}" "$rc"
        pids=("${pids[@]:1}")
        names=("${names[@]:1}")
    fi
    run_one "$t" &
    pids+=($!)
    names+=("$t")
done
for i in "${!pids[@]}"; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    report "${names[$i]}" "$rc"
done
pids=()
[ "$failed" -eq 0 ] || { echo "run-fuzzers: a fuzz target found a problem (above); docs/FUZZING.md says what to do" >&2; exit 1; }
