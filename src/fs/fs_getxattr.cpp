#include <cstring>

#include "fs.h"
#include "special.h"

namespace dgen::fs {

// user.dgen.{format,seed,dedup,compress,unit,pattern,stream}: how the file was made.
void getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
    if (verify_area::owns(ino)) return verify_area::getxattr(req, ino, name, size);
    barrier(req, "getxattr", [&] {
        for (const auto& [key, value] : ctx(req).ns->xattrs(ino)) {
            if (key != name) continue;
            if (size == 0) return void(fuse_reply_xattr(req, value.size()));
            if (size < value.size()) return void(fuse_reply_err(req, ERANGE));
            return void(fuse_reply_buf(req, value.data(), value.size()));
        }
        fuse_reply_err(req, ENODATA);
    });
}

}  // namespace dgen::fs
