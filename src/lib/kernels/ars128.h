// ARS on one 128-bit block at a time with AES-NI, for the tails of the wide kernels and
// the body of the AES-NI kernel. Include only from files compiled with -maes.
#pragma once

#include <immintrin.h>

#include "kernels.h"

namespace dgen {

// Blocks [j, nblocks) of the run starting at ctr, written at out + 16 * j.
template <int ROUNDS>
inline void ars_blocks_128(const ArsKey& key, Block128 ctr, size_t j, size_t nblocks,
                           uint8_t* out) {
    if (j >= nblocks) return;
    __m128i rk[ROUNDS + 1];
    for (int r = 0; r <= ROUNDS; ++r)
        rk[r] = _mm_set_epi64x(static_cast<long long>(key.k[r].hi),
                               static_cast<long long>(key.k[r].lo));
    __m128i next = _mm_set_epi64x(static_cast<long long>(ctr.hi),
                                  static_cast<long long>(ctr.lo + j));
    const __m128i one = _mm_set_epi64x(0, 1);
    for (; j < nblocks; ++j) {
        __m128i v = _mm_xor_si128(next, rk[0]);
        for (int r = 1; r < ROUNDS; ++r) v = _mm_aesenc_si128(v, rk[r]);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * j),
                         _mm_aesenclast_si128(v, rk[ROUNDS]));
        next = _mm_add_epi64(next, one);
    }
}

// The kernels are templates on the round count so their round loops unroll (with a
// run-time count a 4 KiB call spent a third of its time outside the AES instructions);
// this picks the instance for a key's count, 1..10.
template <template <int> class Kernel>
inline void by_rounds(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out) {
    static constexpr FillFn kTable[] = {
        nullptr,         Kernel<1>::fill, Kernel<2>::fill, Kernel<3>::fill,
        Kernel<4>::fill, Kernel<5>::fill, Kernel<6>::fill, Kernel<7>::fill,
        Kernel<8>::fill, Kernel<9>::fill, Kernel<10>::fill};
    kTable[key.rounds](key, ctr, nblocks, out);
}

}  // namespace dgen
