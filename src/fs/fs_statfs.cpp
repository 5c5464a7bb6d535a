#include <sys/statvfs.h>

#include "fs.h"

namespace dgen::fs {

// The dataset's size and entry count; nothing is free (it is read-only and full), unless
// the verify area takes writes.
void statfs(fuse_req_t req, fuse_ino_t) {
    barrier(req, "statfs", [&] {
        const Namespace& ns = *ctx(req).ns;
        struct statvfs st {};
        st.f_bsize = 4096;
        st.f_frsize = 4096;
        st.f_blocks = ns.total_bytes() / 4096 + (ns.total_bytes() % 4096 != 0);
        st.f_files = ns.total_files() + ns.total_dirs();
        st.f_namemax = 255;
        // With a verify area, writes are taken (and discarded) without end: all is free.
        if (ctx(req).verify) st.f_bfree = st.f_bavail = st.f_blocks;
        else st.f_flag = ST_RDONLY;
        fuse_reply_statfs(req, &st);
    });
}

}  // namespace dgen::fs
