#include <fcntl.h>

#include "fs.h"
#include "special.h"

namespace dgen::fs {

// Builds the file's generator once per open (a set member's placement in its dedup
// group is computed here, not per read) and keeps it in fi->fh until release. With
// skip_open (fs.h: skips_open) it answers ENOSYS instead, and the kernel, which then
// opens every file by itself, never sends OPEN again; fs::read builds the generator.
void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    if (ctx(req).skip_open) apply_readahead(ctx(req));  // this may be the mount's only OPEN
    if (control::owns(ino)) return control::open(req, ino, fi);
    if (verify_area::owns(ino)) return verify_area::open(req, ino, fi);
    barrier(req, "open", [&] {
        Context& c = ctx(req);
        apply_readahead(c);
        if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
            return refuse(req, "open for writing", ino);
        auto a = c.ns->attr(ino);
        if (!a) return void(fuse_reply_err(req, ENOENT));
        if (a->dir) return void(fuse_reply_err(req, EISDIR));
        if (c.skip_open) return void(fuse_reply_err(req, ENOSYS));
        FileSource* source = c.ns->open(ino).release();
        // Known before the kernel has it: a release may follow the reply at once.
        c.open_files.add(source);
        fi->direct_io = uses_direct_io(c.dataset, a->size);
        fi->keep_cache = !fi->direct_io;  // the bytes never change
        fi->fh = reinterpret_cast<uint64_t>(source);
        if (fuse_reply_open(req, fi) != 0) c.open_files.remove(source);  // the kernel never got it
    });
}

}  // namespace dgen::fs
