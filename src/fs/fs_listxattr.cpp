#include <string>

#include "fs.h"
#include "special.h"

namespace dgen::fs {

void listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
    if (verify_area::owns(ino)) return verify_area::listxattr(req, ino, size);
    barrier(req, "listxattr", [&] {
        std::string names;  // NUL-separated
        for (const auto& [key, value] : ctx(req).ns->xattrs(ino)) names += key + '\0';
        if (size == 0) return void(fuse_reply_xattr(req, names.size()));
        if (size < names.size()) return void(fuse_reply_err(req, ERANGE));
        fuse_reply_buf(req, names.data(), names.size());
    });
}

}  // namespace dgen::fs
