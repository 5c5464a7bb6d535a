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
    // Bytes [a, b) of the run from ctr where a is not a multiple of 16: output chunk i is
    // bytes [d, d + 64) of two consecutive 64-byte keystream chunks (d = a % 64), joined by
    // one byte permute, so every store lands where the output is aligned (from the block
    // after a, every 64-byte store of a page-aligned 4 KiB read split a cache line) and
    // each chunk is generated once; the last, partial chunk is one masked store.
    //   keystream:  | Q0 | Q1 | Q2 | ...      Q = 4 blocks from block a / 64 * 4
    //   out chunk i = (Q_i ++ Q_i+1)[d, d + 64)
    void bytes(Block128 ctr, uint64_t a, uint64_t b, uint8_t* out) const {
        alignas(64) static constexpr uint8_t kIota[64] = {
            0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
            22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
            44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};
        const auto cid = static_cast<long long>(ctr.hi);
        const auto b0 = static_cast<long long>(ctr.lo + a / 64 * 4);
        __m512i next = _mm512_set_epi64(cid, b0 + 3, cid, b0 + 2, cid, b0 + 1, cid, b0);
        const __m512i four = _mm512_set_epi64(0, 4, 0, 4, 0, 4, 0, 4);
        const auto d = static_cast<char>(a % 64);
        const __m512i idx = _mm512_add_epi8(_mm512_load_si512(kIota), _mm512_set1_epi8(d));
        __m512i cur = quad(next);
        next = _mm512_add_epi64(next, four);
        uint64_t left = b - a;
        for (; left >= 64; left -= 64, out += 64) {
            const __m512i following = quad(next);
            next = _mm512_add_epi64(next, four);
            _mm512_storeu_si512(out, _mm512_permutex2var_epi8(cur, idx, following));
            cur = following;
        }
        if (left > 0) {
            const __m512i following = static_cast<uint64_t>(d) + left > 64 ? quad(next) : cur;
            const __mmask64 keep = (__mmask64{1} << left) - 1;
            _mm512_mask_storeu_epi8(out, keep, _mm512_permutex2var_epi8(cur, idx, following));
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
