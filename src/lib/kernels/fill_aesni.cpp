// ARS with AES-NI: eight independent blocks in flight hide the AESENC latency.
#include "ars128.h"

namespace dgen {
namespace {

template <int ROUNDS>
struct AesNi {
    static void fill(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out) {
        __m128i rk[ROUNDS + 1];
        for (int r = 0; r <= ROUNDS; ++r)
            rk[r] = _mm_set_epi64x(static_cast<long long>(key.k[r].hi),
                                   static_cast<long long>(key.k[r].lo));
        __m128i next = _mm_set_epi64x(static_cast<long long>(ctr.hi), static_cast<long long>(ctr.lo));
        const __m128i one = _mm_set_epi64x(0, 1);
        auto* dst = reinterpret_cast<__m128i*>(out);
        constexpr int kLanes = 8;
        size_t j = 0;
        for (; j + kLanes <= nblocks; j += kLanes) {
            __m128i v[kLanes];
            for (int i = 0; i < kLanes; ++i) {
                v[i] = _mm_xor_si128(next, rk[0]);
                next = _mm_add_epi64(next, one);
            }
            for (int r = 1; r < ROUNDS; ++r)
                for (int i = 0; i < kLanes; ++i) v[i] = _mm_aesenc_si128(v[i], rk[r]);
            for (int i = 0; i < kLanes; ++i)
                _mm_storeu_si128(dst + j + i, _mm_aesenclast_si128(v[i], rk[ROUNDS]));
        }
        ars_blocks_128<ROUNDS>(key, ctr, j, nblocks, out);
    }
};

}  // namespace

void fill_aesni(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out) {
    by_rounds<AesNi>(key, ctr, nblocks, out);
}

}  // namespace dgen
