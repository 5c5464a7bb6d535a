#!/usr/bin/env bash
# dgenfs's options: `dgenfs --help`, docs/dgenfs.md ("## Options") and the man page
# dgenfs(8) list the same set, and every option listed is accepted (a bad mountpoint,
# exit 1, not a usage error, exit 2); the libfuse options dgenfs would not honour are
# refused with exit 2 and a reason.
source "$(dirname "$0")/functions.sh"
DOC="$(dirname "$0")/../../docs/dgenfs.md"
[ -n "${DGEN_BUILD_DIR:-}" ] || fail "DGEN_BUILD_DIR is not set (CTest sets it)"
man_page=$(find "$DGEN_BUILD_DIR" -name 'dgenfs.8*' -print -quit)
[ -n "$man_page" ] || fail "no dgenfs.8 man page in $DGEN_BUILD_DIR"
requires man

"$DGENFS" --help >"$TMPDIR_TEST/help" || fail "dgenfs --help"
MANWIDTH=200 man -l "$man_page" 2>/dev/null | col -b >"$TMPDIR_TEST/man" || fail "man -l $man_page"
[ -s "$TMPDIR_TEST/man" ] || fail "empty man page"

# One canonical spelling per option: "-h", "--help", "--check", "-o allow_other",
# "-o log_level=". In --help, an "-o A, B, C" entry (wrapped onto 5-space lines) is
# -o A, -o B, -o C; in the docs table, backticked bare words after an `-o X` likewise.
python3 - "$TMPDIR_TEST/help" "$DOC" "$TMPDIR_TEST/man" <<'PY' || fail "parsing the option lists"
import re, sys
help_text, doc_text, man_text = (open(p).read() for p in sys.argv[1:4])

def canon(tokens):
    out, after_o = set(), False
    for t in tokens:
        t = t.strip().rstrip(',')
        if not t:
            continue
        m = re.fullmatch(r'-o\s+([\w]+=?)[A-Z]*', t)
        if m:
            out.add('-o ' + m.group(1)); after_o = True; continue
        m = re.fullmatch(r'(--?[a-zA-Z][\w-]*)(?:[ =][A-Z]+)?', t)
        if m:
            out.add(m.group(1)); after_o = False; continue
        m = re.fullmatch(r'([a-z_][\w]*=?)[A-Z]*', t)
        if m and after_o:
            out.add('-o ' + m.group(1)); continue
        raise SystemExit('cannot read option token %r' % t)
    return out

# --help: the "Options:" block; an entry starts at 2 spaces, continues at 5.
block = help_text.split('\nOptions:\n', 1)[1].split('\n\n', 1)[0]
entries = []
for line in block.splitlines():
    if re.match(r'^  -', line):
        entries.append(re.split(r'\s{2,}', line.strip())[0])
    elif re.match(r'^     \S', line) and not re.match(r'^ {6,}', line):
        entries[-1] += ', ' + line.strip()
help_set = set()
for e in entries:
    help_set |= canon(re.split(r',\s*', e))

# docs: the first column of the table under "## Options".
section = doc_text.split('\n## Options\n', 1)[1].split('\n## ', 1)[0]
doc_set = set()
for line in section.splitlines():
    if line.startswith('| `'):
        doc_set |= canon(re.findall(r'`([^`]+)`', line.split(' | ')[0]))

# man: every canonical option must appear, and its OPTIONS section has no other --option.
man_set = set()
for o in help_set:
    word = o[3:] if o.startswith('-o ') else o
    end = '' if word.endswith('=') else r'(?![\w-])'
    if re.search(r'(?<![\w-])' + re.escape(word) + end, man_text):
        man_set.add(o)
man_options = re.split(r'\nOPTIONS\n', man_text, 1)[-1]
man_options = re.split(r'\n[A-Z][A-Z ]+\n', man_options, 1)[0]
man_longs = set(re.findall(r'(?<![\w-])(--[a-z][\w-]*)', man_options))
extra_man = sorted(l for l in man_longs if l not in help_set)
import os
out = os.path.dirname(sys.argv[1])
for name, items in (('help', help_set), ('doc', doc_set), ('man', man_set), ('man-extra', extra_man)):
    with open(os.path.join(out, name + '.lst'), 'w') as f:
        f.write(''.join(i + '\n' for i in sorted(items)))
PY
L=$TMPDIR_TEST
n=$(wc -l <"$L/help.lst")
[ "$n" -ge 40 ] || fail "--help lists too few options to be read right: $(cat "$L/help.lst")"
diff "$L/help.lst" "$L/doc.lst" >/dev/null || fail "--help and docs/dgenfs.md differ: $(diff "$L/help.lst" "$L/doc.lst" | grep '^[<>]' | tr '\n' ' ')"
diff "$L/help.lst" "$L/man.lst" >/dev/null || fail "the man page lacks: $(comm -23 "$L/help.lst" "$L/man.lst" | tr '\n' ' ')"
[ ! -s "$L/man-extra.lst" ] || fail "the man page has options --help does not: $(tr '\n' ' ' <"$L/man-extra.lst")"
echo "ok: --help, docs/dgenfs.md and dgenfs(8) list the same $n options"

# Every listed option is accepted. With a MOUNTPOINT that does not exist, a mount fails
# with 1 after the command line was taken; a usage error would be 2.
cfg="$TMPDIR_TEST/c.ini"
printf '[file]\npath = f\nsize = 1MiB\n' >"$cfg"
nowhere="$TMPDIR_TEST/no-such-dir"
while read -r opt; do
    case "$opt" in
    -h | --help | -V | --version) args=("$opt"); want=0 ;;
    --check | --show-plan) args=("$opt" "$cfg"); want=0 ;;
    --default-mountpoint) args=("$cfg" "$nowhere" -f "$opt" /tmp/dgen-unused); want=1 ;;
    "-o log_level=") args=("$cfg" "$nowhere" -f -o log_level=debug); want=1 ;;
    -o\ *) args=("$cfg" "$nowhere" -f -o "${opt#-o }"); want=1 ;;
    *) args=("$cfg" "$nowhere" "$opt"); want=1 ;;
    esac
    rc=0
    timeout 20 "$DGENFS" "${args[@]}" >/dev/null 2>"$TMPDIR_TEST/err" || rc=$?
    [ "$rc" -eq "$want" ] || fail "'$opt' (dgenfs ${args[*]}): exit $rc, not $want: $(cat "$TMPDIR_TEST/err")"
done <"$L/help.lst"
[ -d /tmp/dgen-unused ] && fail "--default-mountpoint was created although MOUNTPOINT was given"
echo "ok: every listed option is accepted"

# What libfuse offers but dgenfs would not honour: refused, exit 2, with the reason.
for bad in "-s" "-o clone_fd" "-o max_threads=4" "-o max_idle_threads=4" "-o max_read=4096" "-o bogus" "--bogus"; do
    rc=0
    # shellcheck disable=SC2086
    "$DGENFS" "$cfg" "$nowhere" $bad 2>"$TMPDIR_TEST/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "'$bad': exit $rc, not 2"
    grep -qE "not supported: .*(workers_per_node|max_read in the config)|unknown option" "$TMPDIR_TEST/err" ||
        fail "'$bad': no reason given: $(cat "$TMPDIR_TEST/err")"
done
echo "ok: libfuse's thread and max_read options are refused with a reason"

# dgenfs_usage_error "what it should say" ARGS...: exit 2, the message, nothing mounted.
dgenfs_usage_error() {
    local want=$1 rc=0
    shift
    "$DGENFS" "$@" >/dev/null 2>"$TMPDIR_TEST/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "dgenfs $*: exit $rc, not 2: $(cat "$TMPDIR_TEST/err")"
    grep -qF -- "$want" "$TMPDIR_TEST/err" || fail "dgenfs $*: stderr lacks '$want': $(cat "$TMPDIR_TEST/err")"
}
# A long option's value: the next argument or after '='; glued on, an unknown option
# (regression: "--check-config C" was --check "-config", "--check=C" --check "=C").
"$DGENFS" --check="$cfg" >/dev/null || fail "dgenfs --check=CONFIG: exit $?"
"$DGENFS" --show-plan="$cfg" >/dev/null || fail "dgenfs --show-plan=CONFIG: exit $?"
dgenfs_usage_error "unknown option '--check-config'" --check-config "$cfg"
dgenfs_usage_error "unknown option '--checkx'" --checkx
dgenfs_usage_error "--default-mountpoint 'rel' is not an absolute path" "$cfg" --default-mountpoint=rel
# --check and --show-plan stand alone (regression: "--check C --show-plan C" ran the
# check and ignored the plan).
dgenfs_usage_error "--check takes only CONFIG; unexpected '--show-plan'" --check "$cfg" --show-plan "$cfg"
dgenfs_usage_error "--show-plan takes only CONFIG; unexpected '-f'" --show-plan "$cfg" -f
dgenfs_usage_error "--check takes only CONFIG; unexpected 'extra'" --check "$cfg" extra
dgenfs_usage_error "missing argument after \`--check'" --check
dgenfs_usage_error "--check: CONFIG is empty" --check=
dgenfs_usage_error "--show-plan: CONFIG is empty" --show-plan ""
dgenfs_usage_error "-o log_level=: expected one of" "$cfg" "$nowhere" -o log_level
# No MOUNTPOINT anywhere is bad usage, exit 2 (regression: exit 1, as a mount failure).
dgenfs_usage_error "no MOUNTPOINT: give one, or set mountpoint in" "$cfg"
echo "ok: option values, --check alone, no MOUNTPOINT: usage errors"

# Every -o option also mounts, one mount each (regression: nodiratime, relatime, lazytime
# and five more passed the parser above, which stops before libfuse, and then libfuse
# refused them at mount: exit 1). The kernel flags a mount shows are checked too.
requires_fuse
mnt="$TMPDIR_TEST/mnt"
while read -r opt; do
    case "$opt" in
    "-o log_level=") o=log_level=warning ;;
    -o\ *) o=${opt#-o } ;;
    *) continue ;;
    esac
    mount_fs "$cfg" "$mnt" -o "$o"
    flags=",$(findmnt -rn -M "$mnt" -o OPTIONS),"
    case "$o" in
    ro | noexec | sync | dirsync | noatime | allow_other | default_permissions) want=$o ;;
    allow_root) want=allow_other ;;  # libfuse checks root itself, over the kernel's allow_other
    *) want= ;;
    esac
    [ -z "$want" ] || [[ $flags == *",$want,"* ]] || fail "-o $o: the mount shows $flags"
    unmount_fs "$mnt" "$DGENFS_PID" "$DGENFS_LOG"
    ! is_mounted "$mnt" || fail "-o $o: still mounted after unmount_fs"
done <"$L/help.lst"
echo "ok: every -o option mounts"
