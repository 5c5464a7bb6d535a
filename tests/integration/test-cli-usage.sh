#!/usr/bin/env bash
# Every command has --help; bad values are usage errors (exit 2) that name the problem.
source "$(dirname "$0")/functions.sh"

grep -q "dgen1, dgen2" <<<"$("$DGEN" --help)" || fail "dgen --help does not name the formats"
grep -q "formats dgen1 dgen2 (default dgen2)" <<<"$("$DGEN" --version)" || fail "dgen --version"
[ "$("$DGEN" -V)" = "$("$DGEN" --version)" ] || fail "dgen -V differs from --version"
[ "$("$DGENFS" -V)" = "$("$DGENFS" --version)" ] || fail "dgenfs -V differs from --version"
grep -qx "dgenfs [0-9.]*" <<<"$("$DGENFS" --version | head -1)" || fail "dgenfs --version: first line"
for cmd in cat check verify bench ls stat; do
    "$DGEN" "$cmd" --help >"$TMPDIR_TEST/help" || fail "dgen $cmd --help exited non-zero"
    grep -q "Usage: dgen $cmd" "$TMPDIR_TEST/help" || fail "dgen $cmd --help has no usage line"
done

# Commands: a missing or unknown one is named, with the list (regression: CLI11 said
# only "A subcommand is required").
expect_usage_error "dgen: a command is required: cat, check, verify, bench, ls, stat" --
expect_usage_error "dgen: unknown command 'frobnicate' (commands: cat, check, verify, bench, ls, stat)" -- frobnicate
# An unknown option of dgen's own is named (regression: only "a command is required").
expect_usage_error "dgen: unknown option '--bogus' (dgen's own: -h, --help, -V, --version); a command is required" -- --bogus
expect_usage_error "did you mean 'check'?" -- chekc --size 1
expect_usage_error "dgen check: The following argument was not expected: --bogus" -- check --bogus
expect_usage_error "--size is required" -- cat
# Values: the config's grammar and messages (docs/CONFIG.md "Value types").
expect_usage_error "dgen cat: --dedup: ratio 'nan': expected a decimal number >= 1" -- cat --size 1MiB --dedup nan
expect_usage_error "--compress: ratio '0.5': must be >= 1" -- cat --size 1MiB --compress 0.5
expect_usage_error "--dedup: ratio 'inf'" -- check --dedup inf
expect_usage_error "--dedup: ratio '0x10'" -- check --dedup 0x10
expect_usage_error "--dedup: ratio '1e309' is out of range: at most 1000000" -- check --dedup 1e309
expect_usage_error "--compress: ratio '17' is above 16, the largest supported" -- check --compress 17
expect_usage_error "--size: size '17EiB': does not fit in 64 bits" -- cat --size 17EiB
expect_usage_error "size '99999999999999999999': does not fit in 64 bits" -- cat --size 99999999999999999999
expect_usage_error "--size: size '9EiB' is above the largest file, 2^63-1 bytes" -- cat --size 9EiB
expect_usage_error "unknown unit 'XB'" -- cat --size 4XB
expect_usage_error "--size: size '0x10KiB': a 0x hex size is a byte count" -- cat --size 0x10KiB
expect_usage_error "--unit: size '3000' is not a power of two from 512 B to 1 MiB" -- cat --size 1MiB --unit 3000
expect_usage_error "--unit: size '2MiB' is not a power of two" -- check --unit 2MiB
expect_usage_error "--seed: '-1' is not an unsigned integer" -- cat --size 1 --seed -1
expect_usage_error "--seed: '18446744073709551616' does not fit in 64 bits" -- cat --size 1 --seed 18446744073709551616
expect_usage_error "--format: format '3' is not supported" -- cat --size 1 --format 3
expect_usage_error "dedup_run 6 KiB must be a multiple of the unit (4 KiB)" -- cat --size 1 --dedup-run 6KiB
expect_usage_error "dedup_run 8 KiB needs format 2" -- cat --size 1 --dedup-run 8KiB --format 1
expect_usage_error "--offset: size 'x'" -- cat --size 1 --offset x
expect_usage_error "--simd avx9000: unknown or unsupported" -- cat --size 1 --simd avx9000
expect_usage_error "at least one whole unit" -- check --size 100
expect_usage_error "at least one whole dedup run (64 KiB)" -- check --size 32KiB --dedup-run 64KiB
expect_usage_error "--buffer 1000 B: must be a multiple of 4 KiB" -- bench --buffer 1000
expect_usage_error "--runs: '0' is outside 1..1000" -- bench --runs 0
expect_usage_error "--seconds: 'fast' is not a decimal number" -- bench --seconds fast
expect_usage_error "--seconds 61: must be in (0, 60]" -- bench --seconds 61
# --sample 0, as docs/dgen.md says, and a sample past the end check the whole stream.
for sample in 0 2MiB; do
    "$DGEN" check --size 1MiB --sample "$sample" >"$TMPDIR_TEST/check" || fail "dgen check --sample $sample"
    grep -q "; sample 1 MiB (256 units" "$TMPDIR_TEST/check" || fail "--sample $sample: $(cat "$TMPDIR_TEST/check")"
done
# Each command names its own way to take a stream from a config.
expect_usage_error "--size is required (or --config CONFIG PATH)" -- cat
expect_usage_error "--size is required (or --config CONFIG --root DIR)" -- verify f.bin
expect_usage_error "--stream: the stream name is empty" -- cat --size 1 --stream ""

# Leading zeros are decimal on the command line as in a config (regression: --seed 010
# was octal, 8).
expect_usage_error "is not a directory (give a dgenfs MOUNTPOINT)" -- stat /nonexistent/mnt
expect_usage_error "interval: '0' is not a number of seconds > 0" -- stat /tmp 0
# INTERVAL and --count in the config's grammar (regression: strtod took inf, a sleep
# that never ends, and hex; CLI11 read --count 010 as octal and said "Value x not in range").
for bad in inf nan 0x1p0 1e9 -1; do
    expect_usage_error "interval: '$bad' is not a number of seconds > 0, at most 86400" -- stat /tmp "$bad"
done
expect_usage_error "--count: '0' is outside 1.." -- stat /tmp 1 --count 0
expect_usage_error "--count: 'x' is not an unsigned integer" -- stat /tmp 1 --count x
# --count without INTERVAL (regression: ignored, one line printed).
expect_usage_error "--count needs INTERVAL" -- stat /tmp --count 3
# Into files first: a process substitution's failure is not seen, and two failed (empty)
# outputs would compare equal, one failed output unequal.
for seed in 010 10 8; do
    "$DGEN" cat --size 4KiB --seed "$seed" >"$TMPDIR_TEST/seed$seed" || fail "dgen cat --seed $seed"
done
cmp -s "$TMPDIR_TEST/seed010" "$TMPDIR_TEST/seed10" || fail "--seed 010 is not 10"
cmp -s "$TMPDIR_TEST/seed010" "$TMPDIR_TEST/seed8" && fail "--seed 010 is 8"
echo "ok"
