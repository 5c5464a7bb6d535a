#include <memory>
#include <stdexcept>

#include "fs.h"
#include "special.h"

namespace dgen::fs {
namespace {

// Each worker generates into its own buffer from its node's pool (set_thread_buffer);
// the reply is sent from it directly. A thread without one (the mount's own session,
// before workers start) allocates its own, first touched by itself.
thread_local uint8_t* t_buffer = nullptr;
thread_local size_t t_size = 0;
thread_local ServedCounters* t_counters = nullptr;

void count(size_t bytes) {
    if (!t_counters) return;
    t_counters->bytes.fetch_add(bytes, std::memory_order_relaxed);
    t_counters->reads.fetch_add(1, std::memory_order_relaxed);
}

uint8_t* thread_buffer(size_t size) {
    if (size <= t_size) return t_buffer;
    thread_local std::unique_ptr<uint8_t[]> own;
    thread_local size_t own_size = 0;
    if (own_size < size) {
        own.reset(new uint8_t[size]);
        own_size = size;
    }
    return own.get();
}

// Zero files reply from one shared, never-written buffer: no per-read work at all, which
// makes them the FUSE path's ceiling in benchmarks.
const uint8_t* zeros(size_t size) {
    static const size_t cap = 1u << 20;
    static const std::unique_ptr<uint8_t[]> z(new uint8_t[cap]());
    return size <= cap ? z.get() : nullptr;
}

}  // namespace

void set_thread_buffer(uint8_t* buffer, size_t size) {
    t_buffer = buffer;
    t_size = size;
}

void set_thread_counters(ServedCounters* counters) { t_counters = counters; }

void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
    if (control::owns(ino)) return control::read(req, ino, size, off, fi);
    if (verify_area::owns(ino)) return verify_area::read(req, ino, size, off, fi);
    barrier(req, "read", [&] {
        if (failpoint("read-throws")) throw std::runtime_error("failpoint read-throws");
        const auto* src = reinterpret_cast<const FileSource*>(fi->fh);
        const auto offset = static_cast<uint64_t>(off);
        if (src->zero()) {
            const size_t n = offset >= src->size() ? 0 : static_cast<size_t>(std::min<uint64_t>(size, src->size() - offset));
            if (const uint8_t* z = zeros(n)) {
                count(n);
                return void(fuse_reply_buf(req, reinterpret_cast<const char*>(z), n));
            }
        }
        uint8_t* buf = thread_buffer(size);
        const size_t n = src->read(offset, size, buf);
        count(n);
        fuse_reply_buf(req, reinterpret_cast<const char*>(buf), n);
    });
}

}  // namespace dgen::fs
