// The engine of `dgen verify`: reads copies (files on disk, or standard input) and hands
// their bytes to each file's FileChecker, on every thread asked for. Big files are cut into
// chunks that threads take one at a time, so memory is a buffer per thread whatever the
// sizes; only the bad ranges found are kept.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dgen/namespace.h"
#include "dgen/verify.h"

namespace dgen::cli {

struct CopyCheck {
    std::string copy;  // the copy's file name; "-": standard input
    std::unique_ptr<FileSource> source;
    std::unique_ptr<FileChecker> checker;  // names the copy in reports by its path()
    // Results:
    bool missing = false;
    std::string error;             // the copy could not be read: why
    std::vector<BadRange> bad;     // sorted, merged; Truncated included
    uint64_t bytes = 0;            // bytes of the copy compared
};

struct VerifyRun {
    unsigned threads = 1;
    bool progress = false;  // a progress line on stderr
    double seconds = 0;     // out: wall time of the comparison
};

// Checks every copy; fills each one's results.
void verify_copies(std::vector<CopyCheck>& copies, VerifyRun& run);

}  // namespace dgen::cli
