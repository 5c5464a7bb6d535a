// ARS on 128-bit registers with AES-NI: the round keys as __m128i and blocks one register
// at a time, for the AES-NI kernel and the last odd blocks of the wide ones. Include only
// from files compiled with -maes. In an anonymous namespace, as range.h says why.
#pragma once

#include <immintrin.h>

#include "kernels.h"

namespace dgen {
namespace {

template <int ROUNDS>
struct Keys128 {
    __m128i rk[ROUNDS + 1];
    explicit Keys128(const ArsKey& key) {
        for (int r = 0; r <= ROUNDS; ++r)
            rk[r] = _mm_set_epi64x(static_cast<long long>(key.k[r].hi),
                                   static_cast<long long>(key.k[r].lo));
    }
    __m128i block(__m128i ctr) const {
        __m128i v = _mm_xor_si128(ctr, rk[0]);
        for (int r = 1; r < ROUNDS; ++r) v = _mm_aesenc_si128(v, rk[r]);
        return _mm_aesenclast_si128(v, rk[ROUNDS]);
    }
    // Blocks [j, nblocks) of the run starting at ctr, written at out + 16 * j: each block
    // is independent, so the core overlaps consecutive ones.
    void blocks_from(Block128 ctr, size_t j, size_t nblocks, uint8_t* out) const {
        __m128i next = _mm_set_epi64x(static_cast<long long>(ctr.hi), static_cast<long long>(ctr.lo + j));
        const __m128i one = _mm_set_epi64x(0, 1);
        for (; j < nblocks; ++j) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * j), block(next));
            next = _mm_add_epi64(next, one);
        }
    }
};

}  // namespace
}  // namespace dgen
