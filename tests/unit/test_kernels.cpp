// Dispatch offers exactly the kernels the CPU flags allow, so that tests looping over
// available_kernels() cannot quietly run fewer paths than the machine has; and every
// kernel's entry points (FillFn, RangeFn) give the bytes of the definition, worked out
// here one byte at a time from the scalar ARS block, whatever the offset, length, layout
// or round count, and Stream reads through every kernel equal the scalar kernel's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu_kernels.h"
#include "dgen/compress_layout.h"
#include "dgen/format.h"
#include "dgen/kernel.h"
#include "dgen/stream.h"

namespace dgen {
namespace {

TEST(Kernels, DetectedAreThoseTheCpuFlagsAllow) {
    ASSERT_FALSE(test::cpu_flags().empty()) << "no flags line in /proc/cpuinfo";
    std::vector<std::string> got;
    for (const Kernel& k : available_kernels()) got.emplace_back(k.name);
    EXPECT_EQ(got, test::kernels_the_cpu_has());
}

// Unnamed, the fastest kernel the CPU has (vaes-avx512 too: these tests have passed on an
// AVX-512 machine, docs/FORMAT.md section 6).
TEST(Kernels, DefaultIsTheFastest) {
    EXPECT_EQ(default_kernel_name(), test::kernels_the_cpu_has().back());
}

TEST(Kernels, EachCanBeFoundAndForced) {
    const std::string before = active_kernel().name;
    for (const std::string& name : test::kernels_the_cpu_has()) {
        const Kernel* k = find_kernel(name);
        ASSERT_NE(k, nullptr) << name;
        EXPECT_EQ(k->name, name);
        ASSERT_TRUE(force_kernel(name)) << name;
        EXPECT_EQ(active_kernel().name, name);
    }
    EXPECT_FALSE(force_kernel("no-such-kernel"));
    ASSERT_TRUE(force_kernel(before));
}

// Bytes [0, n) of the run from `base` by the definition (kernel.h, RangeFn): byte i is
// byte i % 16 of ARS(base + i / 16), zero past its sector's random bytes.
std::vector<uint8_t> reference(const ArsKey& key, Block128 base, uint64_t n,
                               const std::vector<uint32_t>& random) {
    std::vector<uint8_t> out(n);
    for (uint64_t blk = 0; blk * 16 < n; ++blk) {
        const Block128 b = ars_block_scalar(key, {base.lo + blk, base.hi});
        uint8_t bytes[16];
        std::memcpy(bytes, &b.lo, 8);
        std::memcpy(bytes + 8, &b.hi, 8);
        for (uint64_t i = blk * 16; i < std::min(n, blk * 16 + 16); ++i) {
            const bool kept = random.empty() || i % kSectorSize < random[i / kSectorSize % random.size()];
            out[i] = kept ? bytes[i % 16] : 0;
        }
    }
    return out;
}

TEST(Kernels, FillGivesEveryBlockCountLikeScalar) {
    for (const Kernel& k : available_kernels()) {
        for (int rounds : {5, 10}) {
            const ArsKey key({0x0123456789abcdefull, 0xfedcba9876543210ull}, rounds);
            const Block128 ctr{~0ull - 200, 7};  // the low lane runs close to, not past, wrap
            const std::vector<uint8_t> want = reference(key, ctr, 80 * 16, {});
            for (size_t n = 0; n <= 80; ++n) {
                std::vector<uint8_t> got(n * 16 + 16, 0xA5);
                k.fill(key, ctr, n, got.data());
                ASSERT_TRUE(std::equal(got.begin(), got.begin() + n * 16, want.begin()))
                    << k.name << " rounds " << rounds << " blocks " << n;
                ASSERT_EQ(got[n * 16], 0xA5) << k.name << ": wrote past " << n << " blocks";
            }
        }
    }
}

// Every kernel's range fill against the definition over random ranges of a run spanning
// a few units: unaligned starts and ends, ranges inside one block or one sector, whole
// sectors, every compression layout shape from C = 1 to 16 and units of 1 to 8 sectors.
TEST(Kernels, RangeMatchesTheDefinitionAtAnyOffsetLengthAndLayout) {
    std::mt19937_64 rng(11);
    const double compress[] = {1.0, 1.2, 1.5, 2.0, 3.0, 4.7, 8.0, 16.0};
    const uint32_t units[] = {512, 1024, 2048, 4096};
    size_t checked = 0;
    for (double c : compress) {
        for (uint32_t unit : units) {
            const CompressLayout layout(c, unit);
            const std::vector<uint32_t> random = layout.all_random() ? std::vector<uint32_t>{} : layout.random_bytes();
            SectorLayout sl;
            if (!random.empty()) sl = {random.data(), static_cast<uint32_t>(random.size())};
            const ArsKey key({rng(), rng()}, kArsRounds);
            const Block128 base{rng() >> 8, rng()};
            const uint64_t span = 3 * unit + 777;
            const std::vector<uint8_t> want = reference(key, base, span, random);
            for (int i = 0; i < 60; ++i) {
                uint64_t a = rng() % span, b = a + rng() % (span - a + 1);
                if (i % 4 == 0) a = a / kSectorSize * kSectorSize;  // aligned starts, too
                if (i % 6 == 0) b = std::min(span, a + rng() % 40);  // tiny ranges
                for (const Kernel& k : available_kernels()) {
                    std::vector<uint8_t> got(b - a + 1, 0xA5);
                    k.range(key, base, a, b, sl, got.data());
                    ASSERT_TRUE(std::equal(got.begin(), got.end() - 1, want.begin() + a))
                        << k.name << " C " << c << " unit " << unit << " [" << a << ", " << b << ")";
                    ASSERT_EQ(got.back(), 0xA5) << k.name << ": wrote past " << b - a << " bytes";
                    ++checked;
                }
            }
        }
    }
    EXPECT_EQ(checked, 8 * 4 * 60 * test::kernels_the_cpu_has().size());
}

// A batch of ranges of different runs (a dedup read's kernel call) gives, run by run, the
// definition's bytes of each, back to back, and writes nothing past the last.
TEST(Kernels, RangesGiveEachRunsDefinitionBackToBack) {
    std::mt19937_64 rng(12);
    size_t checked = 0;
    for (double c : {1.0, 2.0, 4.7}) {
        const CompressLayout layout(c, 4096);
        const std::vector<uint32_t> random = layout.all_random() ? std::vector<uint32_t>{} : layout.random_bytes();
        SectorLayout sl;
        if (!random.empty()) sl = {random.data(), static_cast<uint32_t>(random.size())};
        const ArsKey key({rng(), rng()}, kArsRounds);
        for (int batch = 0; batch < 20; ++batch) {
            const size_t n = 1 + rng() % 40;
            std::vector<RangeRun> runs(n);
            std::vector<uint8_t> want;
            for (RangeRun& r : runs) {
                r.base = {rng() >> 8, rng()};
                r.a = rng() % 3 == 0 ? rng() % 8192 : 0;  // mostly whole units, some mid-run
                r.b = rng() % 2 == 0 ? r.a + 1 + rng() % 600 : (r.a / 4096 + 1) * 4096;
                const std::vector<uint8_t> run = reference(key, r.base, r.b, random);
                want.insert(want.end(), run.begin() + r.a, run.end());
            }
            for (const Kernel& k : available_kernels()) {
                std::vector<uint8_t> got(want.size() + 1, 0xA5);
                k.ranges(key, runs.data(), n, sl, got.data());
                ASSERT_TRUE(std::equal(want.begin(), want.end(), got.begin())) << k.name << " C " << c << " batch " << batch;
                ASSERT_EQ(got.back(), 0xA5) << k.name << ": wrote past " << want.size() << " bytes";
                ++checked;
            }
        }
    }
    EXPECT_EQ(checked, 3 * 20 * test::kernels_the_cpu_has().size());
}

// Stream reads through every kernel equal the scalar kernel's over (offset, length, unit,
// D, C, dedup_run), offsets and lengths unaligned, reads across units, runs and sectors.
TEST(Kernels, StreamReadsMatchScalarOverParameterCombinations) {
    const Kernel& scalar = *find_kernel("scalar");
    std::mt19937_64 rng(12);
    for (uint32_t unit : {512u, 4096u, 65536u}) {
        for (double d : {1.0, 2.0, 3.7}) {
            for (double c : {1.0, 2.0, 5.5}) {
                for (uint64_t run_units : {1ull, 3ull}) {
                    StreamParams p;
                    p.seed = rng();
                    p.size = 64ull * unit + rng() % 5000;
                    p.unit = unit;
                    p.dedup = d;
                    p.compress = c;
                    p.dedup_run = run_units * unit;
                    const Stream s(p);
                    for (int i = 0; i < 6; ++i) {
                        const uint64_t off = rng() % p.size;
                        const size_t len = 1 + rng() % (i % 2 ? 300 : 5 * unit);
                        std::vector<uint8_t> want(len, 0xA5), got(len);  // past EOF: untouched
                        const size_t n = s.read(off, len, want.data(), scalar);
                        for (const Kernel& k : available_kernels()) {
                            std::fill(got.begin(), got.end(), 0xA5);
                            ASSERT_EQ(s.read(off, len, got.data(), k), n) << k.name;
                            ASSERT_EQ(want, got) << k.name << " unit " << unit << " D " << d << " C " << c
                                                 << " run " << run_units << " off " << off << " len " << len;
                        }
                    }
                }
            }
        }
    }
}

}  // namespace
}  // namespace dgen
