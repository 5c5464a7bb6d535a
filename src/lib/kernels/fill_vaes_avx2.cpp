// ARS with VAES on 256-bit registers: two blocks per register, eight registers in flight.
#include "ars128.h"

namespace dgen {
namespace {

template <int ROUNDS>
struct VaesAvx2 {
    static void fill(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out) {
        __m256i rk[ROUNDS + 1];
        for (int r = 0; r <= ROUNDS; ++r) {
            const auto lo = static_cast<long long>(key.k[r].lo);
            const auto hi = static_cast<long long>(key.k[r].hi);
            rk[r] = _mm256_set_epi64x(hi, lo, hi, lo);
        }
        const auto cid = static_cast<long long>(ctr.hi);
        const auto b0 = static_cast<long long>(ctr.lo);
        __m256i next = _mm256_set_epi64x(cid, b0 + 1, cid, b0);
        const __m256i two = _mm256_set_epi64x(0, 2, 0, 2);
        constexpr int kLanes = 8;
        size_t j = 0;
        for (; j + 2 * kLanes <= nblocks; j += 2 * kLanes) {
            __m256i v[kLanes];
            for (int i = 0; i < kLanes; ++i) {
                v[i] = _mm256_xor_si256(next, rk[0]);
                next = _mm256_add_epi64(next, two);
            }
            for (int r = 1; r < ROUNDS; ++r)
                for (int i = 0; i < kLanes; ++i) v[i] = _mm256_aesenc_epi128(v[i], rk[r]);
            for (int i = 0; i < kLanes; ++i)
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16 * (j + 2 * i)),
                                    _mm256_aesenclast_epi128(v[i], rk[ROUNDS]));
        }
        ars_blocks_128<ROUNDS>(key, ctr, j, nblocks, out);
    }
};

}  // namespace

void fill_vaes_avx2(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out) {
    by_rounds<VaesAvx2>(key, ctr, nblocks, out);
}

}  // namespace dgen
