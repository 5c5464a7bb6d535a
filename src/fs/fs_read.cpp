#include <chrono>
#include <memory>
#include <stdexcept>

#include "fs.h"
#include "special.h"
#include "stats.h"

namespace dgen::fs {
namespace {

// Each worker generates into its own buffer from its node's pool (set_thread_buffer);
// the reply is sent from it directly. A thread without one (the mount's own session,
// before workers start) allocates its own, first touched by itself.
thread_local uint8_t* t_buffer = nullptr;
thread_local size_t t_size = 0;
thread_local ServedCounters* t_counters = nullptr;

// One request, counted in the counters of the thread that serves it: begun at once, its
// bytes added before the reply is sent (a reader that has its bytes sees them counted),
// its latency once the reply is sent, and finished however it ends (an exception too).
class Served {
public:
    Served(fuse_req_t req, size_t size) : size_(size) {
        c_ = t_counters;
        if (!c_ && ctx(req).stats) c_ = &ctx(req).stats->fallback();
        if (!c_) return;
        c_->begin();
        start_ = std::chrono::steady_clock::now();
    }
    ~Served() {
        if (c_) c_->end();
    }
    Served(const Served&) = delete;
    Served& operator=(const Served&) = delete;
    void sending(const FileSource& src, size_t bytes) {
        if (c_) c_->add(size_, bytes, src.group());
    }
    void sent() {
        if (!c_) return;
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_);
        c_->add_latency(static_cast<uint64_t>(ns.count()));
    }

private:
    ServedCounters* c_ = nullptr;
    size_t size_;
    std::chrono::steady_clock::time_point start_;
};

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
        Served served(req, size);
        if (failpoint("read-throws")) throw std::runtime_error("failpoint read-throws");
        // fh 0: no OPEN was sent (skip_open), so the generator is built for this read.
        std::unique_ptr<FileSource> own;
        const auto* src = reinterpret_cast<const FileSource*>(fi->fh);
        if (!src) {
            apply_readahead(ctx(req));  // the mount's one OPEN may have come too early
            own = ctx(req).ns->open(ino);
            if (!own) return void(fuse_reply_err(req, EBADF));
            src = own.get();
        }
        const auto offset = static_cast<uint64_t>(off);
        if (src->zero()) {
            const size_t n = offset >= src->size() ? 0 : static_cast<size_t>(std::min<uint64_t>(size, src->size() - offset));
            if (const uint8_t* z = zeros(n)) {
                served.sending(*src, n);
                fuse_reply_buf(req, reinterpret_cast<const char*>(z), n);
                return served.sent();
            }
        }
        uint8_t* buf = thread_buffer(size);
        const size_t n = src->read(offset, size, buf);
        served.sending(*src, n);
        fuse_reply_buf(req, reinterpret_cast<const char*>(buf), n);
        served.sent();
    });
}

}  // namespace dgen::fs
