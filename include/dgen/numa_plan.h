// NUMA placement: which worker threads run where, and where their buffers live.
//
//   Topology (hwloc, or hwloc's synthetic/XML test topologies)
//      │   nodes with their usable cores (allowed by cgroup cpuset and affinity), memory
//      ▼
//   make_plan(topology, request) ──▶ Plan: one group per node that has usable cores,
//                                     each worker pinned to one core of its node, a
//                                     node-local buffer pool per group, notes saying why
//
// The planner is a pure function (tested on synthetic topologies); the daemon and
// `dgen bench --per-node` carry a plan out: pin the thread first, then allocate, so
// pages are first touched on the local node.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dgen {

struct NumaNode {
    unsigned os_index = 0;
    std::vector<std::vector<unsigned>> cores;  // usable PUs (OS numbers) of each core
    uint64_t memory = 0;                       // bytes (0 if unknown)
    unsigned disallowed_pus = 0;               // PUs of this node we may not run on
    unsigned offline_pus = 0;                  // PUs of this node that are offline
};

struct Topology {
    std::vector<NumaNode> nodes;  // sorted by os_index
    std::string source;           // "this machine", "HWLOC_SYNTHETIC=...", "HWLOC_XMLFILE=..."
    std::string problem;          // set when discovery fell back to one node
};

struct PlanRequest {
    std::vector<unsigned> nodes;  // OS indices to use; empty = every node with usable cores
    unsigned workers_per_node = 0;  // 0 = auto: one per usable core of the node
    uint64_t pool_size = 0;         // bytes per node; 0 = auto: workers x buffer
    uint64_t buffer = 1u << 20;     // bytes per worker buffer (max_read)
    bool per_node_mount = false;
    // Bytes the pools may take in all (MemAvailable when mounting); 0 = unknown, not
    // checked. Each pool must also fit in its node's memory, where the topology knows it.
    uint64_t memory_available = 0;
};

struct Worker {
    unsigned cpu_core = 0;        // index into the node's cores
    std::vector<unsigned> cpus;   // the PUs it is pinned to
};

struct NodeGroup {
    unsigned node = 0;            // OS index
    std::vector<Worker> workers;
    uint64_t pool_size = 0;
    unsigned usable_cores = 0;
};

struct Plan {
    std::vector<NodeGroup> groups;
    std::vector<std::string> notes;  // what was chosen and why, for the log
    std::string error;               // non-empty: the request cannot be met
    bool per_node_mount = false;
};

Plan make_plan(const Topology& topology, const PlanRequest& request);

// One line per group: "node 0: cpus 0-3 (4 cores), 4 workers, pool 4 MiB", then notes.
std::string format_plan(const Plan& plan, const Topology& topology);

// "0-3,8,10-11"
std::string cpu_list(const std::vector<unsigned>& cpus);

// MemAvailable from /proc/meminfo, in bytes; 0 if it cannot be read.
uint64_t memory_available();

// Discovers this machine's topology with hwloc (which honours HWLOC_SYNTHETIC and
// HWLOC_XMLFILE). Usable PUs are hwloc's allowed set (cgroup cpuset), online, and — on
// the real machine — in this thread's affinity mask. An offline PU is counted for its
// node (hwloc's complete cpusets, or on this machine sysfs, since Linux drops offline
// CPUs from a node's cpulist), so a node whose CPUs are all offline is not taken for a
// memory-only one. Falls back to one node holding every usable CPU, with `problem` set,
// if hwloc finds no NUMA information.
Topology discover_topology();

// The same from an hwloc synthetic description or an XML file, for tests; `allowed`
// (OS PU numbers) restricts usable PUs when non-empty.
Topology topology_from_synthetic(const std::string& description,
                                 const std::vector<unsigned>& allowed = {});
Topology topology_from_xml(const std::string& path, const std::vector<unsigned>& allowed = {});

}  // namespace dgen
