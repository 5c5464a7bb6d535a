// The one loop every kernel shares: a byte range of the keystream with the compression
// layout applied, built on a kernel's whole-block generator. A kernel supplies a `Gen`
// (round keys loaded once, `blocks(ctr, n, out)` writes n whole blocks) and gets its
// FillFn and RangeFn from `ByRounds`.
//
//   byte i of the run = byte i % 16 of ARS(base + i / 16), kept only if it lies in the
//   first r bytes of its 512-byte sector, r = layout.random[(i / 512) % layout.sectors]
//
//   one whole sector s:  [ ceil(r/16) blocks straight into out | zeros from s + r ]
//                        (the zeros overwrite what the last block spills past r)
//   a partial sector:    the random part through keystream(), the rest zeroed
//
// Everything here is in an anonymous namespace: each kernel's file is compiled with its
// own instruction-set flags, and an inline function shared by name across them could be
// merged by the linker into the copy that uses instructions this CPU lacks.
#pragma once

#include <algorithm>
#include <cstring>

#include "dgen/format.h"
#include "dgen/kernel.h"

namespace dgen {
namespace {

inline Block128 block_at(Block128 base, uint64_t byte) {
    return {base.lo + byte / kBlockSize, base.hi};
}

// Keystream bytes [a, b) from block `base`: whole blocks straight into out, partial ends
// through a one-block scratch, so a read at any offset costs what an aligned one does.
// Inlined into each entry (as fill_range): out of line, the call passed `base` in two
// registers and read it back as one, a stalled store-to-load forward per 4 KiB dedup run.
// A kernel may write a range that starts inside a block itself: `bytes(base, a, b, out)`.
template <class Gen>
concept WritesBytes = requires(const Gen& g, Block128 c, uint8_t* o) { g.bytes(c, uint64_t{}, uint64_t{}, o); };

template <class Gen>
[[gnu::always_inline]] inline void keystream(const Gen& gen, Block128 base, uint64_t a, uint64_t b, uint8_t* out) {
    if constexpr (WritesBytes<Gen>) {
        if (a % kBlockSize != 0) return gen.bytes(base, a, b, out);
    }
    alignas(16) uint8_t tmp[kBlockSize];
    uint64_t pos = a;
    if (pos % kBlockSize != 0 && pos < b) {
        gen.blocks(block_at(base, pos), 1, tmp);
        const uint64_t n = std::min<uint64_t>(b - pos, kBlockSize - pos % kBlockSize);
        std::memcpy(out, tmp + pos % kBlockSize, n);
        pos += n;
    }
    const uint64_t whole = (b - pos) / kBlockSize;
    if (whole > 0) {
        gen.blocks(block_at(base, pos), whole, out + (pos - a));
        pos += whole * kBlockSize;
    }
    if (pos < b) {
        gen.blocks(block_at(base, pos), 1, tmp);
        std::memcpy(out + (pos - a), tmp, b - pos);
    }
}

// Zeroes bytes [r, 512) of a sector, stores only (a memset call per sector cost a third
// of a C = 2 fill, and reading back the last block to mask it stalled on the store just
// made). Stores may overlap each other, never the bytes before r. One N-byte vector store
// each, at this file's widest width (a memset of 32 bytes came out as two 16-byte stores).
template <size_t N>
inline void zero(uint8_t* p) {
    using Vec [[gnu::vector_size(N), gnu::aligned(1), gnu::may_alias]] = uint8_t;
    *reinterpret_cast<Vec*>(p) = Vec{};
}

inline void zero_sector_tail(uint8_t* sector, uint32_t r) {
    uint8_t* p = sector + r;
    uint8_t* end = sector + kSectorSize;
    const size_t n = kSectorSize - r;
    if (n >= 32) {
        zero<32>(p);  // then 32-byte stores aligned to the sector, the last one ending at end
        // The empty asm hides the loop from GCC, which would make it a memset call again
        // (and then reload the round keys after every sector).
        for (p = sector + (r / 32 + 1) * 32; p < end; p += 32) {
            __asm__("" : "+r"(p));
            zero<32>(p);
        }
    } else if (n >= 16) {
        zero<16>(p), zero<16>(end - 16);
    } else if (n >= 8) {
        zero<8>(p), zero<8>(end - 8);
    } else if (n >= 4) {
        zero<4>(p), zero<4>(end - 4);
    } else {
        for (; p < end; ++p) {
            __asm__("" : "+r"(p));
            *p = 0;
        }
    }
}

// A kernel may write whole sectors itself: `sectors(ctr, n, layout, k, out)` fills n
// sectors from block ctr, the first being sector k of its unit's layout, with its random
// prefix and zeros in full-width stores, one pass per sector and no call per sector.
template <class Gen>
concept WritesSectors = requires(const Gen& g, Block128 c, const SectorLayout& l, uint8_t* o) {
    g.sectors(c, size_t{}, l, uint32_t{}, o);
};

template <class Gen>
[[gnu::always_inline]] inline void fill_range(const Gen& gen, Block128 base, uint64_t a, uint64_t b, const SectorLayout& layout,
                uint8_t* out) {
    if (layout.random == nullptr) return keystream(gen, base, a, b, out);
    uint64_t s = a / kSectorSize * kSectorSize;
    uint32_t k = static_cast<uint32_t>((s / kSectorSize) % layout.sectors);
    for (; s < b; s += kSectorSize) {
        if constexpr (WritesSectors<Gen>) {
            if (s >= a && s + kSectorSize <= b) {  // the whole sectors, in one call
                const uint64_t n = (b - s) / kSectorSize;
                gen.sectors(block_at(base, s), n, layout, k, out + (s - a));
                s += (n - 1) * kSectorSize;
                k = static_cast<uint32_t>((k + n) % layout.sectors);
                continue;
            }
        }
        const uint32_t r = layout.random[k];
        k = k + 1 == layout.sectors ? 0 : k + 1;
        if (s >= a && s + kSectorSize <= b) {  // a whole sector (a pointer before out is UB)
            uint8_t* dst = out + (s - a);
            gen.blocks(block_at(base, s), (r + kBlockSize - 1) / kBlockSize, dst);
            zero_sector_tail(dst, r);
            continue;
        }
        const uint64_t from = std::max(a, s), to = std::min(b, s + kSectorSize);
        const uint64_t zero_from = std::clamp(s + r, from, to);
        keystream(gen, base, from, zero_from, out + (from - a));
        std::memset(out + (zero_from - a), 0, to - zero_from);
    }
}

// A kernel's FillFn and RangeFn, for any round count 1..10, the key's: the generators are
// templates on the count so their round loops unroll (with a run-time count a 4 KiB call
// spent a third of its time outside the AES instructions).
template <template <int> class Gen>
struct ByRounds {
    template <int R>
    static void fill_r(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out) {
        Gen<R>(key).blocks(ctr, nblocks, out);
    }
    template <int R>
    static void range_r(const ArsKey& key, Block128 base, uint64_t a, uint64_t b,
                        const SectorLayout& layout, uint8_t* out) {
        fill_range(Gen<R>(key), base, a, b, layout, out);
    }
    template <int R>
    static void ranges_r(const ArsKey& key, const RangeRun* runs, size_t n,
                         const SectorLayout& layout, uint8_t* out) {
        const Gen<R> gen(key);
        for (size_t i = 0; i < n; ++i) {
            fill_range(gen, runs[i].base, runs[i].a, runs[i].b, layout, out);
            out += runs[i].b - runs[i].a;
        }
    }
    static void fill(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out) {
        static constexpr FillFn kTable[] = {nullptr,   fill_r<1>, fill_r<2>, fill_r<3>,
                                            fill_r<4>, fill_r<5>, fill_r<6>, fill_r<7>,
                                            fill_r<8>, fill_r<9>, fill_r<10>};
        kTable[key.rounds](key, ctr, nblocks, out);
    }
    static void range(const ArsKey& key, Block128 base, uint64_t a, uint64_t b,
                      const SectorLayout& layout, uint8_t* out) {
        static constexpr RangeFn kTable[] = {nullptr,    range_r<1>, range_r<2>, range_r<3>,
                                             range_r<4>, range_r<5>, range_r<6>, range_r<7>,
                                             range_r<8>, range_r<9>, range_r<10>};
        kTable[key.rounds](key, base, a, b, layout, out);
    }
    static void ranges(const ArsKey& key, const RangeRun* runs, size_t n, const SectorLayout& layout,
                       uint8_t* out) {
        static constexpr RangesFn kTable[] = {nullptr,     ranges_r<1>, ranges_r<2>, ranges_r<3>,
                                              ranges_r<4>, ranges_r<5>, ranges_r<6>, ranges_r<7>,
                                              ranges_r<8>, ranges_r<9>, ranges_r<10>};
        kTable[key.rounds](key, runs, n, layout, out);
    }
};

}  // namespace
}  // namespace dgen
