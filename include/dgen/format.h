// The formats' constants and a stream's parameters. docs/FORMAT.md is the spec; everything
// here that shapes output bytes is frozen by the golden vectors (tests/unit/golden_*.inc).
//
//   dgen1  keys from (seed, name): streams that differ only in D, C or U share content
//   dgen2  keys from (seed, name, U, R, D, C): every parameter set is its own data; adds
//          dedup runs (R units per duplicate). The default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dgen/ars.h"

namespace dgen {

inline constexpr int kFormatVersion = 2;         // "dgen2": the newest, the default
inline constexpr int kOldestFormat = 1;          // "dgen1": still selectable, frozen
inline constexpr int kArsRounds = 5;             // ARS-5: see ars.h and docs/FORMAT.md
inline constexpr uint32_t kSectorSize = 512;     // compression layout granule
inline constexpr uint32_t kBlockSize = 16;       // one ARS output block
inline constexpr uint32_t kMinUnit = 512;
inline constexpr uint32_t kMaxUnit = 1u << 20;
inline constexpr uint32_t kDefaultUnit = 4096;
inline constexpr int kDedupWindowShift = 20;     // dedup windows of 2^20 runs (dgen1: units)
inline constexpr uint64_t kDedupWindowUnits = 1ull << kDedupWindowShift;
inline constexpr uint64_t kMaxStreamSize = (1ull << 63) - 1;
inline constexpr double kMaxDedup = 1e6;          // sanity bound
inline constexpr double kMaxCompress = 16;        // keeps >= 16 random bytes per sector
inline constexpr uint32_t kMinRandomPerSector = 16;  // one ARS block: P(all zero) = 2^-128
inline constexpr uint64_t kMaxDedupRun = 1ull << 40;  // 1 TiB: a run of duplicate units

// Everything that determines a stream's bytes.
struct StreamParams {
    uint64_t seed = 0;
    std::string name = "stream";  // stream identity: a file's path in a dataset
    uint64_t size = 0;            // bytes
    double dedup = 1.0;           // D >= 1: units / distinct units
    double compress = 1.0;        // C >= 1: bytes / compressed bytes
    uint32_t unit = kDefaultUnit; // power of two, kMinUnit..kMaxUnit
    uint64_t dedup_run = 0;       // bytes per run of duplicate units, a multiple of unit;
                                  // 0 = one unit. Runs longer than a unit need dgen2.
    int format = kFormatVersion;
    std::string host;             // host identity (config key host_seed); "" = none: the
                                  // seed is used as is (docs/FORMAT.md §8)

    uint64_t run_units() const { return dedup_run == 0 ? 1 : dedup_run / unit; }  // R
};

// Empty if `p` is valid, else a message naming the bad field and why.
std::string validate(const StreamParams& p);

// The seed a stream's (or set's) keys are derived from, given its host identity
// (docs/FORMAT.md §8). A dataset with host_seed set mixes the identity of the host that
// serves it into every seed, so that hosts serve disjoint data:
//
//   host ""   key_seed = seed                                          (host_seed = none)
//   host H    key_seed = XXH3_64bits_withSeed("dgen/host/" ‖ H, seed)  (H's bytes, no terminator)
//
//   key_seed ──▶ derive_stream_keys / derive_set_keys (below) ──▶ ars key, dedup key
//
// Only the keys take it: a set's drawn file sizes come from the seed itself, so every host
// shows the same tree with its own bytes. A stream with (seed, host H) is byte for byte the
// stream with seed key_seed and no host.
uint64_t effective_seed(uint64_t seed, std::string_view host);

// The two keys of a stream: the ARS key and the dedup permutation's key.
struct StreamKeys {
    Block128 ars;
    uint64_t dedup = 0;
};

// A standalone stream's keys, from its parameters (p.name is its identity), by format,
// with seed = effective_seed(p.seed, p.host):
//   dgen1: ars   = XXH3-128(seed, "dgen1/key/"   + name)
//          dedup = XXH3-64 (seed, "dgen1/dedup/" + name)
//   dgen2: ars   = XXH3-128(seed, "dgen2/key/"   + P + name)
//          dedup = XXH3-64 (seed, "dgen2/dedup/" + P + name)
//          P = le64(U) + le64(R) + le64(bits of D) + le64(bits of C): 32 bytes
StreamKeys derive_stream_keys(const StreamParams& p);
// A file set's keys, shared by all its files (docs/FORMAT.md §7); p.name is the set's dir:
// the same with labels "dgenN/setkey/" and "dgenN/setdedup/".
StreamKeys derive_set_keys(const StreamParams& p);

}  // namespace dgen
