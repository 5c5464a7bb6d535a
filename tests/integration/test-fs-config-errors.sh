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
