#include "dgen/dedup_map.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include <immintrin.h>

#include "dgen/format.h"

namespace dgen {

// Without 64-bit vector multiplies GCC's SSE2 version of these loops was slower.
[[gnu::optimize("no-tree-vectorize")]] void feistel_rounds_scalar(uint64_t* y, size_t n, uint64_t wkey,
                                                                   int h, uint64_t mask) {
    for (uint64_t round = 0; round < 4; ++round)
        for (size_t i = 0; i < n; ++i) {
            const uint64_t left = y[i] >> h, right = y[i] & mask;
            y[i] = (right << h) | (left ^ (mix64(wkey + (round << 32) + right) & mask));
        }
}

namespace {

// The same rounds, eight lanes at a time (mix64 with vpmullq); the leftover lanes scalar.
[[gnu::target("avx512f,avx512dq")]] void feistel_rounds_avx512(uint64_t* y, size_t n, uint64_t wkey,
                                                                int h, uint64_t mask) {
    const __m512i vmask = _mm512_set1_epi64(static_cast<long long>(mask));
    const __m128i shift = _mm_cvtsi32_si128(h);
    const __m512i m1 = _mm512_set1_epi64(static_cast<long long>(0xBF58476D1CE4E5B9ull));
    const __m512i m2 = _mm512_set1_epi64(static_cast<long long>(0x94D049BB133111EBull));
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512i v = _mm512_loadu_si512(y + i);
        for (uint64_t round = 0; round < 4; ++round) {
            const __m512i left = _mm512_srl_epi64(v, shift), right = _mm512_and_si512(v, vmask);
            __m512i x = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(wkey + (round << 32))), right);
            x = _mm512_mullo_epi64(_mm512_xor_si512(x, _mm512_srli_epi64(x, 30)), m1);
            x = _mm512_mullo_epi64(_mm512_xor_si512(x, _mm512_srli_epi64(x, 27)), m2);
            x = _mm512_and_si512(_mm512_xor_si512(x, _mm512_srli_epi64(x, 31)), vmask);
            v = _mm512_or_si512(_mm512_sll_epi64(right, shift), _mm512_xor_si512(left, x));
        }
        _mm512_storeu_si512(y + i, v);
    }
    feistel_rounds_scalar(y + i, n - i, wkey, h, mask);
}

}  // namespace

void feistel_rounds(uint64_t* y, size_t n, uint64_t wkey, int h, uint64_t mask) {
    static const bool wide = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    if (wide) return feistel_rounds_avx512(y, n, wkey, h, mask);
    feistel_rounds_scalar(y, n, wkey, h, mask);
}

DedupMap::DedupMap(uint64_t dedup_key, double dedup, uint64_t units)
    : key_(dedup_key),
      dedup_(dedup),
      units_(units),
      windows_((units + kDedupWindowUnits - 1) >> kDedupWindowShift) {}

uint64_t DedupMap::window_units(uint64_t w) const {
    const uint64_t start = w << kDedupWindowShift;
    return std::min(kDedupWindowUnits, units_ - start);
}

uint64_t DedupMap::distinct_in(uint64_t n) const {
    if (dedup_ == 1.0) return n;
    const auto m = static_cast<uint64_t>(std::floor(static_cast<double>(n) / dedup_ + 0.5));
    return std::max<uint64_t>(1, m);
}

uint64_t DedupMap::window_distinct(uint64_t w) const { return distinct_in(window_units(w)); }

uint64_t DedupMap::distinct_units() const {
    if (windows_ == 0) return 0;
    // All full windows are alike; only the last may be short.
    return (windows_ - 1) * window_distinct(0) + window_distinct(windows_ - 1);
}

DedupWindow DedupMap::window(uint64_t base, uint64_t w, uint64_t n) const {
    DedupWindow win;
    win.base_ = base;
    if (dedup_ == 1.0) return win;
    win.identity_ = false;
    win.n_ = n;
    const int k = std::bit_width(n - 1);  // smallest k with 2^k >= n
    win.h_ = std::max(1, (k + 1) / 2);
    win.mask_ = (1ull << win.h_) - 1;
    win.wkey_ = mix64(key_ ^ (w * 0x9E3779B97F4A7C15ull));
    win.distinct_ = distinct_in(n);
    // s < n = 2^j and M <= n: s · M < 2^(2j), which fits for j <= 32, and for larger j
    // when M < 2^(64 - j).
    const int j = std::countr_zero(n);
    if (std::has_single_bit(n) && (j <= 32 || win.distinct_ >> (64 - j) == 0)) win.n_shift_ = j;
    return win;
}

uint64_t DedupMap::content_id(uint64_t unit) const {
    if (dedup_ == 1.0) return unit;
    const uint64_t w = unit >> kDedupWindowShift;
    return content_in_window(w << kDedupWindowShift, w, window_units(w),
                             unit & (kDedupWindowUnits - 1));
}

}  // namespace dgen
