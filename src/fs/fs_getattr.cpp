#include "fs.h"
#include "special.h"

namespace dgen::fs {

void getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
    if (control::owns(ino)) return control::getattr(req, ino);
    if (verify_link::owns(ino)) return verify_link::getattr(req);
    if (verify_area::owns(ino)) return verify_area::getattr(req, ino);
    barrier(req, "getattr", [&] {
        const Context& c = ctx(req);
        const auto a = c.ns->attr(ino);
        if (!a) return void(fuse_reply_err(req, ENOENT));
        const struct stat st = to_stat(*a, c);
        fuse_reply_attr(req, &st, c.timeout);
    });
}

}  // namespace dgen::fs
