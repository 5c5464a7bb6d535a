# Shared by the benchmark scripts (source it).
# bench_requires NAME [TOOL...]: root, the built dgen and dgenfs ($DGEN, $DGENFS), and each
# TOOL on PATH; otherwise a message naming what is missing, and exit 2.
bench_requires() {
    local name=$1 t
    shift
    [ "$(id -u)" -eq 0 ] || { echo "$name: needs root" >&2; exit 2; }
    for t in "$DGEN" "$DGENFS"; do [ -x "$t" ] || { echo "$name: no $t (build first)" >&2; exit 2; }; done
    for t in "$@"; do command -v "$t" >/dev/null || { echo "$name: needs $t (apt-get install it)" >&2; exit 2; }; done
}
