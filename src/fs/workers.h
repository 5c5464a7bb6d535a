// NUMA-pinned FUSE workers. Each worker thread:
//
//   pin to its core ──▶ take + touch its buffer from the node's pool (first touch: local)
//     ──▶ clone the mount's /dev/fuse fd (FUSE_DEV_IOC_CLONE) ──▶ its own fuse_session on
//     that fd ──▶ replay the mount's INIT into it ──▶ fuse_session_loop: read a request,
//     generate into the buffer, reply — all in this thread, on this node.
//
// libfuse 3.14 keeps its per-channel API private, so a worker's session is a full
// session opened on "/dev/fd/N" (which libfuse takes as an already-mounted fd). Such a
// session has not seen the kernel's INIT, which the mount's own session answered; the
// worker replays a copy so it knows the negotiated protocol. Its INIT reply reaches no
// request in the kernel and is dropped (ENOENT), which libfuse ignores.
#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "dgen/numa_place.h"
#include "dgen/numa_plan.h"
#include "fs.h"
#include "stats.h"

namespace dgen::fs {

// One mounted session whose INIT has been answered, ready for workers.
struct Mount {
    std::string mountpoint;
    fuse_session* session = nullptr;
    int fd = -1;                     // the session's /dev/fuse fd, read before workers start
    std::vector<char> init_request;  // the kernel's INIT, replayed into worker sessions
    Context* context = nullptr;
    std::vector<std::string> session_args;  // the mount's libfuse options (allow_root, -d, ...)
    const fuse_lowlevel_ops* ops = nullptr; // operations() or verify_operations()
};

struct WorkerReport {
    unsigned mount = 0;  // which of the daemon's mounts it serves
    unsigned group = 0, index = 0, node = 0;
    pid_t tid = 0;
    pthread_t thread{};
    std::string cpus;
    int buffer_node = -1;
    std::string warning;  // served anyway (e.g. could not pin)
    std::string error;    // could not serve, or stopped on an error
    // While serving: the worker's session, so teardown can stop a worker stuck in read.
    std::mutex lock;
    fuse_session* session = nullptr;
    ServedCounters served;
    // An io_uring queue's thread (uring_queues.h): its queue (the CPU whose requests it
    // serves), and how many of them it answered on that CPU or, unpinned, elsewhere.
    int queue = -1;
    std::atomic<uint64_t> own_cpu{0}, other_cpu{0};
    std::atomic<bool> finished{false};  // a queue's thread has returned (a worker's: session null)
    std::atomic<bool> said_ready{false}, said_done{false};  // set just before those events
};

// Tells the workers the daemon serves (it has reported success to whoever started it).
void mark_serving();

// Makes a worker's loop return: its session's exit flag, then a signal to interrupt read.
void interrupt_worker(WorkerReport& r, int signal);

// Events a worker sends to the main thread.
enum class WorkerEvent : char { Prepared = 'p', Ready = 'r', Done = 'w' };  // Prepared: a queue, before INIT
using WorkerNotify = void (*)(WorkerReport&, WorkerEvent);

// A libfuse session with `ops`, from argv-style options (args[0] is the program name);
// nullptr if libfuse rejects them (it says why). Mount and workers share it.
fuse_session* new_session(const std::vector<std::string>& args, Context* ctx, const fuse_lowlevel_ops& ops);

// Reads and answers the mount's INIT on the calling thread, keeping a copy.
bool answer_init(Mount& m, std::string* error);

// Runs one worker to completion (until its mount's connection ends). `buffer` is its
// slice of the node's pool (or memory of its own), untouched: the worker touches it once
// pinned. `notify` gets Ready once it serves (or Done at once if it cannot), then Done
// when its loop returns. `stopping` tells it that an error from the loop is the
// teardown, not a failure.
void run_worker(const Mount& mount, const NodeGroup& group, unsigned group_index,
                unsigned worker_index, uint8_t* buffer, size_t buffer_size,
                WorkerReport& report, WorkerNotify notify, const std::atomic<bool>& stopping);

}  // namespace dgen::fs
