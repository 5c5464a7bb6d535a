// ARS: the AES-round counter-based generator of Salmon et al., "Parallel Random Numbers:
// As Easy as 1, 2, 3" (SC'11), the Random123 family. One 128-bit counter block in, one
// 128-bit output block out; no state between blocks, so any block of a stream can be
// produced without producing the ones before it.
//
//     k0 = key                      v = ctr ^ k0
//     k1 = k0 + weyl  ──aesenc────▶ v = AESENC(v, k1)
//     ...                           ...
//     kR = k(R-1) + weyl ─aesenclast▶ out = AESENCLAST(v, kR)
//
// weyl = (0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B) added to the two 64-bit key lanes.
// ARS-R uses R-1 AESENC rounds and one AESENCLAST. Random123 publishes known answers for
// R = 10 (kept in tests/unit/test_ars.cpp); the paper reports ARS-5 and up Crush-resistant
// (BigCrush passes). dgen1 and dgen2 use kArsRounds (see format.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace dgen {

// A 128-bit value as two little-endian 64-bit lanes, the layout of an __m128i.
struct Block128 {
    uint64_t lo = 0;
    uint64_t hi = 0;
    bool operator==(const Block128& o) const { return lo == o.lo && hi == o.hi; }
};

inline constexpr uint64_t kWeylLo = 0x9E3779B97F4A7C15ull;
inline constexpr uint64_t kWeylHi = 0xBB67AE8584CAA73Bull;
inline constexpr int kMaxArsRounds = 10;

// Precomputed round keys k0..kR for one key; shared by every kernel.
struct ArsKey {
    int rounds = 0;
    alignas(16) std::array<Block128, kMaxArsRounds + 1> k{};

    ArsKey() = default;
    ArsKey(Block128 key, int rounds);
};

// The scalar reference: one block, software AES rounds. Slow; the definition the SIMD
// kernels are tested against.
Block128 ars_block_scalar(const ArsKey& key, Block128 ctr);

// The counter block that `out` came from: ARS is a permutation of 128-bit blocks for a
// given key, so a generated block names its own position. With AES-NI only (nullopt
// without): dgen verify uses it to find where misplaced bytes came from.
std::optional<Block128> ars_invert(const ArsKey& key, Block128 out);

}  // namespace dgen
