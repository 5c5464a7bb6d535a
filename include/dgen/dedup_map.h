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

#include <cstddef>
#include <cstdint>

namespace dgen {

// Bijective 64-bit mixer (SplitMix64's finalizer): the Feistel round function's core.
inline uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return x;
}

// The permutation's four Feistel rounds on each y[i] = (left << h) | right, i < n, all
// side by side: eight to a register where the CPU has AVX-512 DQ (64-bit multiplies),
// else one at a time in lockstep so their chains of multiplies overlap.
void feistel_rounds(uint64_t* y, size_t n, uint64_t wkey, int h, uint64_t mask);
void feistel_rounds_scalar(uint64_t* y, size_t n, uint64_t wkey, int h, uint64_t mask);

// One window of the map, with what every slot of it shares worked out once (the round
// key, the half width, M, n as a shift when it is a power of two), so a read that maps a
// batch of units pays per unit only the four rounds. Inline: a D = 2 read maps one unit
// per 4 KiB, and a call per unit cost a fifth of the fill.
class DedupWindow {
public:
    // Slot t's content: base + floor(π(t) · M / n), or base + t if D = 1.
    uint64_t content(uint64_t t) const {
        if (identity_) return base_ + t;
        return scaled(permute(t));
    }

    // content(t[i]) into out[i], i < n: the Feistel rounds of all n in lockstep, so their
    // chains of dependent multiplies overlap instead of running one after another.
    void contents(const uint64_t* t, size_t n, uint64_t* out) const {
        if (identity_) {
            for (size_t i = 0; i < n; ++i) out[i] = base_ + t[i];
            return;
        }
        for (size_t i = 0; i < n; ++i) out[i] = t[i];
        feistel_rounds(out, n, wkey_, h_, mask_);
        for (size_t i = 0; i < n; ++i) {
            const uint64_t s = out[i] < n_ ? out[i] : permute(out[i]);  // walk on, rarely
            out[i] = scaled(s);
        }
    }

private:
    friend class DedupMap;
    uint64_t scaled(uint64_t s) const {  // base + floor(s · M / n)
        if (n_shift_ >= 0) return base_ + ((s * distinct_) >> n_shift_);
        if (n_ <= 1ull << 32) return base_ + s * distinct_ / n_;
        __extension__ using u128 = unsigned __int128;  // s · M reaches 2^80 in a set's group
        return base_ + static_cast<uint64_t>(static_cast<u128>(s) * distinct_ / n_);
    }
    // A 4-round balanced Feistel network on 2h bits (2^2h >= n), cycle-walked into [0, n).
    uint64_t permute(uint64_t t) const {
        uint64_t y = t;
        do {
            uint64_t left = y >> h_, right = y & mask_;
            for (uint64_t round = 0; round < 4; ++round) {
                const uint64_t f = mix64(wkey_ + (round << 32) + right) & mask_;
                const uint64_t next = left ^ f;
                left = right;
                right = next;
            }
            y = (left << h_) | right;
        } while (y >= n_);
        return y;
    }

    bool identity_ = true;
    uint64_t base_ = 0, n_ = 1, wkey_ = 0, mask_ = 0, distinct_ = 1;
    int h_ = 1;
    int n_shift_ = -1;  // log2 n where n is a power of two and s · M fits 64 bits, else -1
};

class DedupMap {
public:
    DedupMap(uint64_t dedup_key, double dedup, uint64_t units);
    bool identity() const { return dedup_ == 1.0; }

    uint64_t content_id(uint64_t unit) const;

    // The general form both standalone streams and file sets use: slot t of window w,
    // which holds n units, carries content base + floor(π_w(t) · M(n) / n) (base + t if
    // D = 1). n may reach 2^40 (a file set's group).
    uint64_t content_in_window(uint64_t base, uint64_t w, uint64_t n, uint64_t t) const {
        return window(base, w, n).content(t);
    }
    // Window w, n slots, contents from base: content_in_window for many slots of it.
    DedupWindow window(uint64_t base, uint64_t w, uint64_t n) const;
    uint64_t distinct_in(uint64_t n) const;  // M(n) = max(1, round(n / D)); n if D = 1

    // Distinct contents in window w; the stream's distinct count is their sum.
    uint64_t window_units(uint64_t w) const;
    uint64_t window_distinct(uint64_t w) const;
    uint64_t windows() const { return windows_; }
    uint64_t distinct_units() const;

private:
    uint64_t key_;
    double dedup_;
    uint64_t units_;
    uint64_t windows_;
};

}  // namespace dgen
