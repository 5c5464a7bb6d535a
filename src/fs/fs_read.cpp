#include <memory>

#include "fs.h"

namespace dgen::fs {
namespace {

// Each thread generates into its own buffer, allocated (and so first touched) by the
// thread that uses it; the reply is sent from it directly.
uint8_t* thread_buffer(size_t size) {
    thread_local std::unique_ptr<uint8_t[]> buf;
    thread_local size_t cap = 0;
    if (cap < size) {
        buf.reset(new uint8_t[size]);
        cap = size;
    }
    return buf.get();
}

// Zero files reply from one shared, never-written buffer: no per-read work at all, which
// makes them the FUSE path's ceiling in benchmarks.
const uint8_t* zeros(size_t size) {
    static const size_t cap = 1u << 20;
    static const std::unique_ptr<uint8_t[]> z(new uint8_t[cap]());
    return size <= cap ? z.get() : nullptr;
}

}  // namespace

void read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
    barrier(req, "read", [&] {
        const auto* src = reinterpret_cast<const FileSource*>(fi->fh);
        const auto offset = static_cast<uint64_t>(off);
        if (src->zero()) {
            const size_t n = offset >= src->size() ? 0 : static_cast<size_t>(std::min<uint64_t>(size, src->size() - offset));
            if (const uint8_t* z = zeros(n)) return void(fuse_reply_buf(req, reinterpret_cast<const char*>(z), n));
        }
        uint8_t* buf = thread_buffer(size);
        const size_t n = src->read(offset, size, buf);
        fuse_reply_buf(req, reinterpret_cast<const char*>(buf), n);
    });
}

}  // namespace dgen::fs
