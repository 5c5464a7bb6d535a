// Dedup: which distinct content each unit of a stream carries.
//
//   unit i ──▶ window w = i >> 20, slot t = i & (2^20 - 1), window size n (last may be short)
//          ──▶ s = π_w(t)              keyed pseudo-random permutation of [0, n)
//          ──▶ c = floor(s * M / n)    M = max(1, round(n / D)) distinct contents per window
//          ──▶ content id = (w << 20) + c
//
// Each window holds exactly M distinct contents, each in floor(n/M) or ceil(n/M) units
// spread pseudo-randomly over the window; windows never share a content. With D = 1 the
// permutation is skipped (content id = i): no two units are alike.
#pragma once

#include <cstdint>

namespace dgen {

class DedupMap {
public:
    DedupMap(uint64_t dedup_key, double dedup, uint64_t units);
    bool identity() const { return dedup_ == 1.0; }

    uint64_t content_id(uint64_t unit) const;

    // The general form both standalone streams and file sets use: slot t of window w,
    // which holds n units, carries content base + floor(π_w(t) · M(n) / n) (base + t if
    // D = 1). n may reach 2^40 (a file set's group).
    uint64_t content_in_window(uint64_t base, uint64_t w, uint64_t n, uint64_t t) const;
    uint64_t distinct_in(uint64_t n) const;  // M(n) = max(1, round(n / D)); n if D = 1

    // Distinct contents in window w; the stream's distinct count is their sum.
    uint64_t window_units(uint64_t w) const;
    uint64_t window_distinct(uint64_t w) const;
    uint64_t windows() const { return windows_; }
    uint64_t distinct_units() const;

private:
    uint64_t permute(uint64_t w, uint64_t n, uint64_t t) const;

    uint64_t key_;
    double dedup_;
    uint64_t units_;
    uint64_t windows_;
};

// Bijective 64-bit mixer (SplitMix64's finalizer): the Feistel round function's core.
uint64_t mix64(uint64_t x);

}  // namespace dgen
