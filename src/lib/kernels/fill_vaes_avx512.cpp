// ARS with VAES on 512-bit registers: four blocks per register, eight registers in flight
// (32 blocks) to cover VAESENC's latency.
#include "ars128.h"

namespace dgen {
namespace {

template <int ROUNDS>
struct VaesAvx512 {
    static void fill(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out) {
        __m512i rk[ROUNDS + 1];
        for (int r = 0; r <= ROUNDS; ++r) {
            const auto lo = static_cast<long long>(key.k[r].lo);
            const auto hi = static_cast<long long>(key.k[r].hi);
            rk[r] = _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
        }
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
            __m512i v = _mm512_xor_si512(next, rk[0]);
            next = _mm512_add_epi64(next, four);
            for (int r = 1; r < ROUNDS; ++r) v = _mm512_aesenc_epi128(v, rk[r]);
            _mm512_storeu_si512(out + 16 * j, _mm512_aesenclast_epi128(v, rk[ROUNDS]));
        }
        ars_blocks_128<ROUNDS>(key, ctr, j, nblocks, out);
    }
};

}  // namespace

void fill_vaes_avx512(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out) {
    by_rounds<VaesAvx512>(key, ctr, nblocks, out);
}

}  // namespace dgen
