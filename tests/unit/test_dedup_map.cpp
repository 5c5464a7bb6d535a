#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "dgen/dedup_map.h"
#include "dgen/format.h"

namespace dgen {
namespace {

// Per window: exactly M = round(n / D) contents, each used floor(n/M) or ceil(n/M) times.
void expect_exact(double d, uint64_t units) {
    const DedupMap m(0x1234, d, units);
    for (uint64_t w = 0; w < m.windows(); ++w) {
        std::map<uint64_t, uint64_t> count;
        const uint64_t n = m.window_units(w);
        for (uint64_t t = 0; t < n; ++t) ++count[m.content_id((w << kDedupWindowShift) + t)];
        const uint64_t want = std::max<uint64_t>(1, static_cast<uint64_t>(n / d + 0.5));
        ASSERT_EQ(count.size(), want) << "D " << d << " n " << n;
        EXPECT_EQ(m.window_distinct(w), want);
        const uint64_t q = n / want;
        for (const auto& [content, c] : count) {
            ASSERT_TRUE(c == q || c == q + 1) << "content used " << c << " times";
            ASSERT_GE(content, w << kDedupWindowShift);  // windows never share a content
            ASSERT_LT(content, (w << kDedupWindowShift) + n);
        }
    }
}

TEST(DedupMap, ExactDistinctCountsForManyWindowSizes) {
    for (double d : {1.0, 1.37, 2.0, 5.0, 100.0})
        for (uint64_t n : {1ull, 2ull, 3ull, 5ull, 17ull, 1000ull, 4097ull, 10000ull})
            expect_exact(d, n);
}

// A window's batch form (what a D > 1 read uses) gives each slot what the one-slot form
// gives, in windows of every kind: powers of two (M by a shift), sizes up to 2^32 (a
// 64-bit division) and a set group's beyond (128-bit), with slots that cycle-walk.
TEST(DedupMap, BatchOfSlotsEqualsOneSlotAtATime) {
    std::mt19937_64 rng(5);
    for (double d : {1.0, 2.0, 3.7})
        for (uint64_t n : {1ull, 3ull, 4096ull, 5000ull, 1ull << 20, (1ull << 32) + 9, 1ull << 40}) {
            const DedupMap m(rng(), d, kDedupWindowUnits);
            const uint64_t w = rng() % 1000, base = rng() >> 4;
            const DedupWindow win = m.window(base, w, n);
            for (size_t len : {1, 7, 8, 32, 33}) {
                std::vector<uint64_t> t(len), got(len);
                for (uint64_t& x : t) x = rng() % n;
                win.contents(t.data(), len, got.data());
                for (size_t i = 0; i < len; ++i)
                    ASSERT_EQ(got[i], m.content_in_window(base, w, n, t[i])) << "D " << d << " n " << n;
            }
        }
}

// The AVX-512 rounds (where this CPU has them) equal the scalar ones lane for lane.
TEST(DedupMap, FeistelRoundsEqualTheScalarOnes) {
    std::mt19937_64 rng(6);
    for (int h : {1, 5, 10, 16, 20, 31}) {
        const uint64_t mask = (1ull << h) - 1;
        std::vector<uint64_t> y(37);
        for (uint64_t& x : y) x = rng() & ((mask << h) | mask);
        std::vector<uint64_t> want = y;
        const uint64_t wkey = rng();
        feistel_rounds(y.data(), y.size(), wkey, h, mask);
        feistel_rounds_scalar(want.data(), want.size(), wkey, h, mask);
        EXPECT_EQ(y, want) << "h " << h;
        EXPECT_NE(y, std::vector<uint64_t>(37, 0));
    }
}

TEST(DedupMap, FullWindowAndShortTail) {
    expect_exact(3.0, kDedupWindowUnits + 777);
}

TEST(DedupMap, DedupOneIsIdentity) {
    const DedupMap m(99, 1.0, 1ull << 40);
    for (uint64_t u : {0ull, 1ull, 12345ull, (1ull << 40) - 1}) EXPECT_EQ(m.content_id(u), u);
    EXPECT_EQ(m.distinct_units(), 1ull << 40);
}

TEST(DedupMap, DistinctUnitsSumsWindows) {
    const DedupMap m(5, 4.0, 3 * kDedupWindowUnits + 10);
    EXPECT_EQ(m.distinct_units(), 3 * (kDedupWindowUnits / 4) + 3);  // round(10/4) = 3
}

TEST(DedupMap, KeysGiveDifferentPlacements) {
    const DedupMap a(1, 2.0, 1000), b(2, 2.0, 1000);
    int same = 0;
    for (uint64_t u = 0; u < 1000; ++u) same += a.content_id(u) == b.content_id(u);
    EXPECT_LT(same, 50);
}

TEST(DedupMap, Mix64KnownAnswers) {
    // SplitMix64's finalizer; the values pin the Feistel round function of dgen1.
    EXPECT_EQ(mix64(0), 0u);
    EXPECT_EQ(mix64(1), 0x5692161D100B05E5ull);
    EXPECT_EQ(mix64(0x9E3779B97F4A7C15ull), 0xE220A8397B1DCDAFull);
}

}  // namespace
}  // namespace dgen
