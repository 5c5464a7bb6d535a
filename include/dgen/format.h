// The dgen1 format's constants and a stream's parameters. docs/FORMAT.md is the spec;
// everything here that shapes output bytes is frozen by tests/unit/golden_vectors.inc.
#pragma once

#include <cstdint>
#include <string>

#include "dgen/ars.h"

namespace dgen {

inline constexpr int kFormatVersion = 1;         // "dgen1"
inline constexpr int kArsRounds = 5;             // ARS-5: see ars.h and docs/FORMAT.md
inline constexpr uint32_t kSectorSize = 512;     // compression layout granule
inline constexpr uint32_t kBlockSize = 16;       // one ARS output block
inline constexpr uint32_t kMinUnit = 512;
inline constexpr uint32_t kMaxUnit = 1u << 20;
inline constexpr uint32_t kDefaultUnit = 4096;
inline constexpr int kDedupWindowShift = 20;     // dedup windows of 2^20 units
inline constexpr uint64_t kDedupWindowUnits = 1ull << kDedupWindowShift;
inline constexpr uint64_t kMaxStreamSize = (1ull << 63) - 1;
inline constexpr double kMaxDedup = 1e6;          // sanity bound
inline constexpr double kMaxCompress = 16;        // keeps >= 16 random bytes per sector
inline constexpr uint32_t kMinRandomPerSector = 16;  // one ARS block: P(all zero) = 2^-128

// Everything that determines a stream's bytes.
struct StreamParams {
    uint64_t seed = 0;
    std::string name = "stream";  // stream identity: a file's path in a dataset
    uint64_t size = 0;            // bytes
    double dedup = 1.0;           // D >= 1: units / distinct units
    double compress = 1.0;        // C >= 1: bytes / compressed bytes
    uint32_t unit = kDefaultUnit; // power of two, kMinUnit..kMaxUnit
    int format = kFormatVersion;
};

// Empty if `p` is valid, else a message naming the bad field and why.
std::string validate(const StreamParams& p);

// Keys derived from (seed, name), XXH3 with the seed, each under its own label:
//   ars key   = XXH3-128(seed, "dgen1/key/"   + name)
//   dedup key = XXH3-64 (seed, "dgen1/dedup/" + name)
Block128 derive_stream_key(uint64_t seed, const std::string& name);
uint64_t derive_dedup_key(uint64_t seed, const std::string& name);

// A file set's keys, shared by all its files (docs/FORMAT.md §7), from its directory:
//   ars key   = XXH3-128(seed, "dgen1/setkey/"   + dir)
//   dedup key = XXH3-64 (seed, "dgen1/setdedup/" + dir)
Block128 derive_set_key(uint64_t seed, const std::string& dir);
uint64_t derive_set_dedup_key(uint64_t seed, const std::string& dir);

}  // namespace dgen
