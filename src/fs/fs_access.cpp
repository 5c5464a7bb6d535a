// access(2), faccessat(2), test -w, chdir: asked of dgenfs because it mounts without
// default_permissions (permission.h). The dataset and /.dgen are read-only to every
// check: a write check answers EROFS for every user, root included, as on a read-only
// mount. Read and execute follow the modes (files 0444, directories 0555).
#include <unistd.h>

#include "fs.h"
#include "special.h"

namespace dgen::fs {

void access(fuse_req_t req, fuse_ino_t ino, int mask) {
    if (verify_area::owns(ino)) return verify_area::access(req, ino, mask);
    barrier(req, "access", [&] {
        const Context& c = ctx(req);
        bool dir;
        if (control::owns(ino)) {
            dir = ino == kControlDirIno;
        } else {
            const auto a = c.ns->attr(ino);
            if (!a) return void(fuse_reply_err(req, ENOENT));
            dir = a->dir;
        }
        if (mask & W_OK) return void(fuse_reply_err(req, EROFS));
        const Owned what{c.uid, c.gid, dir ? 0555u : 0444u, dir};
        fuse_reply_err(req, check_access(caller_of(req), what, mask));
    });
}

}  // namespace dgen::fs
