#include <gtest/gtest.h>

#include <cmath>

#include "dgen/size_parse.h"

namespace dgen {
namespace {

uint64_t size_ok(const char* s) {
    std::string err;
    const auto v = parse_size(s, &err);
    EXPECT_TRUE(v.has_value()) << s << ": " << err;
    return v.value_or(0);
}

std::string size_err(const char* s) {
    std::string err;
    EXPECT_FALSE(parse_size(s, &err).has_value()) << s;
    return err;
}

TEST(ParseSize, AcceptsBinaryAndDecimalUnits) {
    EXPECT_EQ(size_ok("4096"), 4096u);
    EXPECT_EQ(size_ok("4KiB"), 4096u);
    EXPECT_EQ(size_ok("4k"), 4096u);
    EXPECT_EQ(size_ok("1MiB"), 1u << 20);
    EXPECT_EQ(size_ok("1GiB"), 1u << 30);
    EXPECT_EQ(size_ok("1TiB"), 1ull << 40);
    EXPECT_EQ(size_ok("1KB"), 1000u);
    EXPECT_EQ(size_ok("1GB"), 1000000000u);
    EXPECT_EQ(size_ok("3 mib"), 3u << 20);
    EXPECT_EQ(size_ok("15EiB"), 15ull << 60);
    EXPECT_EQ(size_ok("18446744073709551615"), UINT64_MAX);
    EXPECT_EQ(size_ok("0"), 0u);
}

TEST(ParseSize, RejectsWithAMessageThatQuotesTheInput) {
    EXPECT_NE(size_err("16EiB").find("64 bits"), std::string::npos);
    EXPECT_NE(size_err("18446744073709551616").find("64 bits"), std::string::npos);
    EXPECT_NE(size_err("99999999999TiB").find("64 bits"), std::string::npos);
    EXPECT_NE(size_err("4QB").find("unknown unit 'QB'"), std::string::npos);
    EXPECT_NE(size_err("1.5GiB").find("fractional"), std::string::npos);
    EXPECT_NE(size_err("").find("size ''"), std::string::npos);
    EXPECT_NE(size_err("-1").find("size '-1'"), std::string::npos);
    EXPECT_NE(size_err("KiB").find("whole number"), std::string::npos);
}

TEST(ParseRatio, AcceptsRealsFromOne) {
    std::string err;
    EXPECT_EQ(parse_ratio("1", &err).value(), 1.0);
    EXPECT_EQ(parse_ratio("1.5", &err).value(), 1.5);
    EXPECT_EQ(parse_ratio("8", &err).value(), 8.0);
}

TEST(ParseRatio, RejectsNanInfinityBelowOneAndJunk) {
    for (const char* bad : {"nan", "NaN", "inf", "-inf", "0.99", "0", "-2", "2x", "", "1e999"}) {
        std::string err;
        EXPECT_FALSE(parse_ratio(bad, &err).has_value()) << bad;
        EXPECT_NE(err.find(std::string("'") + bad + "'"), std::string::npos) << err;
    }
}

TEST(FormatSize, ReadsLikeAPerson) {
    EXPECT_EQ(format_size(100), "100 B");
    EXPECT_EQ(format_size(4096), "4 KiB");
    EXPECT_EQ(format_size(1536), "1.5 KiB");
    EXPECT_EQ(format_size(1ull << 40), "1 TiB");
}

}  // namespace
}  // namespace dgen
