// ARS with VAES on 512-bit registers: four blocks per register, eight registers in flight
// (32 blocks) to cover VAESENC's latency; then four blocks at a time, and the last one to
// three through one masked store.
#include "ars128.h"
#include "range.h"

namespace dgen {
namespace {

template <int ROUNDS>
struct VaesAvx512Gen {
    __m512i rk[ROUNDS + 1];
    explicit VaesAvx512Gen(const ArsKey& key) {
        for (int r = 0; r <= ROUNDS; ++r) {  // not _mm512_broadcast_i32x4: GCC 12 warns in it
            const auto lo = static_cast<long long>(key.k[r].lo);
            const auto hi = static_cast<long long>(key.k[r].hi);
            rk[r] = _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
        }
    }
    __m512i quad(__m512i ctr) const {
        __m512i v = _mm512_xor_si512(ctr, rk[0]);
        for (int r = 1; r < ROUNDS; ++r) v = _mm512_aesenc_epi128(v, rk[r]);
        return _mm512_aesenclast_epi128(v, rk[ROUNDS]);
    }
    void blocks(Block128 ctr, size_t nblocks, uint8_t* out) const {
        const auto cid = static_cast<long long>(ctr.hi);
        const auto b0 = static_cast<long long>(ctr.lo);
        __m512i next = _mm512_set_epi64(cid, b0 + 3, cid, b0 + 2, cid, b0 + 1, cid, b0);
        const __m512i four = _mm512_set_epi64(0, 4, 0, 4, 0, 4, 0, 4);
        constexpr int kLanes = 8;
        size_t j = 0;
        for (; j + 4 * kLanes <= nblocks; j += 4 * kLanes) {
            __m512i v[kLanes];
            for (int i = 0; i < kLanes; ++i) {
                v[i] = _mm512_xor_si512(next, rk[0]);
                next = _mm512_add_epi64(next, four);
            }
            for (int r = 1; r < ROUNDS; ++r)
                for (int i = 0; i < kLanes; ++i) v[i] = _mm512_aesenc_epi128(v[i], rk[r]);
            for (int i = 0; i < kLanes; ++i)
                _mm512_storeu_si512(out + 16 * (j + 4 * i),
                                    _mm512_aesenclast_epi128(v[i], rk[ROUNDS]));
        }
        for (; j + 4 <= nblocks; j += 4) {
            _mm512_storeu_si512(out + 16 * j, quad(next));
            next = _mm512_add_epi64(next, four);
        }
        if (j < nblocks) {  // 1..3 blocks: two 64-bit lanes each
            const auto lanes = static_cast<__mmask8>((1u << (2 * (nblocks - j))) - 1);
            _mm512_mask_storeu_epi64(out + 16 * j, lanes, quad(next));
        }
    }
    // Whole sectors with the compression layout: each 64-byte chunk of a sector is one
    // register, generated (its 4 blocks), generated and masked to the sector's random
    // prefix, or zero; every chunk one aligned-to-the-sector 64-byte store.
    //   sector:  [ r / 64 chunks of keystream | keystream, bytes >= r % 64 zeroed | zeros ]
    void sectors(Block128 ctr, size_t n, const SectorLayout& layout, uint32_t k, uint8_t* out) const {
        constexpr int kChunks = kSectorSize / 64;
        const auto cid = static_cast<long long>(ctr.hi);
        const auto b0 = static_cast<long long>(ctr.lo);
        __m512i first = _mm512_set_epi64(cid, b0 + 3, cid, b0 + 2, cid, b0 + 1, cid, b0);
        const __m512i four = _mm512_set_epi64(0, 4, 0, 4, 0, 4, 0, 4);
        const __m512i sector_step = _mm512_set_epi64(0, 32, 0, 32, 0, 32, 0, 32);
        for (size_t s = 0; s < n; ++s, out += kSectorSize) {
            const uint32_t r = layout.random[k];
            k = k + 1 == layout.sectors ? 0 : k + 1;
            __m512i next = first;
            first = _mm512_add_epi64(first, sector_step);
            const int full = static_cast<int>(r / 64), part = static_cast<int>(r % 64);
            int c = 0;
            for (; c < full; ++c) {
                _mm512_storeu_si512(out + 64 * c, quad(next));
                next = _mm512_add_epi64(next, four);
            }
            if (part != 0) {
                const __mmask64 keep = (__mmask64{1} << part) - 1;
                _mm512_storeu_si512(out + 64 * c, _mm512_maskz_mov_epi8(keep, quad(next)));
                ++c;
            }
            for (; c < kChunks; ++c) {
                __asm__("" : "+r"(c));  // else GCC makes this a `rep stos`, three times slower
                _mm512_storeu_si512(out + 64 * c, _mm512_setzero_si512());
            }
        }
    }
};

}  // namespace

Kernel vaes_avx512_kernel() {
    return {"vaes-avx512", ByRounds<VaesAvx512Gen>::fill, ByRounds<VaesAvx512Gen>::range,
            ByRounds<VaesAvx512Gen>::ranges};
}

}  // namespace dgen
