// File sets and the namespace: names, sizes, the directory tree, inode stability, and the
// set's shared dedup domain.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <unordered_set>

#include <xxhash.h>

#include "dgen/fileset.h"
#include "dgen/namespace.h"

namespace dgen {
namespace {

TEST(NamePattern, FormatsAndParsesBack) {
    std::string err;
    const auto p = NamePattern::parse("file-%08u.dat", &err);
    ASSERT_TRUE(p) << err;
    EXPECT_EQ(p->format(42), "file-00000042.dat");
    EXPECT_EQ(p->index_of("file-00000042.dat"), 42u);
    EXPECT_FALSE(p->index_of("file-42.dat"));       // not the canonical spelling
    EXPECT_FALSE(p->index_of("file-0000004x.dat"));
    EXPECT_FALSE(p->index_of("file-00000042.da"));
    const auto q = NamePattern::parse("%u%%", &err);
    ASSERT_TRUE(q) << err;
    EXPECT_EQ(q->format(7), "7%");
    EXPECT_EQ(q->index_of("7%"), 7u);
    EXPECT_FALSE(q->index_of("07%"));
}

TEST(NamePattern, RejectsBadPatterns) {
    std::string err;
    for (const char* bad : {"file", "a%ub%u", "a/%u", "%d", "%x", "%021u", "%"}) {
        EXPECT_FALSE(NamePattern::parse(bad, &err)) << bad;
        EXPECT_NE(err.find(bad), std::string::npos) << err;
    }
}

SetConfig set_of(uint64_t count, uint64_t fpd, uint64_t dpd) {
    SetConfig s;
    s.dir = "small";
    s.count = count;
    s.size = 4096;
    s.files_per_dir = fpd;
    s.dirs_per_dir = dpd;
    return s;
}

TEST(SetTree, DepthAndCounts) {
    const SetTree flat = SetTree::make(set_of(10, 1000, 100));
    EXPECT_EQ(flat.depth, 0);
    EXPECT_EQ(flat.leaves, 1u);
    const SetTree t = SetTree::make(set_of(100000, 1000, 10));  // 100 leaves, 10 per dir
    EXPECT_EQ(t.depth, 2);
    EXPECT_EQ(t.level_count[1], 10u);
    EXPECT_EQ(t.level_count[2], 100u);
    EXPECT_EQ(t.dir_name(3), "d3");
    const SetTree big = SetTree::make(set_of(10000000, 1000, 100));
    EXPECT_EQ(big.depth, 2);
    EXPECT_EQ(big.level_count[1], 100u);
    EXPECT_EQ(big.level_count[2], 10000u);
    EXPECT_EQ(big.dir_name(7), "d07");
}

TEST(SetSizes, DrawnSizesStayInRangeAndArePinned) {
    SetConfig s = set_of(20000, 1000, 100);
    s.size_dist = SizeDist::LogUniform;
    s.size_min = 4096;
    s.size_max = 1 << 20;
    uint64_t small = 0;
    for (uint64_t k = 0; k < s.count; ++k) {
        const uint64_t sz = set_file_size(s, 1, k);
        ASSERT_GE(sz, 4096u);
        ASSERT_LE(sz, 1u << 20);
        small += sz < 65536;
    }
    EXPECT_NEAR(static_cast<double>(small) / s.count, 0.5, 0.03);  // log-uniform: half below the geometric middle
    // Pinned (docs/FORMAT.md §7): a drawn size is part of the format.
    EXPECT_EQ(set_file_size(s, 1, 0), 568145u);
    EXPECT_EQ(set_file_size(s, 1, 1), 4662u);
    EXPECT_EQ(set_file_size(s, 1, 999), 543651u);
    s.size_dist = SizeDist::Uniform;
    s.size_min = 1;
    s.size_max = 100;
    EXPECT_EQ(set_file_size(s, 9, 0), 16u);
    EXPECT_EQ(set_file_size(s, 9, 999), 52u);
    std::set<uint64_t> seen;
    for (uint64_t k = 0; k < 5000; ++k) seen.insert(set_file_size(s, 9, k));
    EXPECT_EQ(seen.size(), 100u);
}

// The sizes of a set are drawn with integers only (docs/FORMAT.md §7), so no libm, long
// double width or compiler can move them. These pins came from the integer definition.
TEST(SetSizes, IntegerDrawsArePinnedAcrossTheWholeRange) {
    SetConfig s = set_of(1ull << 32, 1000, 100);
    s.size_dist = SizeDist::LogUniform;
    s.size_min = 0;
    s.size_max = 1ull << 40;
    EXPECT_EQ(set_file_size(s, 5, 0), 25u);
    EXPECT_EQ(set_file_size(s, 5, 1), 1634612u);
    EXPECT_EQ(set_file_size(s, 5, 2), 158u);
    EXPECT_EQ(set_file_size(s, 5, 12345), 1u);
    EXPECT_EQ(set_file_size(s, 5, 4294967295), 16138305u);
    s.size_dist = SizeDist::Uniform;
    s.size_min = 4096;
    EXPECT_EQ(set_file_size(s, 3, 0), 581635530230u);
    EXPECT_EQ(set_file_size(s, 3, 1), 763544199537u);
    EXPECT_EQ(set_file_size(s, 3, 4294967295), 578499884005u);
}

// exp2_fixed walks only the fraction's set bits; docs/FORMAT.md §7 defines it bit by bit,
// j = 1..48, multiplying by 2^(2^-j) (Q62, floored) where bit j is set. Both must agree
// on every input, as here on a million random ones and the edges.
TEST(SetSizes, Exp2MatchesTheBitByBitDefinition) {
    __extension__ typedef unsigned __int128 u128;
    std::vector<uint64_t> c(kLogFractionBits + 1);
    c[0] = 1ull << 63;
    for (int j = 1; j <= kLogFractionBits; ++j) {  // floor(sqrt(c[j-1] * 2^62)), by bisection
        const u128 v = static_cast<u128>(c[j - 1]) << 62;
        uint64_t lo = 0, hi = 1ull << 63;  // the root of a value below 2^126
        while (lo < hi) {
            const uint64_t mid = lo + (hi - lo + 1) / 2;
            if (static_cast<u128>(mid) * mid <= v) lo = mid; else hi = mid - 1;
        }
        c[j] = lo;
    }
    auto reference = [&](uint64_t y) {
        const uint64_t i = y >> kLogFractionBits;
        if (i >= 64) return UINT64_MAX;
        uint64_t m = 1ull << 62;
        for (int j = 1; j <= kLogFractionBits; ++j)
            if ((y >> (kLogFractionBits - j)) & 1) m = static_cast<uint64_t>((static_cast<u128>(m) * c[j]) >> 62);
        const u128 v = (static_cast<u128>(m) << i) >> 62;
        return v > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(v);
    };
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int n = 0; n < 1000000; ++n) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const uint64_t y = x % (65ull << kLogFractionBits);
        ASSERT_EQ(exp2_fixed(y), reference(y)) << y;
    }
    for (uint64_t y : {0ull, 1ull, (1ull << kLogFractionBits) - 1, 63ull << kLogFractionBits,
                       (64ull << kLogFractionBits) - 1})
        EXPECT_EQ(exp2_fixed(y), reference(y)) << y;
}

TEST(SetSizes, FixedPointLogAndPowerKnownAnswers) {
    constexpr uint64_t one = 1ull << kLogFractionBits;
    EXPECT_EQ(log2_fixed(1), 0u);
    for (uint64_t k = 0; k < 64; ++k) {
        EXPECT_EQ(log2_fixed(1ull << k), k * one) << k;  // powers of two are exact both ways
        EXPECT_EQ(exp2_fixed(k * one), 1ull << k) << k;
    }
    EXPECT_EQ(log2_fixed(3), 446127282977750u);   // log2(3) = 1.58496250072115618...
    EXPECT_EQ(log2_fixed(10), 935039633142894u);  // log2(10) = 3.32192809488736234...
    EXPECT_EQ(exp2_fixed(10 * one + one / 2), 1448u);  // 2^10.5 = 1448.15...
    EXPECT_EQ(exp2_fixed(64 * one), UINT64_MAX);       // saturates
    // Against the real functions: the fixed point is within 2^-46 of log2, and a round
    // trip lands within one part in 2^44 (tolerances of this test, not of the code).
    for (uint64_t x : {3ull, 7ull, 1000ull, 4097ull, 123456789ull, 1ull << 50, (1ull << 50) + 1}) {
        const long double want = std::log2(static_cast<long double>(x)) * static_cast<long double>(one);
        EXPECT_NEAR(static_cast<double>(log2_fixed(x)), static_cast<double>(want), 4.0) << x;
        const double back = static_cast<double>(exp2_fixed(log2_fixed(x) + 1));
        EXPECT_NEAR(back / static_cast<double>(x), 1.0, std::ldexp(1.0, -44)) << x;
    }
}

TEST(SetSizes, LogUniformPutsEqualCountsInEveryOctave) {
    SetConfig s = set_of(80000, 1000, 100);
    s.size_dist = SizeDist::LogUniform;
    s.size_min = 4096;
    s.size_max = (1 << 20) - 1;  // 8 whole octaves: [4 KiB, 8 KiB) ... [512 KiB, 1 MiB)
    std::map<int, uint64_t> per_octave;
    for (uint64_t k = 0; k < s.count; ++k) ++per_octave[63 - __builtin_clzll(set_file_size(s, 1, k))];
    ASSERT_EQ(per_octave.size(), 8u);
    for (const auto& [octave, n] : per_octave)
        EXPECT_NEAR(static_cast<double>(n), 10000.0, 400.0) << "octave 2^" << octave;  // 4 sigma
}

TEST(SetSizes, TotalsAndOverflow) {
    SetConfig s = set_of(3, 1000, 100);
    EXPECT_EQ(set_total_size(s, 0), 3u * 4096);
    s.size = 1ull << 62;
    EXPECT_FALSE(set_total_size(s, 0));
    s.size_dist = SizeDist::Uniform;
    s.size_min = 1ull << 61;
    s.size_max = 1ull << 62;
    s.count = 8;
    EXPECT_FALSE(set_total_size(s, 0));
}

// size_draw = stratified (docs/FORMAT.md §7): file k of block k / 4096 has the quantile
// Q[perm(k % 4096)]. These pins came from a re-implementation of §7's text (Python, with
// the independent pins above as its check), not from this code.
SetConfig stratified_set(SizeDist dist, uint64_t lo, uint64_t hi, uint64_t count) {
    SetConfig s = set_of(count, 1000, 100);
    s.size_dist = dist;
    s.size_min = lo;
    s.size_max = hi;
    s.size_draw = SizeDrawMode::Stratified;
    return s;
}

// Every file's size, one by one: what set_total_size must equal.
uint64_t brute_total(const SetConfig& s, uint64_t seed) {
    const SizeDraw draw(s, seed);
    uint64_t sum = 0;
    for (uint64_t k = 0; k < s.count; ++k) sum += draw(k);
    return sum;
}

TEST(SetSizes, StratifiedDrawsArePinned) {
    struct Case {
        SizeDist dist;
        uint64_t lo, hi, seed;
        uint64_t sizes[5];   // k = 0, 1, 4095, 4096, 10^6
        uint64_t q_first, q_last, q_sum;
        uint64_t totals[3];  // count = 1000, 4096, 3 * 4096 + 17
    };
    const Case cases[] = {
        {SizeDist::Uniform, 1, 100000, 9, {77869, 97278, 95740, 5555, 15247}, 13, 99988, 204802048,
         {50323225, 204802048, 615376257}},
        {SizeDist::LogUniform, 4096, 1 << 20, 1, {977959, 157036, 226639, 12455, 18797}, 4098, 1047867, 771513915,
         {176709908, 771513915, 2316861057}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(static_cast<int>(c.dist));
        SetConfig s = stratified_set(c.dist, c.lo, c.hi, 1ull << 32);
        const SizeDraw draw(s, c.seed);
        const uint64_t ks[5] = {0, 1, 4095, 4096, 1000000};
        for (int i = 0; i < 5; ++i) {
            EXPECT_EQ(set_file_size(s, c.seed, ks[i]), c.sizes[i]) << "k = " << ks[i];
            EXPECT_EQ(draw(ks[i]), c.sizes[i]) << "k = " << ks[i];
        }
        EXPECT_EQ(draw.quantile(0), c.q_first);
        EXPECT_EQ(draw.quantile(kStratumFiles - 1), c.q_last);
        uint64_t q_sum = 0;
        for (uint64_t t = 0; t < kStratumFiles; ++t) q_sum += draw.quantile(t);
        EXPECT_EQ(q_sum, c.q_sum);
        // Q[t] is the independent formula at the stratum's midpoint h = (2t + 1) << 51.
        for (uint64_t t : {0ull, 1ull, 2047ull, 4095ull}) EXPECT_EQ(draw.quantile(t), draw.from_bits((2 * t + 1) << 51));
        const uint64_t counts[3] = {1000, kStratumFiles, 3 * kStratumFiles + 17};
        for (int i = 0; i < 3; ++i) {
            s.count = counts[i];
            EXPECT_EQ(set_total_size(s, c.seed), c.totals[i]) << "count = " << counts[i];
            EXPECT_EQ(brute_total(s, c.seed), c.totals[i]) << "count = " << counts[i];
        }
    }
}

// From 2^24 files, independent draws are summed on every usable CPU, in parts: the total
// is the one-by-one sum whatever the split (a count no CPU count divides evenly).
TEST(SetSizes, LargeIndependentTotalsMatchTheOneByOneSum) {
    SetConfig s = set_of((1ull << 24) + 12345, 1000, 100);
    s.size_dist = SizeDist::LogUniform;
    s.size_min = 4096;
    s.size_max = 1 << 20;
    EXPECT_EQ(set_total_size(s, 1), brute_total(s, 1));
    EXPECT_EQ(set_total_size(s, 1), 3161207356161u);  // pinned from brute_total
    s.size_dist = SizeDist::Uniform;
    s.size_min = 1ull << 43;
    s.size_max = (1ull << 44) - 1;
    EXPECT_FALSE(set_total_size(s, 1));  // 2^24 sizes of 2^43 or more pass 2^63 - 1
}

// A DrawnTotal of two sets, taken by several threads at once (each finish() also starts
// helpers): every chunk summed once, the total the one-by-one sum of both sets.
TEST(SetSizes, DrawnTotalSumsEachChunkOnce) {
    SetConfig a = set_of((1ull << 21) + 7, 1000, 100);
    a.size_dist = SizeDist::LogUniform;
    a.size_min = 4096;
    a.size_max = 1 << 20;
    SetConfig b = set_of(12345, 1000, 100);
    b.size_dist = SizeDist::Uniform;
    b.size_min = 0;
    b.size_max = 1ull << 40;
    DrawnTotal t;
    t.add(a, 1);
    t.add(b, 2);
    EXPECT_EQ(t.files(), (1ull << 21) + 7 + 12345);
    EXPECT_FALSE(t.known());
    const uint64_t want = brute_total(a, 1) + brute_total(b, 2);
    std::vector<std::optional<uint64_t>> got(3);
    std::vector<std::thread> callers;
    for (auto& g : got) callers.emplace_back([&t, &g] { g = t.finish(2); });
    for (auto& c : callers) c.join();
    for (const auto& g : got) EXPECT_EQ(g, want);
    EXPECT_EQ(t.known(), want);
    EXPECT_EQ(t.finish(4), want);  // summed: at once
}

TEST(SetSizes, CancelledDrawnTotalIsUnknown) {
    SetConfig a = set_of(1ull << 22, 1000, 100);
    a.size_dist = SizeDist::Uniform;
    a.size_min = 1;
    a.size_max = 1000;
    DrawnTotal t;
    t.add(a, 1);
    t.cancel();
    EXPECT_FALSE(t.finish(2));
    EXPECT_FALSE(t.known());
}

// Sets of 2^24 or more independent draws are summed when first asked for: a Namespace
// knows every other total at once, and the deferred one after total_bytes() or the
// background sum, equal to the one-by-one sum.
TEST(SetSizes, NamespaceDefersLargeDrawnTotals) {
    Config c;
    SetConfig big = set_of(1ull << 24, 1000, 100);
    big.dir = "big";
    big.size_dist = SizeDist::LogUniform;
    big.size_min = 4096;
    big.size_max = 1 << 20;
    big.files_per_dir = 1ull << 24;
    c.sets.push_back(big);
    SetConfig fixed = set_of(1ull << 24, 1000, 100);
    fixed.dir = "fixed";
    fixed.size = 10;
    fixed.files_per_dir = 1ull << 24;
    c.sets.push_back(fixed);
    EXPECT_TRUE(total_is_deferred(big));
    EXPECT_FALSE(total_is_deferred(fixed));
    big.count -= 1;
    EXPECT_FALSE(total_is_deferred(big));  // below 2^24: summed at once
    big.count += 1;
    big.size_draw = SizeDrawMode::Stratified;
    EXPECT_FALSE(total_is_deferred(big));
    big.size_draw = SizeDrawMode::Independent;

    const uint64_t want = brute_total(big, c.dataset.seed) + (10ull << 24);
    {
        const Namespace ns(c);
        EXPECT_EQ(ns.deferred_total_files(), 1ull << 24);
        EXPECT_FALSE(ns.total_bytes_if_known());
        EXPECT_EQ(ns.total_bytes(), want);
        EXPECT_EQ(ns.total_bytes_if_known(), want);
    }
    {
        const Namespace ns(c);
        std::promise<std::pair<uint64_t, double>> done;
        ns.sum_total_in_background([&](uint64_t total, double seconds) { done.set_value({total, seconds}); });
        const auto [total, seconds] = done.get_future().get();
        EXPECT_EQ(total, want);
        EXPECT_GE(seconds, 0.0);
        EXPECT_EQ(ns.total_bytes_if_known(), want);
    }
    {
        const Namespace ns(c);  // destroyed while summing: stops, never calls back
        ns.sum_total_in_background([](uint64_t, double) { ADD_FAILURE() << "a cancelled sum called back"; });
    }
}

TEST(SetSizes, SlowTotalsAreNoted) {
    Config c;
    SetConfig s = set_of(1ull << 27, 1000, 100);
    s.dir = "big";
    s.line = 7;
    s.size_dist = SizeDist::LogUniform;
    s.size_min = 4096;
    s.size_max = 1 << 20;
    c.sets.push_back(s);
    s.count = (1ull << 27) - 1;  // just below: no note
    c.sets.push_back(s);
    s.count = 1ull << 32;
    s.size_draw = SizeDrawMode::Stratified;  // totalled at once: no note
    c.sets.push_back(s);
    s.size_dist = SizeDist::Fixed;
    s.size_draw = SizeDrawMode::Independent;
    c.sets.push_back(s);
    const auto notes = slow_total_notes(c, "x.ini");
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].line, 7);
    EXPECT_NE(notes[0].str().find("x.ini:7: [set] big: its 134217728 sizes, drawn one by one (size_draw = independent)"),
              std::string::npos) << notes[0].str();
    EXPECT_NE(notes[0].str().find("size_draw = stratified totals them at once"), std::string::npos);
}

// Each full block holds every quantile exactly once: its stratum indices are a
// permutation of [0, 4096), so its sorted sizes are the sorted table.
TEST(SetSizes, StratifiedBlocksHoldEveryQuantileOnce) {
    for (SizeDist dist : {SizeDist::Uniform, SizeDist::LogUniform}) {
        SCOPED_TRACE(static_cast<int>(dist));
        const SetConfig s = stratified_set(dist, 0, 1ull << 40, 1ull << 32);
        const SizeDraw draw(s, 77);
        std::vector<uint64_t> q(kStratumFiles);
        for (uint64_t t = 0; t < kStratumFiles; ++t) q[t] = draw.quantile(t);
        std::sort(q.begin(), q.end());
        std::vector<uint64_t> first_order;
        for (uint64_t j : {0ull, 1ull, 2ull, 1000ull, (1ull << 20) - 1}) {
            SCOPED_TRACE(j);
            std::vector<uint64_t> slots, sizes;
            for (uint64_t i = 0; i < kStratumFiles; ++i) {
                slots.push_back(draw.stratum_of(j * kStratumFiles + i));
                sizes.push_back(draw(j * kStratumFiles + i));
            }
            if (j == 0) first_order = slots;
            else EXPECT_NE(slots, first_order) << "every block in the same order";
            std::sort(slots.begin(), slots.end());
            for (uint64_t t = 0; t < kStratumFiles; ++t) ASSERT_EQ(slots[t], t);
            std::sort(sizes.begin(), sizes.end());
            EXPECT_EQ(sizes, q);
        }
    }
}

// A total is O(4096) however many files: 2^32 files are 2^20 whole blocks.
TEST(SetSizes, StratifiedTotalsOfTwoToThe32Files) {
    for (SizeDist dist : {SizeDist::Uniform, SizeDist::LogUniform}) {
        SCOPED_TRACE(static_cast<int>(dist));
        SetConfig s = stratified_set(dist, 4096, 1 << 20, 1ull << 32);
        const SizeDraw draw(s, 1);
        uint64_t q_sum = 0;
        for (uint64_t t = 0; t < kStratumFiles; ++t) q_sum += draw.quantile(t);
        EXPECT_EQ(set_total_size(s, 1), q_sum << 20);
        s.count = (1ull << 32) - 5;  // 2^20 - 1 whole blocks and 4091 files of the last
        uint64_t tail = 0;
        for (uint64_t k = (1ull << 32) - kStratumFiles; k < s.count; ++k) tail += draw(k);
        EXPECT_EQ(set_total_size(s, 1), q_sum * ((1ull << 20) - 1) + tail);
    }
    // The §7 re-implementation's totals for 2^32 files (the pinned cases above).
    EXPECT_EQ(set_total_size(stratified_set(SizeDist::Uniform, 1, 100000, 1ull << 32), 9), 214750512283648u);
    EXPECT_EQ(set_total_size(stratified_set(SizeDist::LogUniform, 4096, 1 << 20, 1ull << 32), 1), 808990974935040u);
}

TEST(SetSizes, StratifiedTotalsOverflowAsIndependentOnes) {
    SetConfig s = stratified_set(SizeDist::Uniform, 1ull << 61, 1ull << 61, 3);
    EXPECT_EQ(set_total_size(s, 0), 3ull << 61);
    s.count = 4;  // 2^63: one past the largest total
    EXPECT_FALSE(set_total_size(s, 0));
    s = stratified_set(SizeDist::LogUniform, 1ull << 40, 1ull << 41, 1ull << 32);  // > 2^72 in whole blocks
    EXPECT_FALSE(set_total_size(s, 0));
    s = stratified_set(SizeDist::Uniform, (1ull << 50) - 1, 1ull << 50, 8191);  // one block and a short one
    const auto t = set_total_size(s, 0);
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, brute_total(s, 0));
}

// Stratified changes nothing for fixed sizes, and independent is the draw pinned above.
TEST(SetSizes, StratifiedLeavesFixedSizesAndTheDefaultAlone) {
    SetConfig s = set_of(10000, 1000, 100);
    s.size_draw = SizeDrawMode::Stratified;
    EXPECT_EQ(set_file_size(s, 1, 4097), 4096u);
    EXPECT_EQ(set_total_size(s, 1), 10000u * 4096);
    s.size_dist = SizeDist::LogUniform;
    s.size_min = 4096;
    s.size_max = 1 << 20;
    s.size_draw = SizeDrawMode::Independent;
    EXPECT_EQ(set_file_size(s, 1, 0), 568145u);
    EXPECT_EQ(set_file_size(s, 1, 999), 543651u);
    EXPECT_FALSE(SizeDraw(s, 1).stratified());
}

// The namespace serves the stratified draw: sizes, the statfs total, and each file's
// place in its dedup group (the cached prefix sums), as set_placement computes them.
TEST(SetSizes, NamespaceServesStratifiedSizes) {
    SetConfig s = stratified_set(SizeDist::Uniform, 1, 100000, 3 * kStratumFiles + 17);
    s.dir = "strat";
    s.files_per_dir = 1ull << 32;  // one leaf: strat/f%08u
    Config c;
    c.dataset.seed = 9;
    c.sets.push_back(s);
    const Namespace ns(c);
    EXPECT_EQ(ns.total_bytes(), 615376257u);
    for (uint64_t k : {uint64_t{0}, uint64_t{4095}, uint64_t{4096}, uint64_t{5000}, 3 * kStratumFiles + 16}) {
        SCOPED_TRACE(k);
        char name[40];
        std::snprintf(name, sizeof name, "strat/f%08llu", static_cast<unsigned long long>(k));
        const auto ino = ns.resolve(name);
        ASSERT_TRUE(ino) << name;
        StreamParams p;
        p.seed = 9;
        p.name = "strat";
        p.size = set_file_size(s, 9, k);
        EXPECT_EQ(ns.attr(*ino)->size, p.size);
        const SetPlacement pl = set_placement(s, 9, p.unit, k);
        uint64_t before = 0;
        for (uint64_t i = k / kSetGroupFiles * kSetGroupFiles; i < k; ++i)
            before += (set_file_size(s, 9, i) + p.unit - 1) / p.unit;
        EXPECT_EQ(pl.prefix_units, before);
        const Stream want(p, SetMember{pl.group, pl.prefix_units, pl.group_units});
        const auto src = ns.open(*ino);
        std::vector<uint8_t> a(p.size + 10), b(p.size + 10);
        EXPECT_EQ(src->read(0, a.size(), a.data()), p.size);
        EXPECT_EQ(want.read(0, b.size(), b.data()), p.size);
        EXPECT_EQ(a, b);
    }
}

Config sample_config() {
    Config c;
    c.dataset.seed = 5;
    c.files.push_back({"big.bin", 10 << 20, {}, 1});
    FileConfig nested{"a/b/c.bin", 12345, {}, 2};
    nested.over.dedup = 2.0;
    c.files.push_back(nested);
    FileConfig zero{"a/zero", 1 << 20, {}, 3};
    zero.over.pattern = Pattern::Zero;
    c.files.push_back(zero);
    SetConfig s = set_of(2500, 100, 5);  // 25 leaves -> depth 2 (5 x 5)
    s.dir = "sets/small";
    s.name = "f%05u";
    s.over.dedup = 2.0;
    c.sets.push_back(s);
    return c;
}

TEST(Namespace, ResolvesLooksUpAndCounts) {
    const Namespace ns(sample_config());
    EXPECT_EQ(ns.total_files(), 3u + 2500);
    EXPECT_EQ(ns.total_bytes(), (10u << 20) + 12345 + (1u << 20) + 2500 * 4096);
    // root, a, a/b, sets, sets/small + 5 + 25 set dirs
    EXPECT_EQ(ns.total_dirs(), 5u + 5 + 25);
    const auto big = ns.resolve("big.bin");
    ASSERT_TRUE(big);
    EXPECT_EQ(*big, (1ull << 40) + 0);
    EXPECT_EQ(ns.attr(*big)->size, 10u << 20);
    ASSERT_TRUE(ns.resolve("a/b/c.bin"));
    // File 1234 lives in leaf 12 = d2/d2 (level-1 dir 2, its child 2).
    const auto f = ns.resolve("sets/small/d2/d2/f01234");
    ASSERT_TRUE(f);
    EXPECT_EQ(*f, (1ull << 48) | 1234);
    EXPECT_FALSE(ns.resolve("sets/small/d2/d3/f01234"));  // wrong leaf
    EXPECT_FALSE(ns.resolve("sets/small/d5"));            // only d0..d4
    EXPECT_FALSE(ns.resolve("sets/small/d0/d0/f1"));      // not canonical
    EXPECT_FALSE(ns.resolve("nothing"));
    EXPECT_TRUE(ns.attr(*ns.resolve("sets/small/d4"))->dir);
    EXPECT_EQ(ns.attr(kRootIno)->nlink, 2u + 2);  // a, sets
}

std::map<std::string, NodeAttr> list(const Namespace& ns, uint64_t ino, uint64_t from = 0) {
    std::map<std::string, NodeAttr> out;
    EXPECT_TRUE(ns.readdir(ino, from, [&](const std::string& n, const NodeAttr& a, uint64_t) {
        out[n] = a;
        return true;
    }));
    return out;
}

TEST(Namespace, ReaddirResumesAtAnyOffset) {
    const Namespace ns(sample_config());
    const uint64_t leaf = *ns.resolve("sets/small/d0/d1");
    std::vector<std::string> all;
    ns.readdir(leaf, 0, [&](const std::string& n, const NodeAttr&, uint64_t) {
        all.push_back(n);
        return true;
    });
    ASSERT_EQ(all.size(), 2u + 100);
    EXPECT_EQ(all[0], ".");
    EXPECT_EQ(all[1], "..");
    EXPECT_EQ(all[2], "f00100");
    // Resume one entry at a time from each returned offset: the same sequence.
    std::vector<std::string> stepped;
    uint64_t off = 0;
    for (;;) {
        bool got = false;
        ns.readdir(leaf, off, [&](const std::string& n, const NodeAttr&, uint64_t next) {
            stepped.push_back(n);
            off = next;
            got = true;
            return false;
        });
        if (!got) break;
    }
    EXPECT_EQ(stepped, all);
    const auto root = list(ns, kRootIno);
    EXPECT_EQ(root.size(), 5u);  // . .. a big.bin sets
    EXPECT_TRUE(root.at("a").dir);
    EXPECT_FALSE(ns.readdir(*ns.resolve("big.bin"), 0, [](auto&&...) { return true; }));
}

TEST(Namespace, EveryListedEntryLooksUpToTheSameInode) {
    const Namespace ns(sample_config());
    std::unordered_set<uint64_t> inodes;
    std::vector<uint64_t> dirs{kRootIno};
    uint64_t files = 0;
    while (!dirs.empty()) {
        const uint64_t d = dirs.back();
        dirs.pop_back();
        for (const auto& [name, a] : list(ns, d)) {
            if (name == "." || name == "..") continue;
            const auto l = ns.lookup(d, name);
            ASSERT_TRUE(l) << name;
            ASSERT_EQ(l->ino, a.ino) << name;
            ASSERT_TRUE(inodes.insert(a.ino).second) << "inode reused: " << name;
            if (a.dir) dirs.push_back(a.ino);
            else ++files;
        }
    }
    EXPECT_EQ(files, ns.total_files());
}

TEST(Namespace, PathIsResolvesInverse) {
    const Namespace ns(sample_config());
    EXPECT_EQ(ns.path(kRootIno), "");
    EXPECT_EQ(ns.path((1ull << 48) | 1234), "sets/small/d2/d2/f01234");
    EXPECT_EQ(ns.path(*ns.resolve("a/b")), "a/b");
    EXPECT_EQ(ns.path(*ns.resolve("sets/small/d4")), "sets/small/d4");
    EXPECT_EQ(ns.path(*ns.resolve("sets/small/d4/d3")), "sets/small/d4/d3");
    EXPECT_FALSE(ns.path((1ull << 48) | 2500));  // no file 2500
    std::vector<std::pair<uint64_t, std::string>> todo{{kRootIno, ""}};
    while (!todo.empty()) {
        const auto [d, dir_path] = todo.back();
        todo.pop_back();
        for (const auto& [name, a] : list(ns, d)) {
            if (name == "." || name == "..") continue;
            const std::string p = dir_path.empty() ? name : dir_path + "/" + name;
            ASSERT_EQ(ns.path(a.ino), p);
            if (a.dir) todo.emplace_back(a.ino, p);
        }
    }
}

TEST(Namespace, TenMillionFilesCostNothingUpFront) {
    Config c;
    SetConfig s = set_of(10000000, 1000, 100);
    c.sets.push_back(s);
    const Namespace ns(c);
    EXPECT_EQ(ns.total_files(), 10000000u);
    const auto f = ns.resolve("small/d99/d99/f09999999");
    ASSERT_TRUE(f);
    EXPECT_EQ(ns.attr(*f)->size, 4096u);
}

TEST(Namespace, XattrsDescribeTheFile) {
    const Namespace ns(sample_config());
    const auto x = ns.xattrs(*ns.resolve("a/b/c.bin"));
    std::map<std::string, std::string> m(x.begin(), x.end());
    EXPECT_EQ(m.at("user.dgen.format"), "dgen2");
    EXPECT_EQ(m.at("user.dgen.seed"), "5");
    EXPECT_EQ(m.at("user.dgen.dedup"), "2");
    EXPECT_EQ(m.at("user.dgen.compress"), "1");
    EXPECT_EQ(m.at("user.dgen.unit"), "4096");
    EXPECT_EQ(m.at("user.dgen.dedup_run"), "4096");
    EXPECT_EQ(m.at("user.dgen.pattern"), "dgen");
    EXPECT_EQ(m.at("user.dgen.stream"), "a/b/c.bin");
    EXPECT_TRUE(ns.xattrs(kRootIno).empty());
}

TEST(Namespace, FilesReadLikeTheirStreams) {
    const Namespace ns(sample_config());
    const auto src = ns.open(*ns.resolve("a/b/c.bin"));
    ASSERT_TRUE(src);
    StreamParams p;
    p.seed = 5;
    p.name = "a/b/c.bin";
    p.size = 12345;
    p.dedup = 2;
    const Stream s(p);
    std::vector<uint8_t> a(20000), b(20000);
    EXPECT_EQ(src->read(0, a.size(), a.data()), 12345u);
    EXPECT_EQ(s.read(0, b.size(), b.data()), 12345u);
    EXPECT_EQ(a, b);
    const auto z = ns.open(*ns.resolve("a/zero"));
    EXPECT_TRUE(z->zero());
    std::fill(a.begin(), a.end(), 1);
    EXPECT_EQ(z->read((1 << 20) - 10, 100, a.data()), 10u);
    EXPECT_EQ(a[0], 0);
    EXPECT_EQ(a[10], 1);
    EXPECT_FALSE(ns.open(kRootIno));
}

// Each file of a set with drawn sizes sits in its group after the units of the group's
// files before it: set_placement and the namespace's cached prefix sums both say so, as
// a plain sum of the pinned sizes does.
TEST(SetSizes, PlacementsSumTheSizesBefore) {
    SetConfig s = set_of(2500, 100, 5);
    s.size_dist = SizeDist::LogUniform;
    s.size_min = 1;
    s.size_max = 300000;
    const uint32_t unit = 4096;
    auto units_before = [&](uint64_t k) {
        uint64_t sum = 0;
        for (uint64_t i = k / kSetGroupFiles * kSetGroupFiles; i < k; ++i) sum += (set_file_size(s, 3, i) + unit - 1) / unit;
        return sum;
    };
    const SizeDraw draw(s, 3);
    for (uint64_t k : {0ull, 1ull, 1023ull, 1024ull, 1500ull, 2047ull, 2048ull, 2499ull}) {
        SCOPED_TRACE(k);
        EXPECT_EQ(draw(k), set_file_size(s, 3, k));
        const SetPlacement p = set_placement(s, 3, unit, k);
        EXPECT_EQ(p.group, k / kSetGroupFiles);
        EXPECT_EQ(p.prefix_units, units_before(k));
        const uint64_t end = std::min<uint64_t>(s.count, (p.group + 1) * kSetGroupFiles);
        EXPECT_EQ(p.group_units, units_before(end - 1) + (set_file_size(s, 3, end - 1) + unit - 1) / unit);
    }
    Config c;
    c.dataset.seed = 3;
    s.dir = "drawn";
    c.sets.push_back(s);
    const Namespace ns(c);
    // Out of group order, so that the cache both misses and hits.
    for (uint64_t k : {1500ull, 3ull, 2499ull, 1501ull, 4ull, 1024ull}) {
        SCOPED_TRACE(k);
        char name[80];
        std::snprintf(name, sizeof name, "drawn/d%llu/d%llu/f%08llu", (unsigned long long)(k / 100 / 5),
                      (unsigned long long)(k / 100 % 5), (unsigned long long)k);
        const auto ino = ns.resolve(name);
        ASSERT_TRUE(ino) << name;
        const auto src = ns.open(*ino);
        StreamParams p;
        p.seed = 3;
        p.name = "drawn";
        p.size = set_file_size(s, 3, k);
        const SetPlacement pl = set_placement(s, 3, p.unit, k);
        const Stream want(p, SetMember{pl.group, pl.prefix_units, pl.group_units});
        std::vector<uint8_t> a(p.size + 10), b(p.size + 10);
        EXPECT_EQ(src->read(0, a.size(), a.data()), p.size);
        EXPECT_EQ(want.read(0, b.size(), b.data()), p.size);
        EXPECT_EQ(a, b);
    }
}

// A set of one-unit files is one dedup domain: D = 2 across files, exact per group.
TEST(SetDomain, DedupSpansFilesOfTheSet) {
    Config c;
    SetConfig s = set_of(4096, 1000, 100);
    s.over.dedup = 2.0;
    c.sets.push_back(s);
    const Namespace ns(c);
    std::unordered_set<uint64_t> distinct;
    std::vector<uint8_t> buf(4096);
    for (uint64_t k = 0; k < 4096; ++k) {
        const auto src = ns.open((1ull << 48) | k);
        ASSERT_EQ(src->read(0, 4096, buf.data()), 4096u);
        distinct.insert(XXH3_64bits(buf.data(), buf.size()));
    }
    EXPECT_EQ(distinct.size(), 2048u);  // 4 groups of 1024 files, 512 contents each
}

// Dedup runs in a set run over the group's concatenated units, across file boundaries:
// 1024 files of 40 KiB (10 units) in runs of 3 units: n = 10240 units, 3414 runs (the last
// short), M = round(3414 / 4) = 854 distinct runs.
TEST(SetDomain, DedupRunsSpanTheFilesOfAGroup) {
    Config c;
    SetConfig s = set_of(1024, 1000, 100);
    s.size = 40960;
    s.over.dedup = 4.0;
    s.over.dedup_run = 12288;
    c.sets.push_back(s);
    const Namespace ns(c);
    std::vector<uint64_t> units;  // the group's units, in slot order
    std::vector<uint8_t> buf(40960);
    for (uint64_t k = 0; k < 1024; ++k) {
        ASSERT_EQ(ns.open((1ull << 48) | k)->read(0, buf.size(), buf.data()), buf.size());
        for (size_t i = 0; i < buf.size(); i += 4096) units.push_back(XXH3_64bits(&buf[i], 4096));
    }
    std::set<std::vector<uint64_t>> runs;
    for (size_t t = 0; t + 3 <= units.size(); t += 3)
        runs.insert(std::vector<uint64_t>(units.begin() + t, units.begin() + t + 3));
    EXPECT_EQ(runs.size(), 854u);  // the short last run is a prefix of one of these
    EXPECT_EQ(std::unordered_set<uint64_t>(units.begin(), units.end()).size(), 854u * 3);
}

TEST(SetDomain, NoDuplicatesWithDedupOneAndNoneWithStandaloneStreams) {
    Config c;
    SetConfig s = set_of(3000, 1000, 100);
    s.size_dist = SizeDist::Uniform;
    s.size_min = 1;
    s.size_max = 20000;
    c.sets.push_back(s);
    c.files.push_back({"small2", 3000 * 4096, {}, 1});
    const Namespace ns(c);
    std::unordered_set<uint64_t> seen;
    uint64_t units = 0;
    std::vector<uint8_t> buf(20480);
    for (uint64_t k = 0; k < 3000; ++k) {
        const auto src = ns.open((1ull << 48) | k);
        const size_t n = src->read(0, buf.size(), buf.data());
        for (size_t off = 0; off + 4096 <= n; off += 4096, ++units)
            ASSERT_TRUE(seen.insert(XXH3_64bits(&buf[off], 4096)).second) << "file " << k;
    }
    const auto other = ns.open(*ns.resolve("small2"));
    for (uint64_t off = 0; off < 3000 * 4096; off += 4096) {
        other->read(off, 4096, buf.data());
        ASSERT_TRUE(seen.insert(XXH3_64bits(buf.data(), 4096)).second);
    }
    EXPECT_GT(units, 5000u);
}

}  // namespace
}  // namespace dgen
