// The filesystem is read-only: every operation that would change it answers EROFS, even
// when mounted without -o ro (where the kernel would have refused first).
#include <string>

#include "fs.h"
#include "log.h"

namespace dgen::fs {

void setattr(fuse_req_t req, fuse_ino_t ino, struct stat*, int, fuse_file_info*) { refuse(req, "setattr", ino); }
void mknod(fuse_req_t req, fuse_ino_t ino, const char*, mode_t, dev_t) { refuse(req, "mknod", ino); }
void mkdir(fuse_req_t req, fuse_ino_t ino, const char*, mode_t) { refuse(req, "mkdir", ino); }
void unlink(fuse_req_t req, fuse_ino_t ino, const char*) { refuse(req, "unlink", ino); }
void rmdir(fuse_req_t req, fuse_ino_t ino, const char*) { refuse(req, "rmdir", ino); }
void symlink(fuse_req_t req, const char*, fuse_ino_t ino, const char*) { refuse(req, "symlink", ino); }
void rename(fuse_req_t req, fuse_ino_t ino, const char*, fuse_ino_t, const char*, unsigned int) {
    refuse(req, "rename", ino);
}
void link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t, const char*) { refuse(req, "link", ino); }
void write(fuse_req_t req, fuse_ino_t ino, const char*, size_t, off_t, fuse_file_info*) {
    refuse(req, "write", ino);
}
void create(fuse_req_t req, fuse_ino_t ino, const char*, mode_t, fuse_file_info*) { refuse(req, "create", ino); }
void setxattr(fuse_req_t req, fuse_ino_t ino, const char*, const char*, size_t, int) {
    refuse(req, "setxattr", ino);
}
void removexattr(fuse_req_t req, fuse_ino_t ino, const char*) { refuse(req, "removexattr", ino); }
void fallocate(fuse_req_t req, fuse_ino_t ino, int, off_t, off_t, fuse_file_info*) { refuse(req, "fallocate", ino); }

void refuse(fuse_req_t req, const char* op, fuse_ino_t ino) {
    static RateLimit limit(10);
    unsigned long long dropped = 0;
    if (limit.allow(&dropped)) {
        const fuse_ctx* who = fuse_req_ctx(req);
        const std::string after = dropped ? " (" + std::to_string(dropped) + " such lines dropped before)" : "";
        log(LOG_WARNING, "refused %s on inode %llu from pid %d: read-only filesystem%s", op,
            static_cast<unsigned long long>(ino), who ? static_cast<int>(who->pid) : 0, after.c_str());
    }
    fuse_reply_err(req, EROFS);
}

}  // namespace dgen::fs
