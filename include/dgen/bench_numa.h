// `dgen bench --per-node`: the multi-node scaling method of the dgen-py study
// (docs/dgen.md), carried out in one process.
//
//   plan (numa_plan.h): one group per NUMA node, one worker per usable core
//      │
//      ├─ group g: NodePool bound to node g (not yet touched)
//      │     worker thread: pin_thread(cpus, g) ─▶ touch its buffer slice ─▶ node_of() check
//      │                    ─▶ start barrier ─▶ generate its byte range ─▶ end time
//      ▼
//   all workers leave the barrier together (t0); a node's time is t0 → its last worker's end
//
// The workers together generate bytes [0, SIZE) of one stream (seed 0, name "stream",
// size SIZE, D, C): the same bytes as `dgen cat --size SIZE --dedup D --compress C`.
// SIZE is split evenly over all workers (so over nodes in proportion to their workers),
// each worker taking one contiguous range, read into its reused buffer.
//
// GB/s means 10^9 bytes per second.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dgen/numa_plan.h"

namespace dgen {

struct NumaBenchOptions {
    uint64_t bytes = 32ull << 30;  // in total, over all nodes
    double dedup = 1.0;
    double compress = 1.0;
    uint64_t buffer = 1u << 20;    // per worker, a multiple of the page size
};

// Where a group's buffers ended up, each checked with node_of() after the pinned worker
// touched every page of its own buffer.
struct BufferPlacement {
    unsigned on_node = 0;    // buffers whose pages are all on the group's node
    unsigned elsewhere = 0;  // buffers with a page on another node
    unsigned unknown = 0;    // buffers the kernel would not place (node_of() = -1)
    std::vector<std::string> problems;  // "worker 1: page on node 1"
};

struct NumaBenchNode {
    unsigned node = 0;     // OS index
    unsigned workers = 0;
    unsigned cores = 0;    // distinct cores the workers run on
    uint64_t bytes = 0;
    double seconds = 0;    // common start → this node's last worker done
    double gbps = 0;       // bytes / seconds / 1e9
    BufferPlacement buffers;
};

struct NumaBenchSummary {
    double seconds = 0;            // the slowest node's time
    double aggregate_gbps = 0;     // total bytes / slowest node's time / 1e9
    double per_core_gbps = 0;      // aggregate / all cores
    double per_node_avg_gbps = 0;  // mean of the nodes' GB/s
    double node_variation_pct = 0; // (max - min node GB/s) / 2 / average × 100, as the seed
    unsigned cores = 0;
    unsigned workers = 0;
};

struct NumaBenchReport {
    std::string kernel;
    std::string topology;          // Topology::source
    size_t topology_nodes = 0;
    std::vector<std::string> notes;     // the plan's notes
    std::vector<std::string> warnings;  // pools that could not be bound
    NumaBenchOptions options;
    std::vector<NumaBenchNode> nodes;
    NumaBenchSummary summary;
};

// "" if `plan` can be carried out by this process, else why not: the topology must be
// this machine's (not HWLOC_SYNTHETIC / HWLOC_XMLFILE), every planned CPU one this
// process may run on, and the plan free of errors.
std::string numa_bench_runnable(const Topology& topology, const Plan& plan);

// Runs the benchmark. Throws std::invalid_argument for bad options (D, C, sizes) and
// std::runtime_error if a worker could not be pinned.
NumaBenchReport run_numa_bench(const Topology& topology, const Plan& plan,
                               const NumaBenchOptions& options);

// The summary figures from the nodes' bytes, seconds and cores (a pure function).
NumaBenchSummary summarize(const std::vector<NumaBenchNode>& nodes);

}  // namespace dgen
