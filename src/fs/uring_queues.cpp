#include "uring_queues.h"

#include <fcntl.h>
#include <linux/fuse.h>
#include <liburing.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "dgen/numa_place.h"
#include "kernel_order.h"
#include "log.h"
#include "uring_proto.h"

namespace dgen::fs {
namespace {

constexpr unsigned kDepth = 2;  // entries per queue: one being answered, one waiting

// Pages of their own, mapped directly: the kernel pins them, and malloc would reserve a
// 64 MiB arena for this thread besides (which ulimit -v counts).
struct Mapping {
    void* p = MAP_FAILED;
    size_t size = 0;
    Mapping() = default;
    explicit Mapping(size_t bytes) : p(::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)), size(bytes) {}
    Mapping(Mapping&& o) noexcept : p(o.p), size(o.size) { o.p = MAP_FAILED; }
    Mapping& operator=(Mapping&& o) noexcept {
        std::swap(p, o.p);
        std::swap(size, o.size);
        return *this;
    }
    ~Mapping() {
        if (p != MAP_FAILED) ::munmap(p, size);
    }
    bool ok() const { return p != MAP_FAILED; }
    uint8_t* bytes() const { return static_cast<uint8_t*>(p); }
};

struct Entry {
    Mapping header_pages, payload_pages;
    uring::ReqHeader* header = nullptr;
    uint8_t* payload = nullptr;
    size_t payload_size = 0;
    iovec iov[2]{};
    uint32_t last_cmd = uring::kRegister;
    uint64_t commit_id = 0;
    bool replied = false;
    bool reply_too_big = false;
};

// The entry whose request libfuse is answering on this thread; null while the INIT is
// replayed (its reply went to the kernel long ago).
thread_local Entry* t_entry = nullptr;

// libfuse writes each reply through here (custom I/O): [fuse_out_header][arguments...].
// The header goes to the entry's in_out, the arguments to its payload, not copied where
// they are already there (a READ generated into the payload).
ssize_t write_to_entry(int, iovec* iov, int count, void*) {
    size_t total = 0;
    for (int i = 0; i < count; ++i) total += iov[i].iov_len;
    Entry* e = t_entry;
    if (!e) return static_cast<ssize_t>(total);
    e->replied = true;
    size_t at = 0;
    for (int i = 1; i < count; ++i) {
        if (at + iov[i].iov_len > e->payload_size) {
            e->reply_too_big = true;
            break;
        }
        uint8_t* to = e->payload + at;
        if (iov[i].iov_base != to) std::memcpy(to, iov[i].iov_base, iov[i].iov_len);
        at += iov[i].iov_len;
    }
    auto* out = reinterpret_cast<fuse_out_header*>(e->header->in_out);
    std::memcpy(out, iov[0].iov_base, sizeof *out);
    if (e->reply_too_big) {  // cannot happen with the sizes INIT agreed; never send a cut reply
        out->error = -EIO;
        at = 0;
    }
    out->len = static_cast<uint32_t>(sizeof *out + at);
    e->header->ent.payload_sz = static_cast<uint32_t>(at);
    return static_cast<ssize_t>(total);
}

ssize_t no_read(int, void*, size_t, void*) {
    errno = EIO;  // a queue's session never reads /dev/fuse
    return -1;
}

const fuse_custom_io kRingIo = {write_to_entry, no_read, nullptr, nullptr};

void prepare(io_uring_sqe* sqe, int fd, unsigned qid, Entry& e) {
    std::memset(sqe, 0, 128);  // a 128-byte SQE (IORING_SETUP_SQE128)
    sqe->opcode = IORING_OP_URING_CMD;
    sqe->fd = fd;
    sqe->cmd_op = e.last_cmd;
    if (e.last_cmd == uring::kRegister) {
        sqe->addr = reinterpret_cast<uint64_t>(e.iov);
        sqe->len = 2;
    }
    auto* cmd = reinterpret_cast<uring::CmdReq*>(sqe->cmd);
    cmd->qid = static_cast<uint16_t>(qid);
    cmd->commit_id = e.last_cmd == uring::kCommitAndFetch ? e.commit_id : 0;
    io_uring_sqe_set_data(sqe, &e);
}

struct Queue {
    unsigned qid = 0;
    int fd = -1;  // this queue's clone of the mount's /dev/fuse fd
    io_uring ring{};
    bool ring_up = false;
    std::vector<Entry> entries;
    fuse_session* se = nullptr;
    std::vector<char> request;  // a request rebuilt in its /dev/fuse form

    ~Queue() {
        if (ring_up) io_uring_queue_exit(&ring);  // cancels what is still registered
        if (se) fuse_session_destroy(se);         // closes fd
        else if (fd >= 0) ::close(fd);
    }

    bool queue_cmd(Entry& e) {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        if (!sqe) return false;  // one SQE per entry, plus the wake poll: never short
        prepare(sqe, fd, qid, e);
        return true;
    }

    // One request: the header, the first argument and the payload back to back, as
    // /dev/fuse would have given them, through libfuse to the operation; then the reply.
    void answer(Entry& e, WorkerReport& r) {
        const auto* in = reinterpret_cast<const fuse_in_header*>(e.header->in_out);
        const uint32_t payload_in = e.header->ent.payload_sz;
        e.commit_id = e.header->ent.commit_id;
        const uint64_t unique = in->unique;
        const size_t op_in = in->len >= sizeof *in + payload_in ? in->len - sizeof *in - payload_in : SIZE_MAX;
        e.replied = e.reply_too_big = false;
        took_request_from_kernel();
        if (op_in <= uring::kOpInSize && payload_in <= e.payload_size) {
            request.resize(in->len);
            std::memcpy(request.data(), in, sizeof *in);
            std::memcpy(request.data() + sizeof *in, e.header->op_in, op_in);
            std::memcpy(request.data() + sizeof *in + op_in, e.payload, payload_in);
            fuse_buf buf{};
            buf.size = request.size();
            buf.mem = request.data();
            set_thread_buffer(e.payload, e.payload_size);  // READ generates in place
            t_entry = &e;
            fuse_session_process_buf(se, &buf);
            t_entry = nullptr;
        }
        if (!e.replied) {  // malformed, or an operation that answers nothing: never leave it hanging
            auto* out = reinterpret_cast<fuse_out_header*>(e.header->in_out);
            *out = {};
            out->len = sizeof *out;
            out->error = -EIO;
            out->unique = unique;
            e.header->ent.payload_sz = 0;
        }
        if (sched_getcpu() == static_cast<int>(qid)) r.own_cpu.fetch_add(1, std::memory_order_relaxed);
        else r.other_cpu.fetch_add(1, std::memory_order_relaxed);
        e.last_cmd = uring::kCommitAndFetch;
        giving_reply_to_kernel();
        queue_cmd(e);
    }
};

// Before INIT, on the queue's CPU: its ring and its entries' buffers, first touched here,
// on this CPU's node. Sets r.error and returns false if they cannot be had; the daemon
// can then still answer INIT without io_uring.
bool prepare(Queue& q, size_t payload, WorkerReport& r) {
    // For tests (DGENFS_FAILPOINT=queue-N-prepare): queue N fails here, as without memory.
    if (failpoint(("queue-" + std::to_string(q.qid) + "-prepare").c_str()))
        return r.error = "cannot map its ring buffers: " + error_text(ENOMEM) + " (failpoint)", false;
    io_uring_params p{};
    p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE;
    p.cq_entries = 2 * (kDepth + 1);
    if (const int rc = io_uring_queue_init_params(kDepth + 1, &q.ring, &p); rc < 0)
        return r.error = "io_uring_setup: " + error_text(-rc), false;
    q.ring_up = true;
    q.entries.resize(kDepth);
    for (Entry& e : q.entries) {
        e.header_pages = Mapping(4096);
        e.payload_pages = Mapping(payload);
        if (!e.header_pages.ok() || !e.payload_pages.ok())
            return r.error = "cannot map its ring buffers: " + error_text(errno), false;
        e.header = reinterpret_cast<uring::ReqHeader*>(e.header_pages.bytes());
        e.payload = e.payload_pages.bytes();
        std::memset(e.header, 0, 4096);  // mmap's pages are zero; touching places them here
        std::memset(e.payload, 0, payload);
        e.payload_size = payload;
        e.iov[0] = {e.header, sizeof(uring::ReqHeader)};
        e.iov[1] = {e.payload, payload};
    }
    r.buffer_node = node_of(q.entries[0].payload);
    return true;
}

// After INIT took io_uring: a clone of the mount's fd, a session answering through the
// ring, INIT replayed into it, and every entry registered. Sets r.error and returns false
// on failure (the start then fails: the kernel waits for every queue).
bool connect(Queue& q, const Mount& mount, int wake_fd, WorkerReport& r) {
    q.fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
    uint32_t master = static_cast<uint32_t>(mount.fd);
    if (q.fd < 0) return r.error = "open /dev/fuse: " + error_text(errno), false;
    if (ioctl(q.fd, FUSE_DEV_IOC_CLONE, &master) != 0) return r.error = "FUSE_DEV_IOC_CLONE: " + error_text(errno), false;
    // Its own session, as a worker has, answering through the ring.
    q.se = new_session(mount.session_args, mount.context, *mount.ops);
    if (!q.se) return r.error = "cannot start a session", false;
    if (const int rc = fuse_session_custom_io(q.se, &kRingIo, q.fd); rc != 0) {
        return r.error = "cannot hook the session's replies: " + error_text(-rc), false;
    }
    std::vector<char> init(mount.init_request);
    fuse_buf replay{};
    replay.size = init.size();
    replay.mem = init.data();
    fuse_session_process_buf(q.se, &replay);
    if (fuse_session_exited(q.se)) return r.error = "the replayed INIT was refused", false;
    for (Entry& e : q.entries) q.queue_cmd(e);
    io_uring_sqe* wake = io_uring_get_sqe(&q.ring);
    io_uring_prep_poll_add(wake, wake_fd, POLLIN);
    io_uring_sqe_set_data(wake, nullptr);
    if (const int rc = io_uring_submit(&q.ring); rc < 0) return r.error = "io_uring_enter: " + error_text(-rc), false;
    // A REGISTER completes only when a request arrives; a refused one completes at once,
    // during the submit, with its error. Look without taking: a request that may already
    // have come is the loop's.
    io_uring_cqe* cqe = nullptr;
    unsigned head = 0;
    io_uring_for_each_cqe(&q.ring, head, cqe) {
        if (cqe->res < 0 && cqe->res != -EAGAIN && cqe->res != -EINTR && io_uring_cqe_get_data(cqe))
            return r.error = "the kernel refused REGISTER: " + error_text(-cqe->res), false;
    }
    return true;
}

}  // namespace

std::string uring_unavailable() {
    const char* env = std::getenv("DGENFS_URING_PARAM");
    const std::string path = env && *env ? env : "/sys/module/fuse/parameters/enable_uring";
    std::ifstream f(path);
    std::string value;
    if (!(f >> value))
        return "this kernel has no FUSE over io_uring (no " + path + ": it needs Linux 6.14+ built with CONFIG_FUSE_IO_URING)";
    if (value != "Y" && value != "1")
        return "the fuse module's enable_uring is off (as root: echo Y > " + path + ")";
    // Once INIT has taken io_uring there is no going back (the kernel holds every request
    // until each queue registers), so a ring that this process may not have is found now.
    io_uring ring;
    io_uring_params p{};
    p.flags = IORING_SETUP_SQE128;
    if (const int rc = io_uring_queue_init_params(2, &ring, &p); rc < 0)
        return "io_uring_setup: " + error_text(-rc) +
               (rc == -EPERM ? " (sysctl kernel.io_uring_disabled, or a seccomp filter)" : "");
    // And one submission through it: a filter may let the ring be made and refuse io_uring_enter.
    io_uring_prep_nop(io_uring_get_sqe(&ring));
    const int rc = io_uring_submit_and_wait(&ring, 1);
    io_uring_queue_exit(&ring);
    if (rc < 0)
        return "io_uring_enter: " + error_text(-rc) + (rc == -EPERM ? " (a seccomp filter)" : "");
    return "";
}

std::vector<unsigned> possible_cpus() {
    std::ifstream f("/sys/devices/system/cpu/possible");
    std::string text;
    std::vector<unsigned> cpus;
    if (!(f >> text)) {
        const long n = sysconf(_SC_NPROCESSORS_CONF);
        for (long i = 0; i < n; ++i) cpus.push_back(static_cast<unsigned>(i));
        return cpus;
    }
    std::istringstream parts(text);
    for (std::string part; std::getline(parts, part, ',');) {
        const size_t dash = part.find('-');
        const unsigned a = static_cast<unsigned>(std::stoul(part.substr(0, dash)));
        const unsigned b = dash == std::string::npos ? a : static_cast<unsigned>(std::stoul(part.substr(dash + 1)));
        for (unsigned c = a; c <= b; ++c) cpus.push_back(c);
    }
    return cpus;
}

std::vector<unsigned> queue_cpus(const Plan& plan, unsigned cpu) {
    for (const NodeGroup& g : plan.groups)
        for (const Worker& w : g.workers)
            for (unsigned c : w.cpus)
                if (c == cpu) return {cpu};
    std::vector<unsigned> first;
    if (!plan.groups.empty())
        for (const Worker& w : plan.groups.front().workers) first.insert(first.end(), w.cpus.begin(), w.cpus.end());
    return first;
}

// INIT's reply asks for max_write = max_read (fs_init.cpp; libfuse may lower it) and as
// many pages per request: each entry's payload holds that, checked once INIT is answered.
size_t queue_payload(size_t max_read) { return (std::max<size_t>(8192, max_read) + 4095) / 4096 * 4096; }

void run_queue(const Mount& mount, unsigned qid, const std::vector<unsigned>& cpus, size_t payload,
               int wake_fd, WorkerReport& r, WorkerNotify notify, const std::atomic<bool>& stopping,
               std::shared_future<bool> go) {
    r.tid = static_cast<pid_t>(syscall(SYS_gettid));
    r.thread = pthread_self();
    r.cpus = cpu_list(cpus);
    const std::string name = "dgenfs-q" + std::to_string(qid % 100000);
    pthread_setname_np(r.thread, name.c_str());
    r.warning = pin_thread(cpus, r.node);
    set_thread_counters(&r.served);
    {
        Queue q;
        q.qid = qid;
        bool up = prepare(q, payload, r);
        if (up) notify(r, WorkerEvent::Prepared);
        if (up && go.get()) {
            const auto& init = mount.context->init;  // the reply's, written before go
            const size_t need = std::max<size_t>({8192, init.max_write, size_t{init.max_pages} * 4096});
            if (need > payload)
                up = false, r.error = "INIT allows " + std::to_string(need) + "-byte requests, its buffers hold " +
                                      std::to_string(payload);
            else
                up = connect(q, mount, wake_fd, r);
            log(up ? LOG_INFO : LOG_ERR, "queue %u: cpus %s, tid %d, buffers on node %d%s%s%s%s", qid,
                r.cpus.c_str(), static_cast<int>(r.tid), r.buffer_node, r.warning.empty() ? "" : ", warning: ",
                r.warning.c_str(), r.error.empty() ? "" : ", error: ", r.error.c_str());
        } else {
            up = false;  // could not prepare (the daemon logs why), or INIT went without io_uring
        }
        if (up) {
            notify(r, WorkerEvent::Ready);
            bool running = true;
            while (running) {
                const int rc = io_uring_submit_and_wait(&q.ring, 1);
                if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
                    if (!stopping.load()) r.error = "io_uring_enter: " + error_text(-rc);
                    break;
                }
                io_uring_cqe* cqe = nullptr;
                unsigned head = 0, seen = 0;
                io_uring_for_each_cqe(&q.ring, head, cqe) {
                    ++seen;
                    auto* e = static_cast<Entry*>(io_uring_cqe_get_data(cqe));
                    if (!e) {  // the wake poll: stop
                        running = false;
                        continue;
                    }
                    if (cqe->res == -EAGAIN || cqe->res == -EINTR) {  // not taken yet: again
                        q.queue_cmd(*e);
                    } else if (cqe->res < 0) {  // the connection ended (ENOTCONN), or refused us
                        if (cqe->res != -ENOTCONN && !stopping.load() && r.error.empty())
                            r.error = (e->last_cmd == uring::kRegister ? "REGISTER: " : "COMMIT_AND_FETCH: ") +
                                      error_text(-cqe->res);
                        running = false;
                    } else {
                        q.answer(*e, r);
                    }
                }
                io_uring_cq_advance(&q.ring, seen);
            }
            if (!r.error.empty()) log(LOG_ERR, "queue %u: stopped serving: %s", qid, r.error.c_str());
        }
    }
    set_thread_buffer(nullptr, 0);
    set_thread_counters(nullptr);
    r.finished.store(true);
    notify(r, WorkerEvent::Done);
}

}  // namespace dgen::fs
