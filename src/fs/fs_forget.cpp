#include "fs.h"
#include "special.h"

namespace dgen::fs {

namespace {

// The dataset's inodes are computed from the config, so there is nothing to free; /.dgen
// counts the lookups of its snapshots, the verify area those of the files created in it.
void forget_one(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    if (control::owns(ino)) control::forget(req, ino, nlookup);
    if (verify_area::owns(ino)) verify_area::forget(req, ino, nlookup);
}

}  // namespace

void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    forget_one(req, ino, nlookup);
    fuse_reply_none(req);
}

void forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
    for (size_t i = 0; i < count; ++i) forget_one(req, forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

}  // namespace dgen::fs
