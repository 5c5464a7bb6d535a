#!/usr/bin/env bash
# Every command has --help; bad values are usage errors (exit 2) that name the problem.
source "$(dirname "$0")/functions.sh"

grep -q "dgen1" <<<"$("$DGEN" --help)" || fail "dgen --help does not name the format"
grep -q "format dgen1" <<<"$("$DGEN" --version)" || fail "dgen --version"
for cmd in cat check bench; do
    "$DGEN" "$cmd" --help >"$TMPDIR_TEST/help" || fail "dgen $cmd --help exited non-zero"
    grep -q "Usage: dgen $cmd" "$TMPDIR_TEST/help" || fail "dgen $cmd --help has no usage line"
done

expect_usage_error "A subcommand is required" --
expect_usage_error "not expected: --bogus" -- check --bogus
expect_usage_error "--size is required" -- cat
expect_usage_error "ratio 'nan': must be a finite number" -- cat --size 1MiB --dedup nan
expect_usage_error "ratio '0.5': must be >= 1" -- cat --size 1MiB --compress 0.5
expect_usage_error "ratio 'inf'" -- check --dedup inf
expect_usage_error "compress 17 is above the largest supported, 16" -- check --compress 17
expect_usage_error "size '17EiB': does not fit in 64 bits" -- cat --size 17EiB
expect_usage_error "size '99999999999999999999': does not fit in 64 bits" -- cat --size 99999999999999999999
expect_usage_error "exceeds the largest stream" -- cat --size 9EiB
expect_usage_error "unknown unit 'XB'" -- cat --size 4XB
expect_usage_error "unit 3000 must be a power of two" -- cat --size 1MiB --unit 3000
expect_usage_error "--unit 2MiB: must be a power of two from 512 B to 1 MiB" -- check --unit 2MiB
expect_usage_error "--seed '-1': expected an unsigned 64-bit integer" -- cat --size 1 --seed -1
expect_usage_error "--simd avx9000: unknown or unsupported" -- cat --size 1 --simd avx9000
expect_usage_error "at least one whole unit" -- check --size 100
expect_usage_error "--buffer 1000: must be a multiple of 4 KiB" -- bench --buffer 1000
expect_usage_error "--runs must be 1..1000" -- bench --runs 0
echo "ok"
