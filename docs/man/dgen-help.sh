#!/bin/sh
# What help2man reads for dgen(1): `help2man "sh dgen-help.sh DGEN"` runs this with
# --help or --version. --version is dgen's own. --help is `dgen --help`, then each
# subcommand's --help (the subcommands are those `dgen --help` lists), shaped for
# help2man: "*Commands*" opens a COMMANDS section, and "USAGE:" followed by indented
# lines makes a sub-section per subcommand. Nothing here is written by hand, so the
# page says what the binary says.
set -eu
dgen=$1
shift
[ "$*" = --help ] || exec "$dgen" "$@"

help=$("$dgen" --help)
commands=$(printf '%s\n' "$help" | sed -n '/^Subcommands:/,$ s/^  \([a-z][a-z0-9-]*\)  .*/\1/p')
[ -n "$commands" ] || { echo "dgen-help.sh: no subcommands in '$dgen --help'" >&2; exit 1; }

# All of it is gathered first and printed only if every step worked: help2man looks at
# the output, not at the exit status.
page=$(printf '%s\n' "$help" | sed '/^Subcommands:/,$d')
page="$page

*Commands*
$(printf '%s\n' "$help" | sed '1,/^Subcommands:/d')"
for cmd in $commands; do
    # "Usage: dgen cat [OPTIONS] [path]" becomes the heading; the lines above it (the
    # summary) and below it (positionals and options, without their headings) are
    # indented beneath it.
    sub=$("$dgen" "$cmd" --help)
    sub=$(printf '%s\n' "$sub" | awk '
        /^Usage: / { sub(/^Usage: /, ""); usage = $0; next }
        /^(Positionals|Options):$/ || /^$/ { next }
        usage == "" { summary = summary "  " $0 "\n"; next }
        { body = body $0 "\n" }
        END {
            if (usage == "") { print "dgen-help.sh: no Usage line" > "/dev/stderr"; exit 1 }
            printf "%s:\n%s\n%s", usage, summary, body
        }')
    page="$page

$sub"
done
printf '%s\n' "$page"
