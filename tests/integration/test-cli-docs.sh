#!/usr/bin/env bash
# docs/dgen.md and `dgen COMMAND --help` list the same options.
source "$(dirname "$0")/functions.sh"
DOC="$(dirname "$0")/../../docs/dgen.md"
[ -f "$DOC" ] || fail "no $DOC"

for cmd in cat check verify bench ls stat; do
    help_opts=$("$DGEN" "$cmd" --help | grep -oE -- '--[a-z][a-z-]*' | grep -vx -- '--help' | sort -u)
    # The page documents shared stream options once, then each command's own.
    section=$(awk -v c="## dgen $cmd" '$0==c{on=1;next} /^## /{on=0} on' "$DOC")
    if [ "$cmd" = cat ] || [ "$cmd" = check ] || [ "$cmd" = verify ]; then
        section+=$'\n'$(awk '/^## Stream options/{on=1;next} /^## /{on=0} on' "$DOC")
    fi
    doc_opts=$(grep -oE -- '`--[a-z][a-z-]*' <<<"$section" | tr -d '`' | sort -u)
    [ "$help_opts" = "$doc_opts" ] ||
        fail "dgen $cmd: --help and docs/dgen.md differ: $(diff <(echo "$help_opts") <(echo "$doc_opts") | grep '^[<>]' | tr '\n' ' ')"
done
echo "ok (dgen; dgenfs: test-fs-options.sh)"
