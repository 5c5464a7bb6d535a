#include "fs.h"
#include "special.h"

namespace dgen::fs {

// The dataset's inodes are computed from the config, so there is nothing to free; the
// verify area counts the lookups of the files created in it.
void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    if (verify_area::owns(ino)) verify_area::forget(req, ino, nlookup);
    fuse_reply_none(req);
}

void forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
    for (size_t i = 0; i < count; ++i)
        if (verify_area::owns(forgets[i].ino)) verify_area::forget(req, forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

}  // namespace dgen::fs
