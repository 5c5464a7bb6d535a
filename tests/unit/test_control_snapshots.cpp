// /.dgen's snapshot inodes (fs.h: ControlSnapshots), without FUSE: each holds its text
// until the kernel has forgotten every lookup of it; numbers wrap past those held.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "fs.h"
#include "special.h"

namespace dgen::fs {
namespace {

ControlSnapshots::Snapshot text(const std::string& s) {
    return {std::make_shared<const std::string>(s), kControlBase + 2};
}

TEST(ControlSnapshots, EachAddIsANewSlotHeldUntilItsLookupsAreForgotten) {
    ControlSnapshots snaps;
    const uint64_t a = snaps.add(text("one"));
    const uint64_t b = snaps.add(text("two"));
    EXPECT_NE(a, b);
    EXPECT_EQ(*snaps.find(a).text, "one");
    EXPECT_EQ(snaps.find(a).name, kControlBase + 2);
    EXPECT_EQ(*snaps.find(b).text, "two");
    const auto held = snaps.find(a).text;  // a reader's copy outlives the slot
    snaps.forget(a, 1);
    EXPECT_EQ(snaps.find(a).text, nullptr);
    EXPECT_EQ(*held, "one");
    EXPECT_EQ(snaps.size(), 1u);
    snaps.forget(b, 5);  // more than counted: freed, no underflow
    EXPECT_EQ(snaps.find(b).text, nullptr);
    EXPECT_EQ(snaps.size(), 0u);
    snaps.forget(12345, 1);  // unknown: nothing happens
}

TEST(ControlSnapshots, NumbersWrapPastThoseStillHeld) {
    ControlSnapshots snaps(3);
    const uint64_t a = snaps.add(text("a"));
    const uint64_t b = snaps.add(text("b"));
    const uint64_t c = snaps.add(text("c"));
    EXPECT_EQ(a, 0u);
    EXPECT_EQ(b, 1u);
    EXPECT_EQ(c, 2u);
    EXPECT_THROW(snaps.add(text("d")), std::runtime_error);  // all three held
    snaps.forget(b, 1);
    EXPECT_EQ(snaps.add(text("d")), 1u);  // 0 is still held
    EXPECT_EQ(*snaps.find(1).text, "d");
    EXPECT_EQ(*snaps.find(0).text, "a");
}

TEST(ControlSnapshots, SnapshotInodesAreTheControlAreasAndNoDatasetsOrVerifys) {
    EXPECT_TRUE(control::owns(kControlDirIno));
    EXPECT_TRUE(control::owns(kSnapshotBase));
    EXPECT_TRUE(control::owns(kSnapshotBase + ControlSnapshots::kSlots - 1));
    EXPECT_FALSE(control::owns(kControlBase));
    EXPECT_FALSE(control::owns(uint64_t{1} << 40));  // the first [file] (namespace.h)
    EXPECT_FALSE(control::owns(kVerifyBit | kControlDirIno));
}

}  // namespace
}  // namespace dgen::fs
