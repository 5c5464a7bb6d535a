#include "fs.h"

namespace dgen::fs {

// Inodes are computed from the config, so there is nothing to free.
void forget(fuse_req_t req, fuse_ino_t, uint64_t) { fuse_reply_none(req); }
void forget_multi(fuse_req_t req, size_t, fuse_forget_data*) { fuse_reply_none(req); }

}  // namespace dgen::fs
