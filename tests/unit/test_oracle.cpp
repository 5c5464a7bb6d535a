// The ratio promises of the format, measured with the real compressor libraries.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include <lzma.h>
#include <zstd.h>

#include "dgen/oracle.h"

namespace dgen {
namespace {

constexpr uint64_t MiB = 1u << 20;

StreamParams params(double d, double c, uint64_t size, uint64_t seed = 77) {
    StreamParams p;
    p.seed = seed;
    p.name = "oracle";
    p.size = size;
    p.dedup = d;
    p.compress = c;
    return p;
}

// The format's promise, written here rather than read from the code under test
// (compress_tolerance): C within 5% up to C = 4, within 10% above.
double promised_tolerance(double c) { return c > 4.0 ? 0.10 : 0.05; }

// 10,240 units of 4 KiB: just past the 10,000 units from which D is promised within 1%.
class RatioTable : public ::testing::TestWithParam<std::tuple<double, double>> {};

TEST_P(RatioTable, CheckPassesItsOwnTable) {
    const auto [d, c] = GetParam();
    const Stream s(params(d, c, 40 * MiB));
    const CheckReport r = run_check(s, 0);
    EXPECT_TRUE(r.dedup.applies);
    EXPECT_NEAR(r.dedup.ratio, d, d * 0.01);
    for (const CompressCheck& cc : r.compress) {
        EXPECT_NEAR(cc.ratio, c, c * promised_tolerance(c))
            << cc.compressor << " " << cc.chunk << " for C " << c;
        EXPECT_TRUE(cc.pass) << cc.compressor << " " << cc.chunk << " achieved " << cc.ratio
                             << " for C " << c;
        EXPECT_DOUBLE_EQ(cc.tolerance, promised_tolerance(c)) << "check's tolerance for C " << c;
    }
    EXPECT_EQ(r.compress.size(), 12u);  // 4 compressors x 3 chunkings
    EXPECT_TRUE(r.pass);
}

INSTANTIATE_TEST_SUITE_P(Dgen2, RatioTable,
                         ::testing::Combine(::testing::Values(1.0, 2.0, 5.0),
                                            ::testing::Values(1.0, 1.5, 2.0, 3.0, 4.0, 8.0)));

TEST(Oracle, FailsWhenTheTargetIsWrong) {
    // The oracle must be able to say no: a C = 2 stream checked against C = 3 fails.
    const Stream s(params(1, 2, 8 * MiB));
    CheckReport r = run_check(s, 0);
    ASSERT_TRUE(r.pass);
    for (CompressCheck& cc : r.compress) {
        const double tol = promised_tolerance(3.0);
        EXPECT_GT(std::fabs(cc.ratio / 3.0 - 1.0), tol) << cc.compressor << " " << cc.chunk;
    }
}

TEST(Oracle, SampleOfAWindowPredictsItsOwnRatio) {
    // 16 MiB out of a 1 GiB window: the hypergeometric expectation, not D, is the target.
    const Stream s(params(2, 1, 1024 * MiB));
    const CheckReport r = run_check(s, 16 * MiB);
    EXPECT_EQ(r.dedup.units, 4096u);
    EXPECT_LT(r.dedup.target, 1.02);
    EXPECT_NEAR(r.dedup.ratio, r.dedup.target, r.dedup.target * 0.01);
}

// The runs row: with dedup runs, distinct runs give D as distinct units do, exactly over a
// whole stream, and a whole small stream is checked (the window is whole).
TEST(Oracle, RunsRowCountsWholeRuns) {
    StreamParams p = params(5, 1, 64 * MiB);
    p.dedup_run = MiB / 4;
    const CheckReport r = run_check(Stream(p), 0);
    EXPECT_EQ(r.dedup.run_units, 64u);
    EXPECT_EQ(r.dedup.runs, 256u);
    EXPECT_EQ(r.dedup.distinct_runs, 51u);  // round(256 / 5)
    EXPECT_EQ(r.dedup.distinct, 51u * 64);
    EXPECT_TRUE(r.dedup.applies);
    EXPECT_DOUBLE_EQ(r.dedup.target, 256.0 / 51);
    EXPECT_TRUE(r.dedup.pass);
    // A sample is cut down to whole runs.
    const CheckReport part = run_check(Stream(p), 10 * MiB / 4 + 5);
    EXPECT_EQ(part.dedup.runs, 10u);
    EXPECT_EQ(part.sample, 10 * MiB / 4);
    EXPECT_FALSE(part.dedup.applies);  // 10 runs out of a 256-run window
}

TEST(Oracle, ExpectedRatioIsExactOverWholeWindows) {
    const DedupMap m(1, 2.0, 1000);
    EXPECT_DOUBLE_EQ(expected_dedup_ratio(m, 1000), 2.0);
    const DedupMap one(1, 1.0, 1000);
    EXPECT_NEAR(expected_dedup_ratio(one, 10), 1.0, 1e-12);
}

TEST(Incompressible, ZstdMaxAndXzNineGainUnderOnePercent) {
    const Stream s(params(1, 1, 4 * MiB));
    std::vector<uint8_t> data(4 * MiB);
    s.read(0, data.size(), data.data());

    std::vector<uint8_t> out(ZSTD_compressBound(data.size()));
    const size_t z = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 19);
    ASSERT_FALSE(ZSTD_isError(z));
    EXPECT_LE(static_cast<double>(data.size()) / z, 1.01);

    std::vector<uint8_t> xz(lzma_stream_buffer_bound(data.size()));
    size_t xz_len = 0;
    ASSERT_EQ(lzma_easy_buffer_encode(9, LZMA_CHECK_CRC64, nullptr, data.data(), data.size(),
                                      xz.data(), &xz_len, xz.size()),
              LZMA_OK);
    EXPECT_LE(static_cast<double>(data.size()) / xz_len, 1.01);
}

}  // namespace
}  // namespace dgen
