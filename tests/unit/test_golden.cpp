// Formats dgen1 and dgen2 frozen: every golden row through every kernel, as one read, in
// random splits, and byte by byte. A failure here is a format break, not a flaky test.
#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <xxhash.h>

#include "cpu_kernels.h"
#include "dgen/kernel.h"
#include "dgen/namespace.h"
#include "dgen/stream.h"

namespace dgen {
namespace {

// The row layouts of the two files, and the one form the tests use.
struct Dgen1Row {
    uint64_t seed;
    const char* name;
    uint64_t size;
    double dedup, compress;
    uint32_t unit;
    uint64_t offset, length;
    size_t returned;
    uint64_t xxh64;
};

struct Dgen2Row {
    uint64_t seed;
    const char* name;
    uint64_t size;
    double dedup, compress;
    uint32_t unit;
    uint64_t dedup_run;
    uint64_t offset, length;
    size_t returned;
    uint64_t xxh64;
};

const Dgen1Row kDgen1[] = {
#include "golden_dgen1.inc"
};

const Dgen2Row kDgen2[] = {
#include "golden_dgen2.inc"
};

struct ZeroRow {
    uint64_t size, offset, length;
    size_t returned;
    uint64_t xxh64;
};

const ZeroRow kZero[] = {
#include "golden_zero.inc"
};

struct GoldenRow {
    int format;
    uint64_t seed;
    std::string name;
    uint64_t size;
    double dedup, compress;
    uint32_t unit;
    uint64_t dedup_run;
    uint64_t offset, length;
    size_t returned;
    uint64_t xxh64;
};

const std::vector<GoldenRow>& rows() {
    static const std::vector<GoldenRow> all = [] {
        std::vector<GoldenRow> v;
        for (const Dgen1Row& r : kDgen1)
            v.push_back({1, r.seed, r.name, r.size, r.dedup, r.compress, r.unit, 0, r.offset,
                         r.length, r.returned, r.xxh64});
        for (const Dgen2Row& r : kDgen2)
            v.push_back({2, r.seed, r.name, r.size, r.dedup, r.compress, r.unit, r.dedup_run,
                         r.offset, r.length, r.returned, r.xxh64});
        return v;
    }();
    return all;
}

Stream make_stream(const GoldenRow& r) {
    StreamParams p;
    p.seed = r.seed;
    p.name = r.name;
    p.size = r.size;
    p.dedup = r.dedup;
    p.compress = r.compress;
    p.unit = r.unit;
    p.dedup_run = r.dedup_run;
    p.format = r.format;
    return Stream(p);
}

std::string describe(const GoldenRow& r, const Kernel& k, const char* how) {
    return std::string("format break: dgen") + std::to_string(r.format) + " " + how + " via " +
           k.name + " — seed " + std::to_string(r.seed) + " '" + r.name + "' D " +
           std::to_string(r.dedup) + " C " + std::to_string(r.compress) + " unit " +
           std::to_string(r.unit) + " dedup_run " + std::to_string(r.dedup_run) + " offset " +
           std::to_string(r.offset) + " length " + std::to_string(r.length);
}

TEST(Golden, HasRowsForEveryBranch) {
    // Defaults, dedup, compression, several units, EOF and window crossings are all present.
    for (int format : {1, 2}) {
        SCOPED_TRACE(format);
        bool dedup = false, compress = false, at_eof = false, u512 = false, u1m = false;
        bool c12 = false, c16 = false, large_d = false;  // the C >= 12 branch, D up to 10^6
        size_t n = 0;
        for (const GoldenRow& r : rows()) {
            if (r.format != format) continue;
            ++n;
            dedup |= r.dedup > 1;
            compress |= r.compress > 1;
            at_eof |= r.offset == r.size && r.returned == 0;
            u512 |= r.unit == 512;
            u1m |= r.unit == (1u << 20);
            c12 |= r.compress == 12;
            c16 |= r.compress == 16;
            large_d |= r.dedup >= 1e6;
        }
        EXPECT_TRUE(dedup && compress && at_eof && u512 && u1m);
        EXPECT_TRUE(c12 && c16 && large_d);
        EXPECT_GT(n, 600u);
    }
    // dgen2's dedup runs: several lengths, and a run of 3 units (not a power of two).
    std::set<uint64_t> runs;
    for (const GoldenRow& r : rows())
        if (r.format == 2 && r.dedup_run > r.unit) runs.insert(r.dedup_run / r.unit);
    EXPECT_GE(runs.size(), 4u);
    EXPECT_TRUE(runs.count(3));
}

TEST(Golden, ZeroPatternFiles) {
    // pattern = zero has no stream: the file source writes zeros up to the file's size.
    ASSERT_GE(std::size(kZero), 40u);
    for (const ZeroRow& r : kZero) {
        const FileSource zeros(nullptr, r.size);
        std::vector<uint8_t> buf(r.length, 0xAA);
        const size_t got = zeros.read(r.offset, r.length, buf.data());
        const std::string row = "size " + std::to_string(r.size) + " offset " + std::to_string(r.offset) +
                                " length " + std::to_string(r.length);
        ASSERT_EQ(got, r.returned) << "format break: zero pattern, " << row;
        ASSERT_EQ(XXH64(buf.data(), got, 0), r.xxh64) << "format break: zero pattern, " << row;
    }
}

TEST(Golden, OneReadEveryKernel) {
    size_t kernels_run = 0;
    for (const Kernel& k : available_kernels()) {
        ++kernels_run;
        for (const GoldenRow& r : rows()) {
            const Stream s = make_stream(r);
            std::vector<uint8_t> buf(r.length);
            const size_t got = s.read(r.offset, r.length, buf.data(), k);
            ASSERT_EQ(got, r.returned) << describe(r, k, "returned length");
            ASSERT_EQ(XXH64(buf.data(), got, 0), r.xxh64) << describe(r, k, "one read");
        }
    }
    EXPECT_EQ(kernels_run, test::kernels_the_cpu_has().size()) << "kernels run";
}

TEST(Golden, RandomSplitsEveryKernel) {
    std::mt19937_64 rng(20261126);
    size_t kernels_run = 0;
    for (const Kernel& k : available_kernels()) {
        ++kernels_run;
        for (const GoldenRow& r : rows()) {
            if (r.returned < 2) continue;
            const Stream s = make_stream(r);
            std::vector<uint8_t> buf(r.returned);
            for (size_t pos = 0; pos < r.returned;) {
                const size_t piece = 1 + rng() % std::min<size_t>(r.returned - pos, 5000);
                ASSERT_EQ(s.read(r.offset + pos, piece, buf.data() + pos, k), piece);
                pos += piece;
            }
            ASSERT_EQ(XXH64(buf.data(), buf.size(), 0), r.xxh64) << describe(r, k, "random splits");
        }
    }
    EXPECT_EQ(kernels_run, test::kernels_the_cpu_has().size()) << "kernels run";
}

TEST(Golden, ByteByByte) {
    // Short rows through every kernel; the long rows through the active kernel only, which
    // keeps the sanitizer build fast while still reading each of their bytes alone.
    const Kernel& active = active_kernel();
    size_t kernels_run = 0;
    for (const Kernel& k : available_kernels()) {
        ++kernels_run;
        for (const GoldenRow& r : rows()) {
            if (r.returned > 4096 && std::string(k.name) != active.name) continue;
            const Stream s = make_stream(r);
            std::vector<uint8_t> buf(r.returned);
            for (size_t i = 0; i < r.returned; ++i)
                ASSERT_EQ(s.read(r.offset + i, 1, buf.data() + i, k), 1u);
            ASSERT_EQ(XXH64(buf.data(), buf.size(), 0), r.xxh64) << describe(r, k, "byte by byte");
        }
    }
    EXPECT_EQ(kernels_run, test::kernels_the_cpu_has().size()) << "kernels run";
}

}  // namespace
}  // namespace dgen
