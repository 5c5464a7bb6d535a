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

#include <sys/types.h>

#include <string>
#include <vector>

#include "dgen/numa_place.h"
#include "dgen/numa_plan.h"
#include "fs.h"

namespace dgen::fs {

// One mounted session whose INIT has been answered, ready for workers.
struct Mount {
    std::string mountpoint;
    fuse_session* session = nullptr;
    std::vector<char> init_request;  // the kernel's INIT, replayed into worker sessions
    Context* context = nullptr;
};

struct WorkerReport {
    unsigned group = 0, index = 0, node = 0;
    pid_t tid = 0;
    std::string cpus;
    int buffer_node = -1;
    std::string error;
};

// Reads and answers the mount's INIT on the calling thread, keeping a copy.
bool answer_init(Mount& m, std::string* error);

// Runs one worker to completion (until its mount's connection ends). `done` is called
// from the worker thread when its loop returns, with the report filled.
void run_worker(const Mount& mount, const NodeGroup& group, unsigned group_index,
                unsigned worker_index, const NodePool& pool, size_t buffer_size,
                WorkerReport& report, void (*done)(WorkerReport&));

}  // namespace dgen::fs
