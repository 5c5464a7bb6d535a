// ARS with AES-NI: eight independent blocks in flight hide the AESENC latency.
#include "ars128.h"
#include "range.h"

namespace dgen {
namespace {

template <int ROUNDS>
struct AesNiGen {
    Keys128<ROUNDS> k;
    explicit AesNiGen(const ArsKey& key) : k(key) {}
    void blocks(Block128 ctr, size_t nblocks, uint8_t* out) const {
        const __m128i* rk = k.rk;
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
        k.blocks_from(ctr, j, nblocks, out);
    }
};

}  // namespace

// ARS backwards, one block: each AESENC round undone as InvMixColumns (AESIMC) of the
// state xor its key, then InvShiftRows and InvSubBytes (AESDECLAST with a zero key).
//   out ^ kR ─declast─▶ v(R-1) ─^k(R-1), imc, declast─▶ ... v(0) ─^k0─▶ ctr
Block128 ars_invert_aesni(const ArsKey& key, Block128 out) {
    const auto lane = [](Block128 b) { return _mm_set_epi64x(static_cast<long long>(b.hi), static_cast<long long>(b.lo)); };
    const __m128i zero = _mm_setzero_si128();
    __m128i v = _mm_aesdeclast_si128(_mm_xor_si128(lane(out), lane(key.k[key.rounds])), zero);
    for (int r = key.rounds - 1; r >= 1; --r)
        v = _mm_aesdeclast_si128(_mm_aesimc_si128(_mm_xor_si128(v, lane(key.k[r]))), zero);
    v = _mm_xor_si128(v, lane(key.k[0]));
    return {static_cast<uint64_t>(_mm_cvtsi128_si64(v)), static_cast<uint64_t>(_mm_extract_epi64(v, 1))};
}

Kernel aesni_kernel() {
    return {"aesni", ByRounds<AesNiGen>::fill, ByRounds<AesNiGen>::range, ByRounds<AesNiGen>::ranges};
}

}  // namespace dgen
