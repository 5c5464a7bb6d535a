// /.dgen: not yet served (the statistics come with stats.h).
#include "special.h"

namespace dgen::fs::control {

void lookup_root(fuse_req_t req) { fuse_reply_err(req, ENOENT); }
void lookup(fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, ENOENT); }
void getattr(fuse_req_t req, fuse_ino_t) { fuse_reply_err(req, ENOENT); }
void opendir(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, ENOENT); }
void readdir(fuse_req_t req, fuse_ino_t, size_t, off_t, bool) { fuse_reply_err(req, ENOENT); }
void open(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, ENOENT); }
void read(fuse_req_t req, fuse_ino_t, size_t, off_t, fuse_file_info*) { fuse_reply_err(req, EBADF); }
void release(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, 0); }

}  // namespace dgen::fs::control
