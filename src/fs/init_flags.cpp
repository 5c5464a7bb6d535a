#include "init_flags.h"

#include <linux/fuse.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include "uring_proto.h"

namespace dgen::fs {
namespace {

// The flags this file takes when offered.
constexpr uint64_t kWanted = kDirectIoAllowMmap;

ssize_t read_request(int fd, void* buf, size_t len, void* userdata) {
    const ssize_t n = ::read(fd, buf, len);
    auto& c = *static_cast<Context*>(userdata);
    const auto* in = static_cast<const fuse_in_header*>(buf);
    if (n >= static_cast<ssize_t>(sizeof(fuse_in_header) + sizeof(fuse_init_in)) && in->opcode == FUSE_INIT) {
        fuse_init_in init;
        std::memcpy(&init, static_cast<const char*>(buf) + sizeof(fuse_in_header), sizeof init);
        uint64_t offered = init.flags;
        if (init.flags & FUSE_INIT_EXT) offered |= static_cast<uint64_t>(init.flags2) << 32;
        c.init.offered = offered;
        c.init.unique = in->unique;
    }
    return n;
}

// libfuse writes the reply as [out header][fuse_init_out]: the reply to the INIT that
// read_request saw gets the wanted flags the kernel offered.
ssize_t write_reply(int fd, iovec* iov, int count, void* userdata) {
    auto& c = *static_cast<Context*>(userdata);
    if (c.init.unique == 0 || count != 2 || iov[0].iov_len != sizeof(fuse_out_header) ||
        iov[1].iov_len != sizeof(fuse_init_out))
        return ::writev(fd, iov, count);
    fuse_out_header out;
    std::memcpy(&out, iov[0].iov_base, sizeof out);
    if (out.unique != c.init.unique || out.error != 0) return ::writev(fd, iov, count);
    c.init.unique = 0;  // one INIT per connection
    fuse_init_out reply;
    std::memcpy(&reply, iov[1].iov_base, sizeof reply);
    const uint64_t wanted = kWanted | (c.init.want_uring ? uring::kInitFlag : 0);
    const uint64_t take = (c.init.offered & FUSE_INIT_EXT) ? (c.init.offered & wanted) : 0;
    c.init.max_write = reply.max_write;
    c.init.max_pages = reply.max_pages;
    if (take) {
        reply.flags |= FUSE_INIT_EXT;
        reply.flags2 |= static_cast<uint32_t>(take >> 32);
    }
    c.init.taken = take;
    iovec patched[2] = {iov[0], {&reply, sizeof reply}};
    return ::writev(fd, patched, 2);
}

const fuse_custom_io kHooks = {write_reply, read_request, nullptr, nullptr};

}  // namespace

bool take_later_init_flags(fuse_session* se) {
    const int rc = fuse_session_custom_io(se, &kHooks, fuse_session_fd(se));
    if (rc != 0) errno = -rc;
    return rc == 0;
}

InitFlags later_init_flags(const Context& c) {
    const uint64_t known = kWanted | uring::kInitFlag;
    return {c.init.offered & known, c.init.taken};
}

}  // namespace dgen::fs
