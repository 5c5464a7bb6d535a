// `dgen bench`: one thread filling one reused buffer, side by side in one run, so the
// ratios hold even on a shared, noisy machine. GB/s means 10^9 bytes per second. The rows
// run in rounds (run r of every row, then run r + 1), and each row's ratio to the row it is
// compared with is the median of the two's per-round ratios.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dgen {

struct BenchOptions {
    size_t buffer = 1u << 20;   // bytes filled per call
    int runs = 5;               // each figure is the median of this many runs
    double seconds = 0.25;      // length of one run
    uint64_t seed = 1;
};

struct BenchRow {
    std::string name;           // memset | dgen-py core loop | dgen C=1 | ...
    std::string what;           // one line on what was measured
    double gbps = 0;            // median
    double min_gbps = 0, max_gbps = 0;
    std::string vs;             // the row it is compared with ("" for memset)
    double ratio = 0;           // median over rounds of gbps / vs's gbps in the same round
};

struct BenchReport {
    std::string kernel;
    BenchOptions options;
    std::vector<BenchRow> rows;  // rows[0] is memset, rows[1] the dgen-py core loop
};

BenchReport run_bench(const BenchOptions& options);

// The dgen-py / dgen-rs core loop, kept as the baseline: one 1 MiB block of scalar
// Xoshiro256++ seeded with SplitMix64(seed + block index), little-endian u64 stores.
void dgenpy_fill_block(uint64_t seed, uint64_t block_index, uint8_t* out, size_t len);

}  // namespace dgen
