// The verify area, /.verify (special.h): the dataset's tree again, writable. A write
// there is compared with the bytes the file holds at that offset; a matching write is
// counted and discarded, a mismatching one fails with EIO and is logged. A file written
// to its full length with every write matching is `verified`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dgen::fs {

// One mismatching write, as stats.json reports it.
struct VerifyMismatch {
    std::string path;         // the dataset path written to
    uint64_t offset = 0, length = 0;  // the first bad range of the write
    std::string kind;         // verify.h's class: zeroed, shifted, corrupt, ...
    std::string detail;       // "from offset N", "bytes of PATH at N", or ""
};

// What the area has seen since the mount.
struct VerifyTotals {
    uint64_t bytes_checked = 0;     // bytes written and compared
    uint64_t bytes_bad = 0;         // bytes of the bad ranges of failed writes
    uint64_t writes = 0, writes_failed = 0;
    uint64_t files_verified = 0;    // written to full length, every write matching
    uint64_t files_mismatched = 0;  // at least one write failed
    uint64_t files_partial = 0;     // written to, not yet to full length, no failure
    std::vector<VerifyMismatch> recent;  // the last mismatches, newest last (at most 16)
};

}  // namespace dgen::fs
