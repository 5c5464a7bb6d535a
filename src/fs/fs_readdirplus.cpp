#include <cstring>
#include <vector>

#include "fs.h"

namespace dgen::fs {

// readdir with attributes, so `ls -l`, find and rsync need no lookup per entry. Lookup
// counts are not tracked (inodes are computed, nothing to free), so "." and ".." are
// listed like any entry.
void readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
    barrier(req, "readdirplus", [&] {
        const Context& c = ctx(req);
        std::vector<char> buf(size);
        size_t used = 0;
        const bool is_dir = c.ns->readdir(ino, static_cast<uint64_t>(off),
            [&](const std::string& name, const NodeAttr& a, uint64_t next) {
                const fuse_entry_param e = to_entry(a, c);
                const size_t need = fuse_add_direntry_plus(req, buf.data() + used, size - used,
                                                           name.c_str(), &e, static_cast<off_t>(next));
                if (need > size - used) return false;
                used += need;
                return true;
            });
        if (!is_dir) return void(fuse_reply_err(req, ENOTDIR));
        fuse_reply_buf(req, buf.data(), used);
    });
}

}  // namespace dgen::fs
