// What /.dgen shows (control.cpp) and metrics_listen serves (metrics_http.h): the reads
// served since the mount, counted on the read path without locks or contention.
//
//   worker thread ──read──▶ its own ServedCounters (relaxed loads and stores: one writer)
//   mount thread  ──read──▶ Stats::fallback()      (relaxed fetch_add: several writers)
//                               │
//   lookup(/.dgen/stats.json) ──┴─▶ Stats::snapshot() ─▶ render_json / render_prometheus
//
// A snapshot reads every counter relaxed: each value is exact, the set of them is not one
// instant (a read that finishes meanwhile may be in one counter and not yet in another).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dgen/namespace.h"
#include "verify_area.h"

namespace dgen::fs {

// Histograms with log2 buckets: bucket i counts values v with 2^(i-1) < v <= 2^i (bucket
// 0: v <= 1); the last bucket counts every larger value (+Inf).
inline constexpr size_t kSizeBuckets = 22;     // request sizes: le 1 B ... 2^20 B (1 MiB), +Inf
inline constexpr size_t kLatencyBuckets = 26;  // latencies: le 1 us ... 2^24 us (16.8 s), +Inf
size_t log2_bucket(uint64_t value, size_t buckets);

struct GroupCounters {
    std::atomic<uint64_t> bytes{0}, requests{0};
};

// One worker's counters. Written only by the worker's own thread, so an increment is a
// relaxed load and store (no locked instruction); the fallback slot is `shared` and uses
// fetch_add. Cache-line aligned: two workers never write the same line.
struct alignas(64) ServedCounters {
    std::atomic<uint64_t> bytes{0}, reads{0};       // replied requests and their bytes
    std::atomic<uint64_t> started{0}, finished{0};  // every request: in flight = started - finished
    std::atomic<uint64_t> size_sum{0}, latency_ns{0};
    std::array<std::atomic<uint64_t>, kSizeBuckets> sizes{};
    std::array<std::atomic<uint64_t>, kLatencyBuckets> latency{};
    std::unique_ptr<GroupCounters[]> groups;  // one per FileGroup
    size_t group_count = 0;
    bool shared = false;

    void set_groups(size_t count);
    void begin() { bump(started, 1); }
    void end() { bump(finished, 1); }
    // A request answered: `size` asked, `bytes` sent, from a file of `group`; then the
    // time it took, once the reply is sent.
    void add(size_t size, size_t bytes, uint32_t group);
    void add_latency(uint64_t ns);

private:
    void bump(std::atomic<uint64_t>& a, uint64_t n) {
        if (shared) a.fetch_add(n, std::memory_order_relaxed);
        else a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
};

// What a snapshot says about the daemon.
struct StatsInfo {
    std::string version;    // DGEN_VERSION
    std::string kernel;     // active_kernel().name
    std::string transport;  // "classic /dev/fuse"
    std::string config;     // the config file, absolute
    std::vector<std::string> mountpoints;
};

// Plain copies of the counters, which the renderers turn into text.
struct WorkerSnapshot {
    int node = -1, worker = -1;  // -1, -1: the mount thread's fallback slot
    int queue = -1;              // an io_uring queue's thread (worker -1): its CPU
    uint64_t own_cpu = 0, other_cpu = 0;  // a queue's requests answered on its CPU, elsewhere
    uint64_t bytes = 0, requests = 0, in_flight = 0, size_sum = 0, latency_ns = 0;
    std::vector<uint64_t> sizes, latency;                // per bucket, not cumulative
    std::vector<uint64_t> group_bytes, group_requests;  // per FileGroup
};

struct Snapshot {
    StatsInfo info;
    double uptime_seconds = 0;
    std::vector<FileGroup> groups;
    std::vector<WorkerSnapshot> workers;
    VerifyTotals verify;  // zeros when the verify area does not report
};

std::string render_json(const Snapshot& s);        // stats.json (docs/dgenfs.md)
std::string render_prometheus(const Snapshot& s);  // the text exposition format 0.0.4
// A Prometheus label value, escaped: \ -> \\, " -> \", newline -> \n.
std::string prometheus_label(const std::string& value);

// One per daemon, shared by all its mounts (Context::stats).
class Stats {
public:
    Stats(StatsInfo info, std::vector<FileGroup> groups);

    // A worker's counters (its WorkerReport holds them), before its thread starts.
    void add_worker(unsigned node, unsigned index, ServedCounters* counters);
    // An io_uring queue's thread (uring_queues.h): counters as a worker's, and where its
    // requests were answered.
    void add_queue(unsigned node, unsigned cpu, ServedCounters* counters, const std::atomic<uint64_t>* own_cpu,
                   const std::atomic<uint64_t>* other_cpu);
    // Where reads served by a thread without counters of its own are counted.
    ServedCounters& fallback() { return *fallback_; }

    // Set by the daemon when the verify area reports; unset, the verify fields are zeros.
    std::function<VerifyTotals()> verify_totals;

    Snapshot snapshot() const;
    // Once INIT has said which transport serves ("classic /dev/fuse" until then).
    void set_transport(std::string transport);

private:
    struct Slot {
        unsigned node, index;
        ServedCounters* counters;
        int queue = -1;
        const std::atomic<uint64_t>* own_cpu = nullptr;
        const std::atomic<uint64_t>* other_cpu = nullptr;
    };
    StatsInfo info_;  // transport under lock_
    const std::vector<FileGroup> groups_;
    const std::chrono::steady_clock::time_point started_;
    std::unique_ptr<ServedCounters> fallback_;
    mutable std::mutex lock_;  // the slot list; never taken on the read path
    std::vector<Slot> slots_;
};

}  // namespace dgen::fs
