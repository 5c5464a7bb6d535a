#include "fs.h"
#include "special.h"

namespace dgen::fs {

void release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    if (control::owns(ino)) return control::release(req, ino, fi);
    if (verify_area::owns(ino)) return verify_area::release(req, ino, fi);
    barrier(req, "release", [&] {
        ctx(req).open_files.remove(reinterpret_cast<FileSource*>(fi->fh));
        fuse_reply_err(req, 0);
    });
}

}  // namespace dgen::fs
