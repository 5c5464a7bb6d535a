// The verify area's bookkeeping, without FUSE: which writes match, how coverage adds up
// to `verified`, journals of created files checked at rename, truncates and unlinks.
#include <fcntl.h>
#include <linux/fs.h>

#include <gtest/gtest.h>

#include "dgen/namespace.h"
#include "verify_area.h"

namespace dgen::fs {
namespace {

Config area_config() {
    Config c;
    c.dataset.seed = 3;
    c.files.push_back({"d/a.bin", 100000, {}, 1});
    c.files.push_back({"d/b.bin", 5000, {}, 2});
    return c;
}

struct Area : ::testing::Test {
    Config config = area_config();
    Namespace ns{config};
    VerifyArea area{ns, 1767225600};
    uint64_t dir = 0, a = 0, b = 0;

    void SetUp() override {
        VerifyArea::Attr x;
        ASSERT_EQ(area.lookup(VerifyArea::root(), "d", &x), 0);
        dir = x.ino;
        ASSERT_EQ(area.lookup(dir, "a.bin", &x), 0);
        a = x.ino;
        ASSERT_EQ(area.lookup(dir, "b.bin", &x), 0);
        b = x.ino;
    }
    std::vector<uint8_t> bytes(const char* path) {
        const auto src = ns.open(*ns.resolve(path));
        std::vector<uint8_t> v(src->size());
        src->read(0, v.size(), v.data());
        return v;
    }
    std::unique_ptr<VerifyArea::Handle> open(uint64_t ino, int flags = O_WRONLY) {
        std::unique_ptr<VerifyArea::Handle> h;
        EXPECT_EQ(area.open(ino, flags, &h), 0);
        return h;
    }
};

TEST_F(Area, WritesInAnyOrderAddUpToVerified) {
    const auto want = bytes("d/a.bin");
    EXPECT_EQ(*area.status(a), "partial 0/100000 bytes");
    auto h = open(a, O_WRONLY | O_TRUNC);
    EXPECT_EQ(area.write(*h, 50000, want.data() + 50000, 50000), 0);
    EXPECT_EQ(*area.status(a), "partial 50000/100000 bytes");
    EXPECT_EQ(area.write(*h, 0, want.data(), 30000), 0);
    EXPECT_EQ(area.write(*h, 20000, want.data() + 20000, 40000), 0);  // overlaps both
    EXPECT_EQ(*area.status(a), "verified");
    area.release(*h);
    const VerifyTotals t = area.totals();
    EXPECT_EQ(t.files_verified, 1u);
    EXPECT_EQ(t.bytes_checked, 120000u);
    EXPECT_EQ(t.writes, 3u);
}

TEST_F(Area, AMismatchFailsTheWriteAndStays) {
    auto want = bytes("d/a.bin");
    auto h = open(a);
    want[7777] ^= 1;
    EXPECT_EQ(area.write(*h, 4096, want.data() + 4096, 8192), EIO);
    want[7777] ^= 1;
    EXPECT_EQ(area.write(*h, 0, want.data(), want.size()), 0);
    EXPECT_EQ(*area.status(a), "mismatch at 7777");
    const VerifyTotals t = area.totals();
    EXPECT_EQ(t.writes_failed, 1u);
    EXPECT_EQ(t.files_mismatched, 1u);
    ASSERT_EQ(t.recent.size(), 1u);
    EXPECT_EQ(t.recent[0].path, "d/a.bin");
    EXPECT_EQ(t.recent[0].offset, 7777u);
    EXPECT_EQ(area.set_size(a, 0), 0);  // starting over clears it
    EXPECT_EQ(*area.status(a), "partial 0/100000 bytes");
    EXPECT_EQ(area.write(*h, 99999, want.data() + 99999, 2), EIO);  // one byte too many
    EXPECT_EQ(area.set_size(a, 100001), EFBIG);
}

TEST_F(Area, TruncateToTheSizeKeepsWhatWasWritten) {
    const auto want = bytes("d/a.bin");
    auto h = open(a);
    EXPECT_EQ(area.write(*h, 0, want.data(), 60000), 0);
    EXPECT_EQ(area.set_size(a, 100000), 0);
    EXPECT_EQ(*area.status(a), "partial 60000/100000 bytes");
    EXPECT_EQ(area.set_size(a, 10000), 0);
    EXPECT_EQ(*area.status(a), "partial 10000/100000 bytes");
    VerifyArea::Attr x;
    ASSERT_EQ(area.attr(a, &x), 0);
    EXPECT_EQ(x.size, 10000u);
}

TEST_F(Area, CreatedFilesAreCheckedWhenRenamedOntoADatasetPath) {
    const auto want = bytes("d/b.bin");
    VerifyArea::Attr x;
    std::unique_ptr<VerifyArea::Handle> h;
    ASSERT_EQ(area.create(dir, ".b.bin.Xy12Ab", 0600, O_WRONLY | O_CREAT | O_EXCL, &x, &h), 0);
    EXPECT_TRUE(VerifyArea::is_created(x.ino));
    EXPECT_EQ(area.write(*h, 0, want.data(), 3000), 0);
    EXPECT_EQ(area.write(*h, 3000, want.data() + 3000, 2000), 0);  // continues: one entry
    area.release(*h);
    EXPECT_EQ(*area.status(x.ino), "not a dataset file (5000 bytes written)");
    EXPECT_EQ(area.rename(dir, ".b.bin.Xy12Ab", dir, "b.bin", 0), 0);
    EXPECT_EQ(*area.status(b), "verified");
    EXPECT_EQ(area.lookup(dir, ".b.bin.Xy12Ab", &x), ENOENT);

    // A bad one: the rename fails with EIO, and the target says where.
    auto bad = want;
    bad[4500] ^= 0x80;
    ASSERT_EQ(area.create(dir, ".b.bin.Q", 0600, O_WRONLY | O_CREAT, &x, &h), 0);
    EXPECT_EQ(area.write(*h, 0, bad.data(), 4096), 0);
    EXPECT_EQ(area.write(*h, 4096, bad.data() + 4096, 904), 0);
    area.release(*h);
    EXPECT_EQ(area.rename(dir, ".b.bin.Q", dir, "b.bin", 0), EIO);
    EXPECT_EQ(*area.status(b), "mismatch at 0");  // one entry: the whole sequential write
    EXPECT_EQ(area.totals().recent.back().kind, "unclassified");
}

TEST_F(Area, UnlinkHidesADatasetPathUntilCreated) {
    VerifyArea::Attr x;
    EXPECT_EQ(area.unlink(dir, "a.bin"), 0);
    EXPECT_EQ(area.lookup(dir, "a.bin", &x), ENOENT);
    EXPECT_EQ(area.unlink(dir, "a.bin"), ENOENT);
    std::unique_ptr<VerifyArea::Handle> h;
    EXPECT_EQ(area.create(dir, "a.bin", 0644, O_WRONLY | O_CREAT | O_EXCL, &x, &h), 0);
    EXPECT_EQ(x.ino, a);
    EXPECT_EQ(area.create(dir, "a.bin", 0644, O_WRONLY | O_CREAT | O_EXCL, &x, &h), EEXIST);
    EXPECT_EQ(area.rmdir(VerifyArea::root(), "d"), EBUSY);
    EXPECT_EQ(area.rename(dir, "a.bin", dir, "c.bin", 0), EPERM);
    EXPECT_EQ(area.mkdir(dir, "a.bin", 0755, &x), EEXIST);
    EXPECT_EQ(area.mkdir(dir, "sub", 0755, &x), 0);
    const uint64_t sub = x.ino;
    ASSERT_EQ(area.create(sub, "f", 0644, O_WRONLY | O_CREAT, &x, &h), 0);
    EXPECT_EQ(area.rmdir(dir, "sub"), ENOTEMPTY);
    EXPECT_EQ(area.unlink(sub, "f"), 0);
    EXPECT_EQ(area.rmdir(dir, "sub"), 0);
}

TEST_F(Area, ListingShowsDatasetThenCreatedEntriesAndResumes) {
    VerifyArea::Attr x;
    std::unique_ptr<VerifyArea::Handle> h;
    ASSERT_EQ(area.create(dir, "zz", 0644, O_WRONLY | O_CREAT, &x, &h), 0);
    ASSERT_EQ(area.unlink(dir, "b.bin"), 0);
    std::vector<std::string> all;
    uint64_t off = 0;
    for (;;) {  // one entry per call, resuming from each returned offset
        bool got = false;
        ASSERT_EQ(area.list(dir, off, [&](const std::string& n, const VerifyArea::Attr&, uint64_t next) {
            all.push_back(n);
            off = next;
            got = true;
            return false;
        }), 0);
        if (!got) break;
    }
    EXPECT_EQ(all, (std::vector<std::string>{".", "..", "a.bin", "zz"}));
}

}  // namespace
}  // namespace dgen::fs
