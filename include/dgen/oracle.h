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

// Dedup is counted twice: over units, as a fixed-block array sees it, and over runs of R
// units (the dedup_run), as a content-defined chunker sees it when its chunks are well
// below a run. The sample is whole runs, so both ratios should equal the target.
struct DedupCheck {
    uint64_t units = 0;      // whole units in the sample (whole runs of them)
    uint64_t distinct = 0;   // distinct by XXH3-128 of their bytes
    double ratio = 0;        // units / distinct
    uint64_t run_units = 1;  // R
    uint64_t runs = 0;       // whole runs in the sample
    uint64_t distinct_runs = 0;
    double run_ratio = 0;    // runs / distinct runs
    double target = 0;       // D, or the expected ratio of a sample that cuts a window
    double tolerance = 0.01; // relative
    bool applies = false;    // the +-1% promise: from 10,000 runs on, or over whole windows
    bool pass = false;       // both ratios within tolerance
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

// The most units one check takes: it keeps a hash of every distinct unit (and run) in
// memory, about 50 bytes each, and compresses them all: 2^24 units is under 2 GB of
// memory and 64 GiB of 4 KiB units. An 8 EiB file checked whole would run for years.
inline constexpr uint64_t kMaxCheckUnits = 1ull << 24;

// sample == 0 or past the end: the whole stream. The sample is cut down to whole runs of
// R units (whole units when R = 1); it needs at least one, and at most kMaxCheckUnits
// (else std::invalid_argument, before anything is generated).
CheckReport run_check(const Stream& stream, uint64_t sample);

// Dedup ratio expected over the first `runs` runs (units in dgen1) of a stream with this
// map: exact over whole windows, and for a window cut short the hypergeometric
// expectation of how many of its contents fall in the part taken.
double expected_dedup_ratio(const DedupMap& map, uint64_t runs);

// Compression tolerance the format promises for a target C: 5% up to C = 4, 10% above.
double compress_tolerance(double compress);

}  // namespace dgen
