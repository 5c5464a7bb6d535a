// The ratio oracle behind `dgen check`: generate a stream (or its first `sample` bytes),
// count distinct units by hashing them, and compress the deduplicated units with the real
// lz4, zstd and zlib libraries in 4 KiB chunks, 64 KiB chunks and as one stream.
//
// Compression is measured after dedup (each distinct unit once, in first-seen order), as a
// dedup-then-compress array sees it; otherwise a compressor whose window happens to span two
// copies of a unit would report dedup as compression.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dgen/stream.h"

namespace dgen {

struct DedupCheck {
    uint64_t units = 0;      // whole units in the sample
    uint64_t distinct = 0;   // distinct by XXH3-128 of their bytes
    double ratio = 0;        // units / distinct
    double target = 0;       // D, or the expected ratio of a sample that cuts a window
    double tolerance = 0.01; // relative
    bool applies = false;    // the +-1% promise holds from 10,000 units on
    bool pass = false;
};

struct CompressCheck {
    std::string compressor;  // lz4 | zstd-1 | zstd-3 | zlib-6
    std::string chunk;       // 4KiB | 64KiB | stream
    uint64_t input = 0, output = 0;
    double ratio = 0;
    double target = 0;
    double tolerance = 0;    // relative
    bool pass = false;
};

struct CheckReport {
    StreamParams params;
    uint64_t sample = 0;
    std::string kernel;
    DedupCheck dedup;
    std::vector<CompressCheck> compress;
    bool pass = false;
};

// sample == 0 or past the end: the whole stream. Needs at least one whole unit.
CheckReport run_check(const Stream& stream, uint64_t sample);

// Dedup ratio expected over the first `units` units of a stream with this map: exact over
// whole windows, and for a window cut short the hypergeometric expectation of how many of
// its contents fall in the part taken.
double expected_dedup_ratio(const DedupMap& map, uint64_t units);

// Compression tolerance the format promises for a target C: 5% up to C = 4, 10% above.
double compress_tolerance(double compress);

}  // namespace dgen
