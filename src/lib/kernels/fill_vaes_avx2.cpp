// ARS with VAES on 256-bit registers: two blocks per register, four registers per group
// (the core overlaps consecutive groups). Eight, with the six round keys, the counter and
// its step, needed more than the 16 registers: the spills and reloads cost a C = 2 fill,
// which calls this per 512-byte sector, a third of its speed; C = 1 ran as fast with four.
// What is left after the last group goes two blocks at a time, then one.
#include "ars128.h"
#include "range.h"

namespace dgen {
namespace {

template <int ROUNDS>
struct VaesAvx2Gen {
    __m256i rk[ROUNDS + 1];
    Keys128<ROUNDS> k128;
    explicit VaesAvx2Gen(const ArsKey& key) : k128(key) {
        for (int r = 0; r <= ROUNDS; ++r) rk[r] = _mm256_broadcastsi128_si256(k128.rk[r]);
    }
    __m256i pair(__m256i ctr) const {
        __m256i v = _mm256_xor_si256(ctr, rk[0]);
        for (int r = 1; r < ROUNDS; ++r) v = _mm256_aesenc_epi128(v, rk[r]);
        return _mm256_aesenclast_epi128(v, rk[ROUNDS]);
    }
    void blocks(Block128 ctr, size_t nblocks, uint8_t* out) const {
        const auto cid = static_cast<long long>(ctr.hi);
        const auto b0 = static_cast<long long>(ctr.lo);
        __m256i next = _mm256_set_epi64x(cid, b0 + 1, cid, b0);
        const __m256i two = _mm256_set_epi64x(0, 2, 0, 2);
        constexpr int kLanes = 4;
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
        for (; j + 2 <= nblocks; j += 2) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16 * j), pair(next));
            next = _mm256_add_epi64(next, two);
        }
        if (j < nblocks)
            _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * j),
                             k128.block(_mm256_castsi256_si128(next)));
    }
};

}  // namespace

Kernel vaes_avx2_kernel() {
    return {"vaes-avx2", ByRounds<VaesAvx2Gen>::fill, ByRounds<VaesAvx2Gen>::range,
            ByRounds<VaesAvx2Gen>::ranges};
}

}  // namespace dgen
