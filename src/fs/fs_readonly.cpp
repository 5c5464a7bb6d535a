// The dataset is read-only: every operation that would change it answers EROFS, even
// when mounted without -o ro (where the kernel would have refused first). The verify
// area (special.h) is the one writable tree; its operations are handed over.
#include <string>

#include "fs.h"
#include "log.h"
#include "special.h"

namespace dgen::fs {

void setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
    if (verify_area::owns(ino)) return verify_area::setattr(req, ino, attr, to_set, fi);
    refuse(req, "setattr", ino);
}
void mknod(fuse_req_t req, fuse_ino_t ino, const char*, mode_t, dev_t) { refuse(req, "mknod", ino); }
void mkdir(fuse_req_t req, fuse_ino_t ino, const char* name, mode_t mode) {
    if (verify_area::owns(ino)) return verify_area::mkdir(req, ino, name, mode);
    refuse(req, "mkdir", ino);
}
void unlink(fuse_req_t req, fuse_ino_t ino, const char* name) {
    if (verify_area::owns(ino)) return verify_area::unlink(req, ino, name);
    refuse(req, "unlink", ino);
}
void rmdir(fuse_req_t req, fuse_ino_t ino, const char* name) {
    if (verify_area::owns(ino)) return verify_area::rmdir(req, ino, name);
    refuse(req, "rmdir", ino);
}
void symlink(fuse_req_t req, const char*, fuse_ino_t ino, const char*) { refuse(req, "symlink", ino); }
void rename(fuse_req_t req, fuse_ino_t ino, const char* name, fuse_ino_t newparent,
            const char* newname, unsigned int flags) {
    if (verify_area::owns(ino) && verify_area::owns(newparent))
        return verify_area::rename(req, ino, name, newparent, newname, flags);
    if (verify_area::owns(ino) || verify_area::owns(newparent)) return void(fuse_reply_err(req, EXDEV));
    refuse(req, "rename", ino);
}
void link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t, const char*) { refuse(req, "link", ino); }
void write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
    if (verify_area::owns(ino)) return verify_area::write(req, ino, buf, size, off, fi);
    refuse(req, "write", ino);
}
void create(fuse_req_t req, fuse_ino_t ino, const char* name, mode_t mode, fuse_file_info* fi) {
    if (verify_area::owns(ino)) return verify_area::create(req, ino, name, mode, fi);
    refuse(req, "create", ino);
}
// The verify area checks bytes, not attributes: cp -a and rsync -X learn it has none.
void setxattr(fuse_req_t req, fuse_ino_t ino, const char*, const char*, size_t, int) {
    if (verify_area::owns(ino)) return void(fuse_reply_err(req, ENOTSUP));
    refuse(req, "setxattr", ino);
}
void removexattr(fuse_req_t req, fuse_ino_t ino, const char*) { refuse(req, "removexattr", ino); }
void fallocate(fuse_req_t req, fuse_ino_t ino, int, off_t, off_t, fuse_file_info*) {
    if (verify_area::owns(ino)) return void(fuse_reply_err(req, EOPNOTSUPP));
    refuse(req, "fallocate", ino);
}

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
