#!/usr/bin/env bash
# Every config key that `dgen` also takes as an option reads the same value the same way,
# through the real binaries: `dgen cat --KEY=VALUE` against `dgen cat --config` of a file
# with `key = VALUE`, and `dgen bench --per-node --show-plan` against `dgenfs --show-plan`
# for the NUMA keys. Both must give the same bytes (or plan), or the same error message.
# Prints the table it checked (the closing note of issue 7 quotes it).
source "$(dirname "$0")/functions.sh"
requires sha256sum
[ -n "${DGENFS:-}" ] || fail "DGENFS must point at the dgenfs binary"

# outcome KIND: "ok <sha>" or "error: <message without where it came from>"
outcome() {
    local out=$1 err=$2 rc=$3
    if [ "$rc" -eq 0 ]; then
        echo "ok $(sha256sum <"$out" | cut -c1-12)"
    else
        # Strip the places: "dgen cat: --seed: ", "dgen cat: 1 error(s)...\n  F:3: [file] seed: ",
        # "[file] 'f': ", "dgenfs: F:2: [dataset] numa_nodes: ", "dgen bench: --nodes: ".
        echo "error($rc): $(tr '\n' ' ' <"$err" | sed -E \
            -e 's/^dgen [a-z]+: 1 error\(s\) in the config: +//' \
            -e 's/^dgenfs: [^ ]+:[0-9]+: //' -e 's/ ?dgenfs: 1 error in .*; nothing mounted//' \
            -e 's/^[^ ]+\.ini:[0-9]+: //' -e "s/^\[(file|dataset)\] ([a-z_]+: |'f': )//" \
            -e 's/^dgen [a-z]+: (--[a-z-]+: )?//' -e 's/ +$//')"
    fi
}

table=$TMPDIR_TEST/table
printf '%-16s %-22s %s\n' "key" "value" "outcome (the same both ways)" >"$table"
mismatches=0
record() {  # key value config-outcome cli-outcome
    if [ "$3" = "$4" ]; then
        printf '%-16s %-22s %s\n' "$1" "'$2'" "$3" >>"$table"
    else
        mismatches=$((mismatches + 1))
        printf '%-16s %-22s DIFFERENT\n    config: %s\n    cli:    %s\n' "$1" "'$2'" "$3" "$4" >>"$table"
    fi
}

stream_values=(0 1 2 8 10 010 0x10 0X1f 1e3 1.5 01.5 16 17 2000000 1e309 0.5 -1 nan inf "" " 3 " two
    512 4096 6144 8192 4KiB 4k 12KiB 64KiB 1MiB 1MB 1GB 1TiB 2TiB 1PiB 1EB 16EiB 7B 1.5GiB
    0x1000 0x10KiB 18446744073709551615 18446744073709551616 unit UNIT 4QB)
for key in seed size unit dedup compress dedup_run format; do
    flag=--${key//_/-}
    for value in "${stream_values[@]}"; do
        cfg=$TMPDIR_TEST/c.ini
        if [ "$key" = size ]; then
            printf '[file]\npath = f\nsize = %s\n' "$value" >"$cfg"
            cli=(cat --stream f "$flag" "$value")
        else
            printf '[file]\npath = f\nsize = 64KiB\n%s = %s\n' "$key" "$value" >"$cfg"
            cli=(cat --stream f --size 64KiB "$flag" "$value")
        fi
        # A size that reads as terabytes is cut at 64 KiB: the bytes, not the length, compare.
        rc=0; "$DGEN" cat --config "$cfg" f --length 64KiB >"$TMPDIR_TEST/a" 2>"$TMPDIR_TEST/ae" || rc=$?
        a=$(outcome "$TMPDIR_TEST/a" "$TMPDIR_TEST/ae" $rc)
        rc=0; "$DGEN" "${cli[@]}" --length 64KiB >"$TMPDIR_TEST/b" 2>"$TMPDIR_TEST/be" || rc=$?
        b=$(outcome "$TMPDIR_TEST/b" "$TMPDIR_TEST/be" $rc)
        record "$key" "$value" "$a" "$b"
    done
done

# The NUMA keys, on a synthetic 2-package, 4-node machine (placement only: nothing runs).
export HWLOC_SYNTHETIC="pack:2 numa:2 core:2 pu:1"
plan() {  # KEY VALUE FLAG: compare dgenfs --show-plan with dgen bench --per-node --show-plan
    local key=$1 value=$2 flag=$3 rc
    printf '[dataset]\n%s = %s\n[file]\npath = f\nsize = 1\n' "$key" "$value" >"$TMPDIR_TEST/p.ini"
    rc=0; "$DGENFS" --show-plan "$TMPDIR_TEST/p.ini" >"$TMPDIR_TEST/a" 2>"$TMPDIR_TEST/ae" || rc=$?
    a=$(outcome "$TMPDIR_TEST/a" "$TMPDIR_TEST/ae" $rc)
    rc=0; "$DGEN" bench --per-node --show-plan "$flag" "$value" >"$TMPDIR_TEST/b" 2>"$TMPDIR_TEST/be" || rc=$?
    b=$(outcome "$TMPDIR_TEST/b" "$TMPDIR_TEST/be" $rc)
    record "$key" "$value" "$a" "$b"
}
for value in all ALL 0 3 03 0x3 "0,2" "2, 0" "0,,1" "1,01" 9 4096 x "" -1; do plan numa_nodes "$value" --nodes; done
for value in auto AUTO 1 2 02 0x3 8 256 257 0 x "" -1; do plan workers_per_node "$value" --workers-per-node; done

cat "$table"
[ "$mismatches" -eq 0 ] || fail "$mismatches value(s) read differently by the config and the command line"
# Both outcomes were exercised, and the known answers hold.
sha_of() { grep -E "^$1 +'$2' +ok " "$table" | awk '{print $4}'; }
[ -n "$(sha_of seed 010)" ] || fail "seed 010 not accepted"
[ "$(sha_of seed 010)" = "$(sha_of seed 10)" ] || fail "seed 010 is not seed 10"
[ "$(sha_of seed 010)" != "$(sha_of seed 8)" ] || fail "seed 010 is seed 8 (octal)"
[ "$(sha_of seed 0x10)" != "$(sha_of seed 10)" ] || fail "seed 0x10 is not hex"
[ "$(grep -c ' ok ' "$table")" -gt 100 ] || fail "too few accepted values"
[ "$(grep -c ' error(' "$table")" -gt 150 ] || fail "too few refused values"
echo "ok"
