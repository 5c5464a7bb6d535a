#!/usr/bin/env bash
# The soak in its short form (tests/soak/soak.sh, docs/SOAK.md): 25 s of 2 reader threads
# and 2 reader processes over every kind of file, every byte checked; the daemon's
# threads and fds equal and its RSS within 16 MiB of the end of a 10 s warm-up; no
# warning or error in its log; exit 0 on unmount.
# An AddressSanitizer daemon keeps freed memory in a quarantine (256 MiB by default)
# before reusing it, so its RSS grows by design while reads open and close files (here,
# 3.3 MiB in the 15 s after warm-up at 1000 reads/s; a faster machine reads more): there
# the tolerance is the quarantine and 64 MiB more, and LeakSanitizer's report at exit
# (a line in the log, which fails the soak) is the check for leaks.
source "$(dirname "$0")/functions.sh"
requires_fuse
tolerance=16MiB
if grep -q libasan <<<"$(ldd "$DGENFS")"; then tolerance=320MiB; fi
bash "$(dirname "$0")/../soak/soak.sh" --seconds 25 --warmup 10 --interval 5 \
    --threads 2 --procs 2 --rss-tolerance "$tolerance" || fail "the soak failed (above)"
