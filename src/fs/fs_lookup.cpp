#include <cstring>

#include "fs.h"
#include "special.h"

namespace dgen::fs {

void lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    if (parent == kRootIno && std::strcmp(name, kControlDirName) == 0) return control::lookup_root(req);
    if (parent == kRootIno && std::strcmp(name, kVerifyDirName) == 0) return verify_link::lookup(req);
    if (control::owns(parent)) return control::lookup(req, parent, name);
    if (verify_area::owns(parent)) return verify_area::lookup(req, parent, name);
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
