// FileChecker on copies damaged in known ways: each class, its exact offset and length
// (trimmed to the differing bytes), and merging; for plain, dedup + compress and zero files.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "dgen/ars.h"
#include "dgen/config.h"
#include "dgen/namespace.h"
#include "dgen/verify.h"

namespace dgen {
namespace {

constexpr uint64_t KiB = 1024;

const char* const kConfig = R"(
[dataset]
seed = 5
[file]
path = a.bin
size = 1MiB
[file]
path = b.bin
size = 1MiB
[file]
path = dc.bin
size = 1MiB
dedup = 3
compress = 2
[file]
path = zeros
size = 64KiB
pattern = zero
[file]
path = big.bin
size = 4MiB
)";

class Verify : public ::testing::Test {
protected:
    Verify() : ns_(config()) {}

    static Config config() {
        std::vector<ConfigError> errors;
        Config c = parse_config(kConfig, "verify.ini", errors);
        EXPECT_TRUE(errors.empty());
        return c;
    }
    std::unique_ptr<FileSource> open(const std::string& path) const { return ns_.open(*ns_.resolve(path)); }
    static std::vector<uint8_t> bytes(const FileSource& src) {
        std::vector<uint8_t> b(src.size());
        src.read(0, b.size(), b.data());
        return b;
    }
    // "offset length class [source [other path]]" per range, "; " between them.
    std::string check(const std::string& path, const std::vector<uint8_t>& copy) const {
        const auto src = open(path);
        const FileChecker checker(*src, path, &ns_);
        std::vector<BadRange> r = checker.compare(0, copy.data(), copy.size());
        if (auto t = checker.truncation(copy.size())) r.push_back(*t);
        return describe(r);
    }
    static std::string describe(const std::vector<BadRange>& ranges) {
        std::string s;
        for (const BadRange& r : ranges) {
            if (!s.empty()) s += "; ";
            s += std::to_string(r.offset) + " " + std::to_string(r.length) + " " + mismatch_name(r.kind);
            if (r.kind == Mismatch::Shifted || r.kind == Mismatch::OtherFile)
                s.append(" ").append(std::to_string(r.source_offset));
            if (r.kind == Mismatch::OtherFile) s.append(" ").append(r.other_path);
        }
        return s;
    }
    // Copies file bytes [from, from + n) over copy[to, to + n).
    static void paste(std::vector<uint8_t>& copy, const std::vector<uint8_t>& file, uint64_t to,
                      uint64_t from, uint64_t n) {
        std::memcpy(copy.data() + to, file.data() + from, n);
    }

    Namespace ns_;
};

TEST_F(Verify, IntactCopiesMatch) {
    for (const char* p : {"a.bin", "dc.bin", "zeros"}) EXPECT_EQ(check(p, bytes(*open(p))), "") << p;
}

TEST_F(Verify, ZeroedUnit) {
    auto copy = bytes(*open("a.bin"));
    std::memset(copy.data() + 3 * 4 * KiB, 0, 4 * KiB);
    EXPECT_EQ(check("a.bin", copy), "12288 4096 zeroed");
}

TEST_F(Verify, TruncatedAndExtended) {
    auto copy = bytes(*open("a.bin"));
    copy.resize(1000000);
    EXPECT_EQ(check("a.bin", copy), "1000000 48576 truncated");
    copy = bytes(*open("a.bin"));
    copy.insert(copy.end(), 100, 0xab);
    EXPECT_EQ(check("a.bin", copy), "1048576 100 extended");
}

TEST_F(Verify, ShiftedByUnitsAndSectorsBothWays) {
    const auto file = bytes(*open("a.bin"));
    auto copy = file;
    paste(copy, file, 40 * KiB, 44 * KiB, 8 * KiB);  // two units from one unit on
    EXPECT_EQ(check("a.bin", copy), "40960 8192 shifted 45056");
    copy = file;
    paste(copy, file, 40 * KiB, 36 * KiB, 4 * KiB);  // from one unit back
    EXPECT_EQ(check("a.bin", copy), "40960 4096 shifted 36864");
    copy = file;
    paste(copy, file, 80 * KiB, 80 * KiB + 512, 8 * KiB);  // one sector on
    EXPECT_EQ(check("a.bin", copy), "81920 8192 shifted 82432");
    copy = file;
    paste(copy, file, 80 * KiB, 80 * KiB - 1024, 4 * KiB);  // two sectors back
    EXPECT_EQ(check("a.bin", copy), "81920 4096 shifted 80896");
}

TEST_F(Verify, SwappedUnitsPointAtEachOther) {
    const auto file = bytes(*open("a.bin"));
    auto copy = file;
    paste(copy, file, 80 * KiB, 84 * KiB, 4 * KiB);
    paste(copy, file, 84 * KiB, 80 * KiB, 4 * KiB);
    EXPECT_EQ(check("a.bin", copy), "81920 4096 shifted 86016; 86016 4096 shifted 81920");
}

TEST_F(Verify, UnitOfAnotherFileIsNamed) {
    auto copy = bytes(*open("a.bin"));
    paste(copy, bytes(*open("b.bin")), 64 * KiB, 64 * KiB, 4 * KiB);
    EXPECT_EQ(check("a.bin", copy), "65536 4096 other-file 65536 b.bin");
}

// From any offset, with AES-NI: a sector's first ARS block, run backwards, names its
// counter, which in a [file] with D = 1 is its offset (Stream::locate_block).
TEST_F(Verify, BytesFromAnyOffsetAreFoundByTheirCounter) {
    if (!ars_invert(ArsKey({0, 0}, 7), {0, 0})) GTEST_SKIP() << "no AES-NI";
    auto copy = bytes(*open("a.bin"));
    paste(copy, bytes(*open("b.bin")), 300 * KiB, 100 * KiB, 4 * KiB);
    EXPECT_EQ(check("a.bin", copy), "307200 4096 other-file 102400 b.bin");
    const auto big = bytes(*open("big.bin"));
    copy = big;
    paste(copy, big, 3 * 1024 * KiB, 512, 12 * KiB);  // 3 MiB away: beyond the shift window
    EXPECT_EQ(check("big.bin", copy), "3145728 12288 shifted 512");
    // A file with D > 1: its counters are contents, not offsets, so not found.
    copy = bytes(*open("a.bin"));
    paste(copy, bytes(*open("dc.bin")), 300 * KiB, 100 * KiB, 4 * KiB);
    EXPECT_EQ(check("a.bin", copy), "307200 4096 corrupt");
}

TEST_F(Verify, FlippedBitIsOneCorruptByte) {
    auto copy = bytes(*open("a.bin"));
    copy[123457] ^= 0x10;
    EXPECT_EQ(check("a.bin", copy), "123457 1 corrupt");
    copy[123457 + 4096 + 10] ^= 0x01;  // the next unit: the same class, one range
    EXPECT_EQ(check("a.bin", copy), "123457 4107 corrupt");
}

TEST_F(Verify, ZeroFileCopies) {
    auto copy = bytes(*open("zeros"));
    copy[5000] = 1;
    EXPECT_EQ(check("zeros", copy), "5000 1 corrupt");
    copy = bytes(*open("zeros"));
    paste(copy, bytes(*open("b.bin")), 8 * KiB, 8 * KiB, 4 * KiB);
    EXPECT_EQ(check("zeros", copy), "8192 4096 other-file 8192 b.bin");
}

// D = 3, C = 2: sectors end in zeros, so ranges end at the last random byte; units repeat,
// so a shift names the nearest place that holds the bytes.
TEST_F(Verify, DedupCompressStream) {
    const auto file = bytes(*open("dc.bin"));
    auto copy = file;
    std::memset(copy.data() + 12 * KiB, 0, 4 * KiB);
    // The last sector of a unit holds 249 random bytes (3584 + 249 = 3833); unit 3's last
    // random byte is 0 itself, so zeroing changes one byte less.
    EXPECT_EQ(check("dc.bin", copy), "12288 3832 zeroed");
    copy = file;
    paste(copy, file, 40 * KiB, 44 * KiB, 4 * KiB);
    EXPECT_EQ(check("dc.bin", copy), "40960 3833 shifted 45056");
    copy = file;
    paste(copy, file, 80 * KiB, 80 * KiB + 512, 4 * KiB);
    EXPECT_EQ(check("dc.bin", copy), "81920 3833 shifted 82432");
    copy = file;
    copy[100 * KiB + 3] ^= 0x80;  // random part of a sector
    copy[100 * KiB + 511] ^= 0x01;  // zero tail of that sector
    EXPECT_EQ(check("dc.bin", copy), "102403 509 corrupt");
    copy = file;
    paste(copy, bytes(*open("a.bin")), 64 * KiB, 64 * KiB, 4 * KiB);
    EXPECT_EQ(check("dc.bin", copy), "65536 4096 other-file 65536 a.bin");
}

// A copy checked in pieces (aligned to neither sectors nor units, as writes may arrive)
// and merged reports what one call over the whole copy reports. (A piece of a shifted unit
// that holds no sector boundary could not be placed: these pieces always hold one.)
TEST_F(Verify, PiecesMergeAsOneCall) {
    const auto src = open("a.bin");
    const auto file = bytes(*src);
    auto copy = file;
    std::memset(copy.data() + 10 * KiB, 0, 12 * KiB);
    paste(copy, file, 200 * KiB, 204 * KiB, 16 * KiB);
    copy[700000] ^= 4;
    copy.insert(copy.end(), 5000, 0);
    const FileChecker checker(*src, "a.bin", &ns_);
    const std::string whole = describe(checker.compare(0, copy.data(), copy.size()));
    EXPECT_EQ(whole, "10240 12288 zeroed; 204800 16384 shifted 208896; 700000 1 corrupt; 1048576 5000 extended");
    std::vector<BadRange> all;
    for (uint64_t o = 0; o < copy.size(); o += 6000) {
        const size_t n = std::min<uint64_t>(6000, copy.size() - o);
        for (BadRange& r : checker.compare(o, copy.data() + o, n)) all.push_back(r);
    }
    checker.merge(all);
    EXPECT_EQ(describe(all), whole);
}

TEST(VerifyStandalone, StreamWithoutNamespace) {
    StreamParams p;
    p.seed = 9;
    p.size = 64 * KiB;
    p.unit = 512;
    const FileSource src(std::make_unique<Stream>(p), p.size);
    std::vector<uint8_t> copy(p.size);
    src.read(0, copy.size(), copy.data());
    const FileChecker checker(src, "stream");
    EXPECT_TRUE(checker.compare(0, copy.data(), copy.size()).empty());
    std::memcpy(copy.data() + 1024, copy.data() + 2048, 512);  // a 512-byte unit from 2 units on
    const auto r = checker.compare(0, copy.data(), copy.size());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].kind, Mismatch::Shifted);
    EXPECT_EQ(r[0].offset, 1024u);
    EXPECT_EQ(r[0].length, 512u);
    EXPECT_EQ(r[0].source_offset, 2048u);
}

}  // namespace
}  // namespace dgen
