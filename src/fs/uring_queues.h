// FUSE over io_uring (uring_proto.h): one queue per possible CPU, each served by a thread
// pinned to that CPU. The kernel queues a request on the ring of the CPU its caller runs
// on, so the reply is generated on the reader's own core, into a buffer allocated there,
// with no wakeup across CPUs.
//
//   before INIT: pin to its CPU ──▶ its ring, and entries' buffers first touched there
//   after INIT took io_uring: a libfuse session on a cloned /dev/fuse fd, its replies
//     written into the ring entry (custom I/O) ──▶ replay the mount's INIT ──▶
//     REGISTER every entry ──▶ loop: a completion is a
//     request; rebuild its /dev/fuse form, let libfuse call the operation (a READ
//     generates straight into the entry's payload), COMMIT_AND_FETCH the reply
//
// The classic workers keep serving the same connection: INIT, FORGET and INTERRUPT
// always travel over /dev/fuse, and so does everything until every queue has
// registered. A queue's thread ends when the connection does, or when woken (stop).
#pragma once

#include <future>
#include <string>
#include <vector>

#include "dgen/numa_plan.h"
#include "workers.h"

namespace dgen::fs {

// Whether this kernel lets a server speak FUSE over io_uring: "" if so, else why not, with
// what to do. Reads the fuse module's enable_uring (DGENFS_URING_PARAM names another file,
// for tests), then sets up a small ring (io_uring may be disabled by sysctl or seccomp).
std::string uring_unavailable();

// The CPUs the kernel has a queue for: every possible CPU (/sys/devices/system/cpu/possible).
std::vector<unsigned> possible_cpus();

// Where queue `cpu`'s thread runs: that CPU when a worker of `plan` is pinned there, else
// the CPUs of the plan's first group (the kernel needs the queue served all the same).
std::vector<unsigned> queue_cpus(const Plan& plan, unsigned cpu);

// Each entry's payload buffer for a mount with this max_read: at least what INIT's reply
// lets one request carry.
size_t queue_payload(size_t max_read);

// Runs queue `qid` of `mount` (r.queue and r.node set by the caller, before the thread
// starts), in two steps around the mount's INIT:
//   before INIT: pin, make the ring, map and touch the entries' `payload`-byte buffers,
//     then notify Prepared, or Done at once with r.error: the daemon can still answer
//     INIT without io_uring;
//   `go` true (INIT took io_uring): clone the fd, replay INIT, REGISTER every entry,
//     notify Ready (or Done with r.error), serve until the connection ends or `wake_fd`
//     (an eventfd) is written, then notify Done. `go` false: notify Done, nothing else.
void run_queue(const Mount& mount, unsigned qid, const std::vector<unsigned>& cpus, size_t payload,
               int wake_fd, WorkerReport& r, WorkerNotify notify, const std::atomic<bool>& stopping,
               std::shared_future<bool> go);

}  // namespace dgen::fs
