#include "dgen/dedup_map.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "dgen/format.h"

namespace dgen {

uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return x;
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

// A 4-round balanced Feistel network on 2h bits (2^2h >= n), cycle-walked into [0, n):
// a bijection of [0, n) keyed by (dedup key, window).
uint64_t DedupMap::permute(uint64_t w, uint64_t n, uint64_t t) const {
    const int k = std::bit_width(n - 1);  // smallest k with 2^k >= n
    const int h = std::max(1, (k + 1) / 2);
    const uint64_t mask = (1ull << h) - 1;
    const uint64_t wkey = mix64(key_ ^ (w * 0x9E3779B97F4A7C15ull));
    uint64_t y = t;
    do {
        uint64_t left = y >> h, right = y & mask;
        for (uint64_t round = 0; round < 4; ++round) {
            const uint64_t f = mix64(wkey + (round << 32) + right) & mask;
            const uint64_t next = left ^ f;
            left = right;
            right = next;
        }
        y = (left << h) | right;
    } while (y >= n);
    return y;
}

uint64_t DedupMap::content_in_window(uint64_t base, uint64_t w, uint64_t n, uint64_t t) const {
    if (dedup_ == 1.0) return base + t;
    const uint64_t s = permute(w, n, t);
    // s, M < n: below 2^32 the product fits 64 bits and skips the 128-bit division call.
    if (n <= 1ull << 32) return base + s * distinct_in(n) / n;
    __extension__ using u128 = unsigned __int128;  // s · M reaches 2^80 in a set's group
    const u128 scaled = static_cast<u128>(s) * distinct_in(n);
    return base + static_cast<uint64_t>(scaled / n);
}

uint64_t DedupMap::content_id(uint64_t unit) const {
    if (dedup_ == 1.0) return unit;
    const uint64_t w = unit >> kDedupWindowShift;
    return content_in_window(w << kDedupWindowShift, w, window_units(w),
                             unit & (kDedupWindowUnits - 1));
}

}  // namespace dgen
