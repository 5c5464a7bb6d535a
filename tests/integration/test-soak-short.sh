#!/usr/bin/env bash
# The soak in its short form (tests/soak/soak.sh, docs/SOAK.md): 25 s of 2 reader threads
# and 2 reader processes over every kind of file, every byte checked; the daemon's
# threads and fds equal and its RSS within 16 MiB of the end of a 10 s warm-up; no
# warning or error in its log; exit 0 on unmount.
exec bash "$(dirname "$0")/../soak/soak.sh" --seconds 25 --warmup 10 --interval 5 \
    --threads 2 --procs 2 --rss-tolerance 16MiB
