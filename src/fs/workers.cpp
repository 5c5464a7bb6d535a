#include "workers.h"

#include <fcntl.h>
#include <linux/fuse.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "kernel_order.h"
#include "log.h"

namespace dgen::fs {
namespace {

std::atomic<bool> g_serving{false};

struct BufFree {
    void operator()(void* p) const { std::free(p); }
};

// A session for an already-open fd: libfuse's "/dev/fd/N" convention mounts nothing.
// It gets the mount's own options: libfuse checks max_read against init(), and enforces
// allow_root and debug output per session.
fuse_session* session_on_fd(int fd, const Mount& m) {
    fuse_session* se = new_session(m.session_args, m.context, *m.ops);
    if (!se) return nullptr;
    const std::string path = "/dev/fd/" + std::to_string(fd);
    if (fuse_session_mount(se, path.c_str()) != 0) {
        fuse_session_destroy(se);
        return nullptr;
    }
    return se;
}

// The workers' reads: every request but FUSE_INTERRUPT goes to libfuse as read.
// dgenfs never acts on an interrupt (a reply takes microseconds, and the kernel waits
// for it either way), but libfuse 3.14 parks an INTERRUPT whose request it cannot find
// on its own session, and never frees it: over io_uring none can be found (the request
// is on a queue's session), and over /dev/fuse one that arrives before its request is
// parked too. So they stop here; -d still shows each one.
ssize_t read_request(int fd, void* buf, size_t len, void*) {
    for (;;) {
        const ssize_t n = ::read(fd, buf, len);
        took_request_from_kernel();
        const auto* in = static_cast<const fuse_in_header*>(buf);
        if (n < static_cast<ssize_t>(sizeof(fuse_in_header) + sizeof(fuse_interrupt_in)) ||
            in->opcode != FUSE_INTERRUPT)
            return n;
        fuse_interrupt_in what;
        std::memcpy(&what, static_cast<const char*>(buf) + sizeof(fuse_in_header), sizeof what);
        log(LOG_DEBUG, "unique: %llu, opcode: INTERRUPT (%u), of request %llu: not acted on",
            static_cast<unsigned long long>(in->unique), in->opcode, static_cast<unsigned long long>(what.unique));
    }
}

ssize_t write_reply(int fd, iovec* iov, int count, void*) {
    giving_reply_to_kernel();
    return ::writev(fd, iov, count);
}

const fuse_custom_io kWorkerIo = {write_reply, read_request, nullptr, nullptr};

}  // namespace

fuse_session* new_session(const std::vector<std::string>& args, Context* ctx, const fuse_lowlevel_ops& ops) {
    std::vector<std::string> copy(args);  // fuse_args wants mutable strings
    std::vector<char*> argv;
    for (std::string& a : copy) argv.push_back(a.data());
    fuse_args fa = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
    fuse_session* se = fuse_session_new(&fa, &ops, sizeof(fuse_lowlevel_ops), ctx);
    fuse_opt_free_args(&fa);
    return se;
}

bool answer_init(Mount& m, std::string* error) {
    fuse_buf buf{};
    const int n = fuse_session_receive_buf(m.session, &buf);
    std::unique_ptr<void, BufFree> owned(buf.mem);
    if (n <= 0) {
        *error = "no INIT from the kernel: " + error_text(-n);
        return false;
    }
    const auto* in = static_cast<const fuse_in_header*>(buf.mem);
    if (static_cast<size_t>(n) < sizeof(fuse_in_header) || in->opcode != FUSE_INIT) {
        *error = "the first request was not INIT";
        return false;
    }
    const char* bytes = static_cast<const char*>(buf.mem);
    m.init_request.assign(bytes, bytes + n);
    fuse_session_process_buf(m.session, &buf);
    if (fuse_session_exited(m.session)) {  // libfuse refused the negotiation (it said why)
        *error = "INIT failed";
        return false;
    }
    m.fd = fuse_session_fd(m.session);
    return true;
}

void mark_serving() { g_serving.store(true); }

void interrupt_worker(WorkerReport& r, int signal) {
    std::lock_guard<std::mutex> g(r.lock);
    if (!r.session) return;
    fuse_session_exit(r.session);
    pthread_kill(r.thread, signal);
}

void run_worker(const Mount& mount, const NodeGroup& group, unsigned group_index,
                unsigned worker_index, uint8_t* buffer, size_t buffer_size,
                WorkerReport& r, WorkerNotify notify, const std::atomic<bool>& stopping) {
    const Worker& w = group.workers[worker_index];
    r.group = group_index;
    r.index = worker_index;
    r.node = group.node;
    r.tid = static_cast<pid_t>(syscall(SYS_gettid));
    r.thread = pthread_self();
    r.cpus = cpu_list(w.cpus);
    // "dgenfs-n<node>.<worker>" (15 bytes at most): top -H, ps -L and /proc/PID/task/TID/comm
    // tell each worker's node without the log.
    // The verify area's workers are "dgenfs-v<node>.<worker>", and say so in the log.
    const bool verifies = mount.ops == &verify_operations();
    const char* kind = verifies ? "verify area " : "";
    const std::string name = std::string(verifies ? "dgenfs-v" : "dgenfs-n") +
                             std::to_string(group.node % 1000) + "." + std::to_string(worker_index % 1000);
    pthread_setname_np(r.thread, name.c_str());
    // Pin first, then touch the buffer: its pages are then allocated on this node.
    r.warning = pin_thread(w.cpus, group.node);
    std::memset(buffer, 0, buffer_size);
    r.buffer_node = node_of(buffer);
    set_thread_buffer(buffer, buffer_size);
    set_thread_counters(&r.served);

    const int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
    uint32_t master = static_cast<uint32_t>(mount.fd);
    fuse_session* se = nullptr;
    if (fd < 0) {
        r.error = "open /dev/fuse: " + error_text(errno);
    } else if (ioctl(fd, FUSE_DEV_IOC_CLONE, &master) != 0) {
        r.error = "FUSE_DEV_IOC_CLONE: " + error_text(errno);
        ::close(fd);
    } else if (!(se = session_on_fd(fd, mount))) {
        r.error = "cannot start a session on the cloned /dev/fuse fd";
        ::close(fd);
    } else if (const int rc = fuse_session_custom_io(se, &kWorkerIo, fd); rc != 0) {
        r.error = "fuse_session_custom_io: " + error_text(-rc);
        fuse_session_destroy(se);
        se = nullptr;
    }
    // One line per worker, from the worker itself: tests compare it with
    // /proc/PID/task/TID/status and /proc/PID/numa_maps.
    if (se) {
        std::vector<char> init(mount.init_request);  // process_buf may write into it
        fuse_buf replay{};
        replay.size = init.size();
        replay.mem = init.data();
        fuse_session_process_buf(se, &replay);
        if (fuse_session_exited(se)) {
            r.error = "the replayed INIT was refused";
            fuse_session_destroy(se);
            se = nullptr;
        }
    }
    log(r.error.empty() ? LOG_INFO : LOG_ERR, "%sworker %u.%u: node %u, cpus %s, tid %d, buffer on node %d%s%s%s%s",
                 kind, group_index, worker_index, group.node, r.cpus.c_str(), static_cast<int>(r.tid),
                 r.buffer_node, r.warning.empty() ? "" : ", warning: ", r.warning.c_str(),
                 r.error.empty() ? "" : ", error: ", r.error.c_str());
    if (se) {
        {
            std::lock_guard<std::mutex> g(r.lock);
            r.session = se;
        }
        notify(r, WorkerEvent::Ready);
        int rc = 0;
        if (failpoint("worker-exit") && r.mount == 0 && group_index == 0 && worker_index == 0) {
            while (!g_serving.load() && !stopping.load()) ::usleep(10000);
            rc = -EIO;
        } else {
            rc = fuse_session_loop(se);  // until the connection ends (unmount or abort)
        }
        if (rc != 0 && !stopping.load()) {
            r.error = std::string("stopped serving: ") + std::strerror(rc < 0 ? -rc : rc);
            log(LOG_ERR, "%sworker %u.%u: %s", kind, group_index, worker_index, r.error.c_str());
        }
        {
            std::lock_guard<std::mutex> g(r.lock);
            r.session = nullptr;
        }
        fuse_session_destroy(se);  // closes the cloned fd
    }
    set_thread_buffer(nullptr, 0);
    set_thread_counters(nullptr);
    notify(r, WorkerEvent::Done);
}

}  // namespace dgen::fs
