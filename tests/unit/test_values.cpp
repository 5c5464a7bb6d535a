// The value grammar (values.h): what each type accepts, exactly, and what it says about
// what it refuses. The config and the command line both read through these parsers;
// test_cli_config.cpp checks that they then agree.
#include <gtest/gtest.h>

#include <cmath>

#include "dgen/values.h"

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

uint64_t u64_ok(const char* s) {
    std::string err;
    const auto v = parse_u64(s, &err);
    EXPECT_TRUE(v.has_value()) << s << ": " << err;
    return v.value_or(0);
}

std::string u64_err(const char* s) {
    std::string err;
    EXPECT_FALSE(parse_u64(s, &err).has_value()) << s;
    return err;
}

double ratio_ok(const char* s, double max = 16) {
    std::string err;
    const auto v = parse_ratio(s, max, &err);
    EXPECT_TRUE(v.has_value()) << s << ": " << err;
    return v.value_or(0);
}

std::string ratio_err(const char* s, double max = 16) {
    std::string err;
    EXPECT_FALSE(parse_ratio(s, max, &err).has_value()) << s;
    return err;
}

TEST(ParseU64, DecimalWithLeadingZerosAndHex) {
    EXPECT_EQ(u64_ok("0"), 0u);
    EXPECT_EQ(u64_ok("010"), 10u);  // decimal, not octal (strtoull base 0 would say 8)
    EXPECT_EQ(u64_ok("0010"), 10u);
    EXPECT_EQ(u64_ok("0x10"), 16u);
    EXPECT_EQ(u64_ok("0X1f"), 31u);
    EXPECT_EQ(u64_ok("0x0010"), 16u);
    EXPECT_EQ(u64_ok(" 42\t"), 42u);
    EXPECT_EQ(u64_ok("18446744073709551615"), UINT64_MAX);
    EXPECT_EQ(u64_ok("0xFFFFFFFFFFFFFFFF"), UINT64_MAX);
}

TEST(ParseU64, RefusesSignsJunkAndOverflowQuotingTheText) {
    EXPECT_EQ(u64_err("-1"), "'-1' is not an unsigned integer (decimal, or 0x hex)");
    EXPECT_EQ(u64_err("+1"), "'+1' is not an unsigned integer (decimal, or 0x hex)");
    EXPECT_EQ(u64_err("0x1G"), "'0x1G' is not an unsigned integer (decimal, or 0x hex)");
    EXPECT_EQ(u64_err("0x"), "'0x' is not an unsigned integer (decimal, or 0x hex)");
    EXPECT_EQ(u64_err(""), "'' is not an unsigned integer (decimal, or 0x hex)");
    EXPECT_EQ(u64_err("1 2"), "'1 2' is not an unsigned integer (decimal, or 0x hex)");
    EXPECT_EQ(u64_err("1e3"), "'1e3' is not an unsigned integer (decimal, or 0x hex)");
    EXPECT_EQ(u64_err("18446744073709551616"), "'18446744073709551616' does not fit in 64 bits");
    EXPECT_EQ(u64_err("0x10000000000000000"), "'0x10000000000000000' does not fit in 64 bits");
    std::string err;
    EXPECT_FALSE(parse_u64_in("257", 1, 256, &err));
    EXPECT_EQ(err, "'257' is outside 1..256");
}

TEST(ParseSize, AcceptsBinaryAndDecimalUnitsAndHexByteCounts) {
    EXPECT_EQ(size_ok("4096"), 4096u);
    EXPECT_EQ(size_ok("04096"), 4096u);
    EXPECT_EQ(size_ok("4KiB"), 4096u);
    EXPECT_EQ(size_ok("4k"), 4096u);
    EXPECT_EQ(size_ok("1MiB"), 1u << 20);
    EXPECT_EQ(size_ok("1GiB"), 1u << 30);
    EXPECT_EQ(size_ok("1TiB"), 1ull << 40);
    EXPECT_EQ(size_ok("1PiB"), 1ull << 50);
    EXPECT_EQ(size_ok("1EiB"), 1ull << 60);
    EXPECT_EQ(size_ok("1KB"), 1000u);
    EXPECT_EQ(size_ok("1MB"), 1000000u);
    EXPECT_EQ(size_ok("1GB"), 1000000000u);
    EXPECT_EQ(size_ok("1TB"), 1000000000000u);
    EXPECT_EQ(size_ok("1PB"), 1000000000000000u);
    EXPECT_EQ(size_ok("1EB"), 1000000000000000000u);
    EXPECT_EQ(size_ok("7B"), 7u);
    EXPECT_EQ(size_ok("3 mib"), 3u << 20);
    EXPECT_EQ(size_ok(" 2G "), 2u << 30);
    EXPECT_EQ(size_ok("15EiB"), 15ull << 60);
    EXPECT_EQ(size_ok("18446744073709551615"), UINT64_MAX);
    EXPECT_EQ(size_ok("0"), 0u);
    EXPECT_EQ(size_ok("0x10"), 16u);
    EXPECT_EQ(size_ok("0x1B"), 27u);  // B is a hex digit here: a hex size has no unit
}

TEST(ParseSize, RejectsWithAMessageThatQuotesTheInput) {
    EXPECT_NE(size_err("16EiB").find("64 bits"), std::string::npos);
    EXPECT_NE(size_err("18446744073709551616").find("64 bits"), std::string::npos);
    EXPECT_NE(size_err("99999999999TiB").find("64 bits"), std::string::npos);
    EXPECT_EQ(size_err("4QB"),
              "size '4QB': unknown unit 'QB' (use B, KiB, MiB, GiB, TiB, PiB, EiB or KB, MB, GB, TB, PB, EB)");
    EXPECT_NE(size_err("1.5GiB").find("fractional"), std::string::npos);
    EXPECT_NE(size_err("").find("size ''"), std::string::npos);
    EXPECT_NE(size_err("-1").find("size '-1'"), std::string::npos);
    EXPECT_NE(size_err("KiB").find("whole number"), std::string::npos);
    EXPECT_EQ(size_err("0x10KiB"), "size '0x10KiB': a 0x hex size is a byte count of hex digits, with no unit");
    EXPECT_EQ(size_err("0x"), "size '0x': a 0x hex size is a byte count of hex digits, with no unit");
    std::string err;
    EXPECT_FALSE(parse_size_in("65MiB", 0, 64u << 20, &err));
    EXPECT_EQ(err, "size '65MiB' is outside 0 B..64 MiB");
}

TEST(ParseReal, DecimalOnly) {
    std::string err;
    EXPECT_EQ(parse_real("1.5", &err).value(), 1.5);
    EXPECT_EQ(parse_real("2", &err).value(), 2.0);
    EXPECT_EQ(parse_real("02.50", &err).value(), 2.5);
    EXPECT_EQ(parse_real(".5", &err).value(), 0.5);
    EXPECT_EQ(parse_real("2.", &err).value(), 2.0);
    EXPECT_EQ(parse_real("2.5e3", &err).value(), 2500.0);
    EXPECT_EQ(parse_real("1E+2", &err).value(), 100.0);
    EXPECT_EQ(parse_real("+3", &err).value(), 3.0);
    EXPECT_EQ(parse_real("-3", &err).value(), -3.0);
    EXPECT_EQ(parse_real("1e-400", &err).value(), 0.0);  // below the smallest double
    for (const char* bad : {"0x10", "0x1p4", "inf", "nan", "infinity", "1,5", "", ".", "e3", "1e", "1e+", "2x"}) {
        EXPECT_FALSE(parse_real(bad, &err)) << bad;
        EXPECT_EQ(err, std::string("'") + bad + "' is not a decimal number (1, 1.5, 2.5e3; no hex, inf or nan)");
    }
    EXPECT_FALSE(parse_real("1e309", &err));
    EXPECT_NE(err.find("'1e309' is out of range"), std::string::npos) << err;
}

TEST(ParseRatio, AcceptsRealsFromOneToTheMax) {
    EXPECT_EQ(ratio_ok("1"), 1.0);
    EXPECT_EQ(ratio_ok("1.5"), 1.5);
    EXPECT_EQ(ratio_ok("01.5"), 1.5);
    EXPECT_EQ(ratio_ok("8"), 8.0);
    EXPECT_EQ(ratio_ok("16"), 16.0);
    EXPECT_EQ(ratio_ok("1e1"), 10.0);
}

TEST(ParseRatio, SaysWhichBoundIsCrossed) {
    EXPECT_EQ(ratio_err("0.99"), "ratio '0.99': must be >= 1 (1 means no reduction)");
    EXPECT_EQ(ratio_err("-2"), "ratio '-2': must be >= 1 (1 means no reduction)");
    EXPECT_EQ(ratio_err("17"), "ratio '17' is above 16, the largest supported");
    EXPECT_EQ(ratio_err("2000000", 1e6), "ratio '2000000' is above 1000000, the largest supported");
    EXPECT_EQ(ratio_err("1e309", 1e6), "ratio '1e309' is out of range: at most 1000000");
    for (const char* bad : {"nan", "NaN", "inf", "-inf", "2x", "", "0x10", "two"})
        EXPECT_EQ(ratio_err(bad), std::string("ratio '") + bad +
                                      "': expected a decimal number >= 1 (1, 1.5, 2; no hex, inf or nan)");
}

TEST(ParseWords, CaseInsensitiveAndNamingTheChoices) {
    std::string err;
    EXPECT_EQ(parse_bool("TRUE", &err).value(), true);
    EXPECT_EQ(parse_bool(" off ", &err).value(), false);
    EXPECT_FALSE(parse_bool("maybe", &err));
    EXPECT_EQ(err, "'maybe' is not a boolean (true/false, yes/no, on/off, 1/0)");
    EXPECT_EQ(parse_word("ZERO", {"dgen", "zero"}, &err).value(), 1u);
    EXPECT_FALSE(parse_word("random", {"dgen", "zero"}, &err));
    EXPECT_EQ(err, "'random' is not one of: dgen, zero");
    EXPECT_TRUE(is_word(" AUTO ", "auto"));
    EXPECT_FALSE(is_word("autos", "auto"));
}

TEST(ParseNodeList, AllOrDistinctNumbers) {
    std::string err;
    EXPECT_TRUE(parse_node_list("all", &err).value().empty());
    EXPECT_TRUE(parse_node_list("ALL", &err).value().empty());
    EXPECT_EQ(parse_node_list("0,2", &err).value(), (std::vector<unsigned>{0, 2}));
    EXPECT_EQ(parse_node_list("03, 0x1", &err).value(), (std::vector<unsigned>{3, 1}));
    EXPECT_FALSE(parse_node_list("0,x", &err));
    EXPECT_EQ(err, "'0,x': item 'x' is not a node number (write all, or node numbers 0..4095 separated by commas: 0,2)");
    EXPECT_FALSE(parse_node_list("0,,1", &err));
    EXPECT_NE(err.find("an empty item"), std::string::npos) << err;
    EXPECT_FALSE(parse_node_list("4096", &err));
    EXPECT_FALSE(parse_node_list("1,01", &err));
    EXPECT_EQ(err, "'1,01': node 1 is listed twice");
}

TEST(ParseTime, EpochOrUtc) {
    std::string err;
    EXPECT_EQ(parse_time("1767225600", &err).value(), 1767225600);
    EXPECT_EQ(parse_time("2026-01-01T00:00:00Z", &err).value(), 1767225600);
    EXPECT_EQ(parse_time("2024-02-29T12:00:00Z", &err).value(), 1709208000);
    EXPECT_FALSE(parse_time("2025-02-29T00:00:00Z", &err));
    EXPECT_FALSE(parse_time("253402300800", &err));
}

// One normaliser for config paths, command-line paths and lookups.
TEST(DatasetPath, OneCanonicalSpellingPerFile) {
    std::string err;
    auto canon = [&](const char* t) {
        const auto p = parse_dataset_path(t, &err);
        EXPECT_TRUE(p) << t << ": " << err;
        return p ? p->path + (p->trailing_slash ? "|/" : "") : "";
    };
    EXPECT_EQ(canon("one.bin"), "one.bin");
    EXPECT_EQ(canon("/one.bin"), "one.bin");
    EXPECT_EQ(canon("//one.bin"), "one.bin");
    EXPECT_EQ(canon("./one.bin"), "one.bin");
    EXPECT_EQ(canon("a//./b"), "a/b");
    EXPECT_EQ(canon("one.bin/"), "one.bin|/");
    EXPECT_EQ(canon("a/b/."), "a/b|/");
    EXPECT_EQ(canon("/"), "|/");
    EXPECT_EQ(canon("."), "");
    EXPECT_EQ(canon(std::string(255, 'x').c_str()), std::string(255, 'x'));
    for (const char* bad : {"", "..", "a/../b", "/.."}) {
        EXPECT_FALSE(parse_dataset_path(bad, &err)) << bad;
        EXPECT_NE(err.find(std::string("path '") + bad + "'"), std::string::npos) << err;
    }
    EXPECT_FALSE(parse_dataset_path(std::string(256, 'x'), &err));
    EXPECT_NE(err.find("longer than 255 bytes"), std::string::npos);
    EXPECT_FALSE(parse_dataset_path(std::string("a\0b", 3), &err));
    EXPECT_NE(err.find("NUL"), std::string::npos);
}

TEST(FormatSize, ReadsLikeAPerson) {
    EXPECT_EQ(format_size(100), "100 B");
    EXPECT_EQ(format_size(4096), "4 KiB");
    EXPECT_EQ(format_size(1536), "1.5 KiB");
    EXPECT_EQ(format_size(1ull << 40), "1 TiB");
}

TEST(FormatNumber, ShortestThatReadsBack) {
    EXPECT_EQ(format_number(1000000), "1000000");
    EXPECT_EQ(format_number(1.5), "1.5");
    EXPECT_EQ(format_number(16), "16");
    EXPECT_EQ(format_number(0.1), "0.1");
}

TEST(ParseListenAddress, NumericIPv4OrBracketedIPv6AndAPort) {
    std::string err;
    auto a = parse_listen_address(" 127.0.0.1:9464 ", &err);
    ASSERT_TRUE(a) << err;
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 9464);
    EXPECT_FALSE(a->ipv6);
    a = parse_listen_address("[::1]:80", &err);
    ASSERT_TRUE(a) << err;
    EXPECT_EQ(a->host, "::1");
    EXPECT_EQ(a->port, 80);
    EXPECT_TRUE(a->ipv6);
    for (const char* bad : {"", "9464", "localhost:9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                            "127.0.0.1:65536", "::1:9464", "[::1]9464", "[::1]", "1.2.3:80", "[127.0.0.1]:80"}) {
        err.clear();
        EXPECT_FALSE(parse_listen_address(bad, &err)) << bad;
        EXPECT_NE(err.find("is not ADDR:PORT"), std::string::npos) << bad << ": " << err;
    }
}

// Regression: config bytes reached the terminal raw (an ESC in a value could clear it).
TEST(Printable, EscapesEverythingButPrintableAsciiAndUtf8) {
    EXPECT_EQ(printable("a b~\\z"), "a b~\\z");
    EXPECT_EQ(printable("\x1b[2J"), "\\x1b[2J");
    EXPECT_EQ(printable(std::string("a\0b\n\t\x7f", 6)), "a\\x00b\\x0a\\x09\\x7f");
    EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x80\xa6 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x80\xa6 \xf0\x9f\x98\x80");
    EXPECT_EQ(printable("\xc2\x9b"), "\\xc2\\x9b");              // U+009B, the C1 CSI
    EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");              // overlong '/'
    EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");       // a surrogate
    EXPECT_EQ(printable("\xe2\x80"), "\\xe2\\x80");              // cut short
    EXPECT_EQ(printable("\xff"), "\\xff");
}

TEST(QuoteText, QuotesEscapesAndCutsLongText) {
    EXPECT_EQ(quote_text("abc"), "'abc'");
    EXPECT_EQ(quote_text("\x1b"), "'\\x1b'");
    const std::string long_text(100, 'x');
    EXPECT_EQ(quote_text(long_text), "'" + std::string(64, 'x') + "\xe2\x80\xa6'");
    EXPECT_EQ(quote_text(std::string(64, 'x')), "'" + std::string(64, 'x') + "'");
    // Cut at a character's start, never inside one.
    EXPECT_EQ(quote_text(std::string(63, 'x') + "\xc3\xa9"), "'" + std::string(63, 'x') + "\xe2\x80\xa6'");
    std::string err;
    EXPECT_FALSE(parse_size(std::string(200, '9') + "\x1b", &err));
    EXPECT_EQ(err.find('\x1b'), std::string::npos) << err;
    EXPECT_LT(err.size(), 200u) << err;
}

}  // namespace
}  // namespace dgen
