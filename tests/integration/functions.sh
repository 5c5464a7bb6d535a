# Shared helpers for the integration tests (sourced). Each test is one script named
# test-<feature>-<aspect>.sh; exit 0 pass, 77 skip, anything else fail. Set by CTest:
#   DGEN    path of the dgen binary
set -euo pipefail

: "${DGEN:?DGEN must point at the dgen binary}"
TEST_NAME=$(basename "$0" .sh)
TMPDIR_TEST=$(mktemp -d "/tmp/$TEST_NAME.XXXXXX")
cleanup_hooks=()

cleanup() {
    local rc=$?
    for ((i = ${#cleanup_hooks[@]} - 1; i >= 0; i--)); do eval "${cleanup_hooks[i]}" || true; done
    rm -rf "$TMPDIR_TEST"
    exit $rc
}
trap cleanup EXIT

on_exit() { cleanup_hooks+=("$1"); }

fail() {
    echo "FAIL ($TEST_NAME): $*" >&2
    exit 1
}

skip() {
    echo "SKIP ($TEST_NAME): $*" >&2
    exit 77
}

requires() {
    for cmd in "$@"; do command -v "$cmd" >/dev/null 2>&1 || skip "needs $cmd"; done
}

# expect_usage_error "what it should say" -- dgen args...: exit code 2 and the message.
expect_usage_error() {
    local want=$1
    shift 2
    local out rc=0
    out=$("$DGEN" "$@" 2>&1 >/dev/null) || rc=$?
    [ "$rc" -eq 2 ] || fail "dgen $* exited $rc, want 2 (stderr: $out)"
    grep -qF -- "$want" <<<"$out" || fail "dgen $*: stderr lacks '$want': $out"
}
