#include <fcntl.h>

#include "fs.h"
#include "special.h"

namespace dgen::fs {

void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    if (control::owns(ino)) return control::opendir(req, ino, fi);
    if (verify_area::owns(ino)) return verify_area::opendir(req, ino, fi);
    barrier(req, "opendir", [&] {
        const auto a = ctx(req).ns->attr(ino);
        if (!a) return void(fuse_reply_err(req, ENOENT));
        if (!a->dir) return void(fuse_reply_err(req, ENOTDIR));
        fi->cache_readdir = 1;  // listings never change
        fi->keep_cache = 1;
        fuse_reply_open(req, fi);
    });
}

}  // namespace dgen::fs
