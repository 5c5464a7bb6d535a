// The two trees dgenfs shows beside the dataset, each with inodes of its own:
//
//   /.dgen     the statistics: stats.json and metrics, read-only (control.cpp)
//   /.verify   a symbolic link to the verify area: the dataset's tree again, writable;
//              bytes written there are compared with the file's own (verify_area.cpp)
//
// The verify area is a mount of its own (verify_mount_ops.cpp), so that the dataset's
// mount can be read-only: on a writable FUSE superblock the kernel marks a file's atime
// stale after each READ, and the next stat of the file costs a GETATTR round trip.
//
// Neither name is listed in the root (a copy of the mount copies the dataset and nothing
// else); a lookup by name finds them. Inode numbers, where the dataset has none
// (namespace.h: its directories are below 2^39, its files from 2^40 on):
//
//   2^39 + 1 ... 2^39 + 14        /.dgen and the names in it (as readdir lists them)
//   2^39 + 15                     the /.verify link
//   2^39 + 16 + n                 the n-th snapshot of stats.json or metrics, one per
//                                 lookup (n < 2^39 - 16, reused past those still held)
//   2^63 | x                      <verify area>/<the path of dataset inode x>; 2^63 | 1 is
//                                 its root, FUSE's inode 1 on the verify area's mount
//   2^63 | 2^39 + n               the n-th file or directory created in the verify area
//                                 that the dataset does not have (rsync's temporaries, ...)
//
// Each operation asks owns() first and hands such an inode over; the dataset's own
// inodes never reach these files.
#pragma once

#include "fs.h"

namespace dgen::fs {

inline constexpr uint64_t kControlBase = 1ull << 39;
inline constexpr uint64_t kControlDirIno = kControlBase + 1;
inline constexpr uint64_t kSnapshotBase = kControlBase + 16;
static_assert(kSnapshotBase + ControlSnapshots::kSlots == 1ull << 40, "snapshots end where [file]s begin");
inline constexpr uint64_t kVerifyBit = 1ull << 63;
inline constexpr uint64_t kVerifyLinkIno = kControlBase + 15;

namespace control {
inline bool owns(fuse_ino_t ino) {
    return ino > kControlBase && ino != kVerifyLinkIno && ino < kSnapshotBase + ControlSnapshots::kSlots;
}
// The entry of /.dgen, for a lookup in the root.
void lookup_root(fuse_req_t req);
void lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);  // replies nothing
void getattr(fuse_req_t req, fuse_ino_t ino);
void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus);
void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
}  // namespace control

// /.verify in the dataset's root: a symbolic link to the verify area's mount (fs.h:
// Context::verify_link), ENOENT when the area is off.
namespace verify_link {
inline bool owns(fuse_ino_t ino) { return ino == kVerifyLinkIno; }
void lookup(fuse_req_t req);
void getattr(fuse_req_t req);
void readlink(fuse_req_t req);
}  // namespace verify_link

namespace verify_area {
inline bool owns(fuse_ino_t ino) { return (ino & kVerifyBit) != 0; }
void lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);  // replies nothing
void getattr(fuse_req_t req, fuse_ino_t ino);
void access(fuse_req_t req, fuse_ino_t ino, int mask);
void setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi);
void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus);
void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi);
void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off, fuse_file_info* fi);
void release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode);
void unlink(fuse_req_t req, fuse_ino_t parent, const char* name);
void rmdir(fuse_req_t req, fuse_ino_t parent, const char* name);
void rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
            const char* newname, unsigned int flags);
void getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size);
void listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
}  // namespace verify_area

}  // namespace dgen::fs
