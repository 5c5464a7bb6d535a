#include <vector>

#include "fs.h"

namespace dgen::fs {

// Fills one reply buffer from `off` on; the offset handed back with each entry is where
// the next call resumes, so directories of any size list in pieces.
void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
    barrier(req, "readdir", [&] {
        const Context& c = ctx(req);
        std::vector<char> buf(size);
        size_t used = 0;
        const bool is_dir = c.ns->readdir(ino, static_cast<uint64_t>(off),
            [&](const std::string& name, const NodeAttr& a, uint64_t next) {
                struct stat st {};
                st.st_ino = a.ino;
                st.st_mode = a.dir ? S_IFDIR : S_IFREG;
                const size_t need = fuse_add_direntry(req, buf.data() + used, size - used,
                                                      name.c_str(), &st, static_cast<off_t>(next));
                if (need > size - used) return false;
                used += need;
                return true;
            });
        if (!is_dir) return void(fuse_reply_err(req, ENOTDIR));
        fuse_reply_buf(req, buf.data(), used);
    });
}

}  // namespace dgen::fs
