#!/usr/bin/env bash
# A bad config makes dgenfs (and dgen) exit 2 with every error listed as file:line, and
# mounts nothing.
source "$(dirname "$0")/functions.sh"
requires_fuse

mnt=$TMPDIR_TEST/mnt
mkdir -p "$mnt"
# expect_config_error 'message fragment' line: the config on stdin must fail with it.
expect_config_error() {
    local want=$1 line=$2 cfg=$TMPDIR_TEST/bad.ini rc=0
    cat >"$cfg"
    timeout 20 "$DGENFS" "$cfg" "$mnt" -f -o auto_unmount 2>"$TMPDIR_TEST/err" || rc=$?
    if is_mounted "$mnt"; then fusermount3 -u "$mnt"; fail "a bad config was mounted ($want)"; fi
    [ "$rc" -eq 2 ] || fail "exit $rc, want 2, for '$want': $(cat "$TMPDIR_TEST/err")"
    grep -qF -- "$cfg:$line: " "$TMPDIR_TEST/err" || fail "no '$cfg:$line:' for '$want': $(cat "$TMPDIR_TEST/err")"
    grep -qF -- "$want" "$TMPDIR_TEST/err" || fail "stderr lacks '$want': $(cat "$TMPDIR_TEST/err")"
    rc=0
    "$DGEN" ls --config "$cfg" >/dev/null 2>"$TMPDIR_TEST/err2" || rc=$?
    [ "$rc" -eq 2 ] && grep -qF -- "$cfg:$line: " "$TMPDIR_TEST/err2" || fail "dgen ls did not report '$want' the same way"
}

printf '[dataset]\nsed = 1\n' | expect_config_error "sed" 2
printf '[file]\npath = a\nsize = 1\nmtime = 5\n' | expect_config_error "mtime" 4
printf '[file]\npath = a\nsize = 17EiB\n' | expect_config_error "64 bits" 3
printf '[file]\npath = a\nsize = 1\ndedup = nan\n' | expect_config_error "nan" 4
printf '[file]\npath = a\nsize = 1\ncompress = 0.5\n' | expect_config_error "0.5" 4
printf '[file]\npath = a\nsize = 1\nunit = 3000\n' | expect_config_error "3000" 4
printf '[file]\npath = ../etc\nsize = 1\n' | expect_config_error ".." 2
printf '[file]\npath = a/../b\nsize = 1\n' | expect_config_error "a/../b" 2
printf '[file]\npath = a/\nsize = 1\n' | expect_config_error "names a directory" 2
printf '[file]\npath = ./x\nsize = 1\n\n[file]\npath = /x\nsize = 2\n' | expect_config_error "file 'x'" 6
printf '[FILE]\npath = a\nsize = 1\n' | expect_config_error "did you mean [file]" 1
printf '[file]\npath = x\nsize = 1\n\n[file]\npath = x\nsize = 2\n' | expect_config_error "x" 6
printf '[file]\npath = d/f\nsize = 1\n[set]\ndir = d\ncount = 2\nsize = 1\n' | expect_config_error "d/f" 2
printf '[set]\ndir = s\ncount = 3\nname = f\nsize = 1\n' | expect_config_error "has no %u" 4
printf '[set]\ndir = s\ncount = 4294967296000\nsize = 1EiB\n' | expect_config_error "count" 3
printf '[set]\ndir = s\ncount = 2100000\nsize = 4TiB\n' | expect_config_error "2^63" 1
printf '[file]\nsize = 1\n' | expect_config_error "path" 1
printf '[bogus]\nx = 1\n' | expect_config_error "bogus" 1

# Several errors: all reported in one run.
cfg=$TMPDIR_TEST/many.ini
printf '[dataset]\nseed = x\nunit = 7\n[file]\npath = a/\nsize = -1\n' >"$cfg"
rc=0
"$DGENFS" "$cfg" "$mnt" -f 2>"$TMPDIR_TEST/err" || rc=$?
[ "$rc" -eq 2 ] || fail "many errors: exit $rc"
for l in 2 3 5 6; do grep -qF "$cfg:$l: " "$TMPDIR_TEST/err" || fail "line $l not reported: $(cat "$TMPDIR_TEST/err")"; done
is_mounted "$mnt" && fail "mounted"

# Regression: a header without ']' gave a follow-on error for every key under it; now one
# error, at the header, and its keys are skipped.
printf '[file\npath = a\nsize = 1\nunit = 4096\n' | expect_config_error "has no closing ']'; the keys under it are ignored" 1

# Regression: a config that describes no file mounted an empty tree without a word.
for text in '' '[dataset]\nseed = 1\n' '; only a comment\n'; do
    printf "$text" >"$TMPDIR_TEST/empty.ini"
    for cmd in "$DGENFS --check" "$DGENFS" "$DGEN ls --config"; do
        rc=0
        # shellcheck disable=SC2086 # $cmd is a command and its options
        timeout 20 $cmd "$TMPDIR_TEST/empty.ini" $([ "$cmd" = "$DGENFS" ] && echo "$mnt -f") \
            >/dev/null 2>"$TMPDIR_TEST/err" || rc=$?
        if is_mounted "$mnt"; then fusermount3 -u "$mnt"; fail "an empty config was mounted"; fi
        [ "$rc" -eq 2 ] || fail "$cmd of '$text': exit $rc, want 2"
        grep -qF "$TMPDIR_TEST/empty.ini: no files: add a [file] or [set] section" "$TMPDIR_TEST/err" ||
            fail "$cmd of '$text': $(cat "$TMPDIR_TEST/err")"
    done
done

# Regression: messages echoed config bytes raw, so a value could clear the screen. Every
# byte outside printable ASCII and UTF-8 is shown as \xNN, and a long value is cut at 64
# bytes with '…'.
printf '[file]\npath = a\nsize = 1\nunit = \033[2J\033]0;pwned\007\n[x\302\233y]\n\n[file]\npath = b\nsize = %s\n' \
    "$(printf '9%.0s' {1..100})X" >"$TMPDIR_TEST/esc.ini"
for cmd in "$DGENFS --check" "$DGEN ls --config"; do
    rc=0
    # shellcheck disable=SC2086
    $cmd "$TMPDIR_TEST/esc.ini" >/dev/null 2>"$TMPDIR_TEST/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "escapes, $cmd: exit $rc"
    if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$TMPDIR_TEST/err"; then fail "$cmd printed a control byte"; fi
    if LC_ALL=C grep -q $'\xc2\x9b' "$TMPDIR_TEST/err"; then fail "$cmd printed a C1 control"; fi
    grep -qF "esc.ini:4: [file] unit: size '\x1b[2J\x1b]0;pwned\x07': expected a whole number" "$TMPDIR_TEST/err" ||
        fail "escaped value, $cmd: $(cat "$TMPDIR_TEST/err")"
    grep -qF "esc.ini:5: unknown section [x\xc2\x9by]" "$TMPDIR_TEST/err" || fail "escaped section, $cmd: $(cat "$TMPDIR_TEST/err")"
    grep -qF "esc.ini:9: [file] size: size '$(printf '9%.0s' {1..64})…': " "$TMPDIR_TEST/err" ||
        fail "cut value, $cmd: $(cat "$TMPDIR_TEST/err")"
done
# A path on dgen's command line is shown the same way.
printf '[file]\npath = a\nsize = 1\n' >"$TMPDIR_TEST/good.ini"
rc=0
"$DGEN" cat --config "$TMPDIR_TEST/good.ini" $'\033[2J' >/dev/null 2>"$TMPDIR_TEST/err" || rc=$?
[ "$rc" -eq 2 ] || fail "dgen cat of an escape path: exit $rc"
grep -qF "'\x1b[2J' is not in the dataset" "$TMPDIR_TEST/err" || fail "dgen cat path: $(cat "$TMPDIR_TEST/err")"

# Regression: a 10 MB bad file printed an error per line (331,155 lines). The first 20
# errors, in line order, then one line with how many more.
for i in $(seq 1 5000); do echo "junk line $i"; done >"$TMPDIR_TEST/junk.ini"
for cmd in "$DGENFS --check" "$DGEN ls --config"; do
    rc=0
    # shellcheck disable=SC2086
    $cmd "$TMPDIR_TEST/junk.ini" >/dev/null 2>"$TMPDIR_TEST/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "junk, $cmd: exit $rc"
    [ "$(grep -c "junk.ini:[0-9]*: expected 'key = value'" "$TMPDIR_TEST/err")" -eq 20 ] || fail "junk, $cmd: $(head -c 2000 "$TMPDIR_TEST/err")"
    grep -qF "junk.ini:20: expected 'key = value', a [section] or a comment, not 'junk line 20'" "$TMPDIR_TEST/err" ||
        fail "junk, $cmd: line 20 missing"
    grep -qF "junk.ini: … and 4980 more errors" "$TMPDIR_TEST/err" || fail "junk, $cmd: no count of the rest"
    [ "$(wc -l <"$TMPDIR_TEST/err")" -le 22 ] || fail "junk, $cmd: $(wc -l <"$TMPDIR_TEST/err") lines of errors"
done
# The mount's last line does not count the summary line as an error (it said "21 errors").
rc=0; "$DGENFS" "$TMPDIR_TEST/junk.ini" "$mnt" -f 2>"$TMPDIR_TEST/err" || rc=$?
[ "$rc" -eq 2 ] || fail "junk, mount: exit $rc"
grep -qF "more than 20 errors in $TMPDIR_TEST/junk.ini; nothing mounted" "$TMPDIR_TEST/err" ||
    fail "junk, mount: $(tail -2 "$TMPDIR_TEST/err")"
! is_mounted "$mnt" || fail "junk, mount: $mnt is mounted"

# Usage errors are exit 2 as well; a missing config is named.
rc=0; "$DGENFS" 2>/dev/null || rc=$?; [ "$rc" -eq 2 ] || fail "no arguments: exit $rc"
rc=0; "$DGENFS" "$TMPDIR_TEST/missing.ini" "$mnt" -f 2>"$TMPDIR_TEST/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "missing.ini" "$TMPDIR_TEST/err" || fail "missing config: exit $rc: $(cat "$TMPDIR_TEST/err")"
rc=0; "$DGENFS" --bogus 2>/dev/null || rc=$?; [ "$rc" -eq 2 ] || fail "unknown option: exit $rc"
# Regression: the extra argument was ignored.
for opt in --check --show-plan; do
    rc=0; "$DGENFS" "$opt" "$cfg" extra 2>"$TMPDIR_TEST/err" || rc=$?
    [ "$rc" -eq 2 ] && grep -qF "unexpected 'extra'" "$TMPDIR_TEST/err" || fail "$opt CONFIG extra: exit $rc: $(cat "$TMPDIR_TEST/err")"
done
grep -q "^Usage: dgenfs CONFIG \[MOUNTPOINT\]" <<<"$("$DGENFS" --help)" || fail "--help"
echo "ok"
