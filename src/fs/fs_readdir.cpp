#include "fs.h"
#include "special.h"

namespace dgen::fs {

// Directories of any size list in pieces: each entry carries the offset the next call
// resumes from.
void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
    if (control::owns(ino)) return control::readdir(req, ino, size, off, false);
    if (verify_area::owns(ino)) return verify_area::readdir(req, ino, size, off, false);
    barrier(req, "readdir", [&] {
        reply_directory(req, ino, size, off,
            [&](char* buf, size_t room, const std::string& name, const NodeAttr& a, off_t next) {
                struct stat st {};
                st.st_ino = a.ino;
                st.st_mode = a.dir ? S_IFDIR : S_IFREG;
                return fuse_add_direntry(req, buf, room, name.c_str(), &st, next);
            });
    });
}

}  // namespace dgen::fs
