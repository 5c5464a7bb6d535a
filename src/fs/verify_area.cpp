// /.verify: not yet served.
#include "special.h"

namespace dgen::fs::verify_area {

void lookup_root(fuse_req_t req) { fuse_reply_err(req, ENOENT); }
void lookup(fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, ENOENT); }
void forget(fuse_ino_t, uint64_t) {}
void getattr(fuse_req_t req, fuse_ino_t) { fuse_reply_err(req, ENOENT); }
void setattr(fuse_req_t req, fuse_ino_t, struct stat*, int, fuse_file_info*) { fuse_reply_err(req, ENOENT); }
void opendir(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, ENOENT); }
void readdir(fuse_req_t req, fuse_ino_t, size_t, off_t, bool) { fuse_reply_err(req, ENOENT); }
void open(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, ENOENT); }
void create(fuse_req_t req, fuse_ino_t, const char*, mode_t, fuse_file_info*) { fuse_reply_err(req, ENOENT); }
void read(fuse_req_t req, fuse_ino_t, size_t, off_t, fuse_file_info*) { fuse_reply_err(req, EBADF); }
void write(fuse_req_t req, fuse_ino_t, const char*, size_t, off_t, fuse_file_info*) { fuse_reply_err(req, EBADF); }
void release(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, 0); }
void mkdir(fuse_req_t req, fuse_ino_t, const char*, mode_t) { fuse_reply_err(req, ENOENT); }
void unlink(fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, ENOENT); }
void rmdir(fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, ENOENT); }
void rename(fuse_req_t req, fuse_ino_t, const char*, fuse_ino_t, const char*, unsigned int) { fuse_reply_err(req, ENOENT); }
void getxattr(fuse_req_t req, fuse_ino_t, const char*, size_t) { fuse_reply_err(req, ENODATA); }
void listxattr(fuse_req_t req, fuse_ino_t, size_t) { fuse_reply_err(req, ENOENT); }

}  // namespace dgen::fs::verify_area
