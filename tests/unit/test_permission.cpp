// permission.h: the checks dgenfs makes for the verify area in place of the kernel's
// generic_permission(). Expected answers are POSIX's, written out case by case.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "permission.h"

namespace dgen::fs {
namespace {

Caller user(uid_t uid, gid_t gid, std::vector<gid_t> groups = {}) {
    Caller c;
    c.uid = uid;
    c.gid = gid;
    c.groups = [groups] { return groups; };
    return c;
}

const Owned kFile644{1000, 100, 0644, false};
const Owned kDir755{1000, 100, 0755, true};

TEST(Permission, OwnerUsesTheOwnerBits) {
    EXPECT_EQ(check_access(user(1000, 100), kFile644, R_OK | W_OK), 0);
    EXPECT_EQ(check_access(user(1000, 100), kFile644, X_OK), EACCES);
    EXPECT_EQ(check_access(user(1000, 100), Owned{1000, 100, 0044, false}, R_OK), EACCES);  // owner bits only
}

TEST(Permission, OthersUseTheOtherBits) {
    EXPECT_EQ(check_access(user(2000, 200), kFile644, R_OK), 0);
    EXPECT_EQ(check_access(user(2000, 200), kFile644, W_OK), EACCES);
    EXPECT_EQ(check_access(user(2000, 200), kDir755, R_OK | X_OK), 0);
    EXPECT_EQ(check_access(user(2000, 200), kDir755, W_OK | X_OK), EACCES);
    EXPECT_EQ(check_access(user(2000, 200), Owned{1000, 100, 0700, true}, X_OK), EACCES);
    EXPECT_EQ(check_access(user(2000, 200), Owned{1000, 100, 0777, true}, W_OK | X_OK), 0);
}

TEST(Permission, GroupBitsForThePrimaryOrASupplementaryGroup) {
    const Owned group_writes{1000, 100, 0664, false};
    EXPECT_EQ(check_access(user(2000, 100), group_writes, W_OK), 0);
    EXPECT_EQ(check_access(user(2000, 200, {7, 100}), group_writes, W_OK), 0);
    EXPECT_EQ(check_access(user(2000, 200, {7}), group_writes, W_OK), EACCES);
    const Owned group_denied{1000, 100, 0604, false};  // a member gets the group's bits, not the others'
    EXPECT_EQ(check_access(user(2000, 100), group_denied, R_OK), EACCES);
    EXPECT_EQ(check_access(user(2000, 200), group_denied, R_OK), 0);
}

TEST(Permission, GroupsAreAskedOnlyWhenTheyDecide) {
    int asked = 0;
    Caller c = user(2000, 200);
    c.groups = [&asked] {
        ++asked;
        return std::vector<gid_t>{};
    };
    EXPECT_EQ(check_access(c, kFile644, R_OK), 0);  // group and others alike
    EXPECT_EQ(check_access(c, Owned{2000, 100, 0600, false}, R_OK), 0);  // the owner
    EXPECT_EQ(asked, 0);
    EXPECT_EQ(check_access(c, Owned{1000, 100, 0640, false}, R_OK), EACCES);
    EXPECT_EQ(asked, 1);
}

TEST(Permission, RootReadsAndWritesAllButRunsOnlyWhatHasAnXBit) {
    const Caller root = user(0, 0);
    EXPECT_EQ(check_access(root, Owned{1000, 100, 0000, false}, R_OK | W_OK), 0);
    EXPECT_EQ(check_access(root, Owned{1000, 100, 0644, false}, X_OK), EACCES);
    EXPECT_EQ(check_access(root, Owned{1000, 100, 0010, false}, X_OK), 0);
    EXPECT_EQ(check_access(root, Owned{1000, 100, 0000, true}, X_OK | W_OK), 0);
}

TEST(Permission, ExistenceAlone) {
    EXPECT_EQ(check_access(user(2000, 200), Owned{1000, 100, 0000, false}, F_OK), 0);
}

TEST(Permission, StickyDirectoryKeepsOthersEntries) {
    const Owned sticky{1000, 100, 01777, true};
    const Owned entry{1000, 100, 0644, false};
    EXPECT_EQ(check_sticky(user(2000, 200), sticky, entry), EPERM);
    EXPECT_EQ(check_sticky(user(2000, 200), sticky, Owned{2000, 200, 0644, false}), 0);  // its own entry
    EXPECT_EQ(check_sticky(user(1000, 100), sticky, entry), 0);
    EXPECT_EQ(check_sticky(user(0, 0), sticky, entry), 0);
    EXPECT_EQ(check_sticky(user(2000, 200), Owned{1000, 100, 0777, true}, entry), 0);  // not sticky
}

TEST(Permission, OnlyTheOwnerOrRootChangesModes) {
    EXPECT_EQ(check_owner(user(1000, 100), kFile644), 0);
    EXPECT_EQ(check_owner(user(0, 0), kFile644), 0);
    EXPECT_EQ(check_owner(user(2000, 100), Owned{1000, 100, 0666, false}), EPERM);
}

}  // namespace
}  // namespace dgen::fs
