#include "fs.h"
#include "special.h"

namespace dgen::fs {

// readdir with attributes, so `ls -l`, find and rsync need no lookup per entry. Lookup
// counts are not tracked (inodes are computed, nothing to free), so "." and ".." are
// listed like any entry. /.dgen, which counts its snapshots' lookups, lists its names
// without an inode (control.cpp).
void readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
    if (control::owns(ino)) return control::readdir(req, ino, size, off, true);
    if (verify_area::owns(ino)) return verify_area::readdir(req, ino, size, off, true);
    barrier(req, "readdirplus", [&] {
        const Context& c = ctx(req);
        reply_directory(req, ino, size, off,
            [&](char* buf, size_t room, const std::string& name, const NodeAttr& a, off_t next) {
                const fuse_entry_param e = to_entry(a, c);
                return fuse_add_direntry_plus(req, buf, room, name.c_str(), &e, next);
            });
    });
}

}  // namespace dgen::fs
