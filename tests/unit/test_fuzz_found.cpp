// Regressions found by the fuzz targets (tests/fuzz): one test per bug, named after what
// broke; the input that found it is in tests/fuzz/corpus/<target>/found-*.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "dgen/fileset.h"

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

}  // namespace
}  // namespace dgen
