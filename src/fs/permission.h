// Who may do what, checked by dgenfs rather than the kernel. dgenfs mounts without
// default_permissions so that access(2) reaches it (fs_access.cpp): the dataset can then
// answer EROFS to every write check, root's included, while the verify area stays
// writable. The price is that dgenfs checks the verify area's modes itself, as the
// kernel's generic_permission() would (verify_ops.cpp calls these before each change).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace dgen::fs {

// The process behind a request. Its supplementary groups are asked for only when the
// group bits decide (reading them costs a /proc lookup).
struct Caller {
    uid_t uid = 0;
    gid_t gid = 0;
    std::function<std::vector<gid_t>()> groups;
};

// An inode's owner and mode bits (07777).
struct Owned {
    uid_t uid = 0;
    gid_t gid = 0;
    uint32_t mode = 0;
    bool dir = false;
};

// POSIX's check of `mask` (R_OK | W_OK | X_OK; 0 asks only that it exists): the owner's
// bits for the owner, else the group's for a member, else the others'. Root may read
// and write anything and execute a directory, or a file with any x bit. 0 or EACCES.
int check_access(const Caller& who, const Owned& what, int mask);

// Removing or renaming `child` out of `dir`: EPERM when the directory is sticky (S_ISVTX)
// and `who` owns neither it nor the child, and is not root; else 0.
int check_sticky(const Caller& who, const Owned& dir, const Owned& child);

// chmod, explicit times: only the owner or root (EPERM otherwise).
int check_owner(const Caller& who, const Owned& what);

}  // namespace dgen::fs
