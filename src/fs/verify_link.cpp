// /.verify in the dataset's root (special.h): a symbolic link to the verify area's own
// mount. Following it is what every tool does with a path through it (cp, rsync's
// destination, tar -C), so MOUNTPOINT/.verify/a/b reaches the area's a/b.
#include <sys/stat.h>

#include "fs.h"
#include "special.h"

namespace dgen::fs {

namespace {

struct stat link_stat(const Context& c) {
    struct stat st {};
    st.st_ino = kVerifyLinkIno;
    st.st_mode = S_IFLNK | 0777;
    st.st_nlink = 1;
    st.st_uid = c.uid;
    st.st_gid = c.gid;
    st.st_size = static_cast<off_t>(c.verify_link.size());
    st.st_atim.tv_sec = st.st_mtim.tv_sec = st.st_ctim.tv_sec = c.ns->mtime();
    return st;
}

}  // namespace

namespace verify_link {

void lookup(fuse_req_t req) {
    const Context& c = ctx(req);
    if (c.verify_link.empty()) return void(fuse_reply_err(req, ENOENT));
    fuse_entry_param e{};
    e.ino = kVerifyLinkIno;
    e.generation = 1;
    e.attr = link_stat(c);
    e.attr_timeout = c.timeout;
    e.entry_timeout = c.timeout;
    fuse_reply_entry(req, &e);
}

void getattr(fuse_req_t req) {
    const Context& c = ctx(req);
    if (c.verify_link.empty()) return void(fuse_reply_err(req, ENOENT));
    const struct stat st = link_stat(c);
    fuse_reply_attr(req, &st, c.timeout);
}

void readlink(fuse_req_t req) {
    const Context& c = ctx(req);
    if (c.verify_link.empty()) return void(fuse_reply_err(req, ENOENT));
    fuse_reply_readlink(req, c.verify_link.c_str());
}

}  // namespace verify_link

// Only the /.verify link is one.
void readlink(fuse_req_t req, fuse_ino_t ino) {
    if (verify_link::owns(ino)) return verify_link::readlink(req);
    fuse_reply_err(req, EINVAL);
}

}  // namespace dgen::fs
