// dgen_soak: readers that check every byte they read from a dgenfs mount against libdgen,
// and a watch on the daemon (RSS, threads, fds, log) while they run. soak.sh mounts and
// runs it; docs/SOAK.md says what it checks and how to run the long form.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "dgen/namespace.h"

namespace dgen::soak {

struct SoakFile {
    std::string path;  // in the dataset, "a/b/c"
    uint64_t ino = 0;
    uint64_t size = 0;
};

// The files of one [file] or [set] (one "kind": readers pick a kind, then a member, so a
// set of thousands does not crowd out a single big file).
struct FileKind {
    std::string name;  // "[file] big/x.bin", "[set] small (2000 files)", with ", zero" for zero files
    std::vector<SoakFile> files;
};

// One reader's counters, in memory shared with the reader processes.
struct ReaderTotals {
    std::atomic<uint64_t> reads{0};       // read/pread calls answered
    std::atomic<uint64_t> bytes{0};       // bytes compared with libdgen
    std::atomic<uint64_t> mismatches{0};  // reads whose bytes differ
    std::atomic<uint64_t> errors{0};      // failed open/read, short read
};

// Shared by every reader, threads and processes alike (an anonymous shared mapping).
struct SharedState {
    std::atomic<bool> stop{false};
    std::atomic<uint32_t> messages{0};  // problems printed so far (capped)
};

struct ReaderPlan {
    const Namespace* ns = nullptr;
    std::vector<FileKind> kinds;
    std::string mount;
    uint64_t seed = 1;
    int64_t deadline_ns = 0;  // CLOCK_MONOTONIC: the same clock in every process
};

int64_t monotonic_ns();

// Random-offset preads and sequential reads until the deadline or `shared.stop`; each
// read compared byte for byte with FileSource::read (what `dgen cat` writes).
void run_reader(const ReaderPlan& plan, unsigned id, ReaderTotals& totals, SharedState& shared);

}  // namespace dgen::soak
