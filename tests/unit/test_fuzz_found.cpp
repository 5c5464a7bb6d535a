// Regressions found by the fuzz targets (tests/fuzz): one test per bug, named after what
// broke; the input that found it is in tests/fuzz/corpus/<target>/found-*.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dgen/config.h"
#include "dgen/fileset.h"
#include "dgen/stream.h"

namespace dgen {
namespace {

// fuzz_values, found-pattern-largest-index: index_of refused the 20-digit name of
// 2^64 - 1, which format() makes, because its overflow guard also refused the last digit.
TEST(FuzzFound, NamePatternIndexOfReadsBackTheLargestIndex) {
    std::string err;
    const auto p = NamePattern::parse("%020u", &err);
    ASSERT_TRUE(p) << err;
    EXPECT_EQ(p->format(UINT64_MAX), "18446744073709551615");
    EXPECT_EQ(p->index_of("18446744073709551615"), UINT64_MAX);
    EXPECT_FALSE(p->index_of("18446744073709551616"));  // 2^64: does not fit
    EXPECT_FALSE(p->index_of("99999999999999999999"));
}

// fuzz_namespace, found-set-name-over-255-bytes: a set's name pattern could make names
// longer than 255 bytes, which no path component may be and statfs says none is; the
// kernel fails a whole readdir (EIO) on a name over 1024. The config refuses it, at the
// name's line; the longest name is the last file's.
TEST(FuzzFound, SetNamePatternMakingNamesOver255BytesIsRefused) {
    auto load = [](const std::string& prefix, const char* count) {
        std::vector<ConfigError> errors;
        const std::string ini = "[dataset]\n[set]\ndir = s\ncount = " + std::string(count) +
                                "\nsize = 0\nname = " + prefix + "%u\n";
        parse_config(ini, "t.ini", errors);
        return errors;
    };
    const std::string p246(246, 'n');  // + 9 digits = 255: fits
    EXPECT_TRUE(load(p246, "1000000000").empty());
    const auto errors = load(p246, "1000000001");  // file 1000000000: 10 digits, 256 bytes
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].line, 6);  // name = ...
    EXPECT_NE(errors[0].message.find("names of up to 256 bytes"), std::string::npos) << errors[0].message;
    EXPECT_FALSE(load(std::string(300, 'n'), "1").empty());
}

// fuzz_stream, found-range-pointer-before-out: a compressible read starting inside a
// sector made a pointer to the sector's start, before the output buffer (undefined
// behaviour, reported by UBSan), though it wrote only from the buffer's start. Reads
// from every offset of a sector, compared with the same bytes cut from a whole read.
TEST(FuzzFound, CompressibleReadStartingInsideASector) {
    StreamParams p;
    p.seed = 11;
    p.compress = 2.5;
    p.size = 3 * 4096;
    const Stream s(p);
    std::vector<uint8_t> whole(p.size);
    ASSERT_EQ(s.read(0, whole.size(), whole.data()), whole.size());
    for (uint64_t off : {1ull, 100ull, 511ull, 513ull, 4000ull, 4097ull}) {
        std::vector<uint8_t> part(700);
        ASSERT_EQ(s.read(off, part.size(), part.data()), part.size());
        EXPECT_TRUE(std::equal(part.begin(), part.end(), whole.begin() + static_cast<long>(off))) << off;
    }
}

}  // namespace
}  // namespace dgen
