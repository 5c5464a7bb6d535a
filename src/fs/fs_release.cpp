#include "fs.h"

namespace dgen::fs {

void release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    barrier(req, "release", [&] {
        delete reinterpret_cast<FileSource*>(fi->fh);
        fuse_reply_err(req, 0);
    });
}

}  // namespace dgen::fs
