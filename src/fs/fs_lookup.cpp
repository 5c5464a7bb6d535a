#include "fs.h"

namespace dgen::fs {

void lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    barrier(req, "lookup", [&] {
        const Context& c = ctx(req);
        const auto a = c.ns->lookup(parent, name);
        if (!a) {
            // A negative entry may be cached as long as a positive one: nothing appears.
            fuse_entry_param e{};
            e.entry_timeout = c.timeout;
            fuse_reply_entry(req, &e);
            return;
        }
        const fuse_entry_param e = to_entry(*a, c);
        fuse_reply_entry(req, &e);
    });
}

}  // namespace dgen::fs
