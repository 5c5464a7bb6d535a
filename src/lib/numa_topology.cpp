// hwloc -> Topology: which PUs belong to which NUMA node, grouped by core, and which of
// them this process may use.
#include <hwloc.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <set>

#include "dgen/numa_plan.h"

namespace dgen {
namespace {

struct TopologyDeleter {
    void operator()(hwloc_topology* t) const { hwloc_topology_destroy(t); }
};
using TopoPtr = std::unique_ptr<hwloc_topology, TopologyDeleter>;

std::set<unsigned> affinity_pus() {
    std::set<unsigned> out;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return out;
    for (unsigned i = 0; i < CPU_SETSIZE; ++i)
        if (CPU_ISSET(i, &set)) out.insert(i);
    return out;
}

// The NUMA node a PU belongs to: of the nodes whose locality (`cpuset`, or
// `complete_cpuset` to place offline PUs too) holds it, the one with the smallest
// locality (a memory-only node shares a larger one, or ties and loses to the lower OS
// index, which Linux gives to the DRAM node).
hwloc_obj_t owner(hwloc_topology_t t, unsigned pu, hwloc_cpuset_t hwloc_obj::*locality = &hwloc_obj::cpuset) {
    hwloc_obj_t best = nullptr;
    for (hwloc_obj_t n = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, nullptr); n;
         n = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, n)) {
        if (!hwloc_bitmap_isset(n->*locality, pu)) continue;
        if (!best || hwloc_bitmap_weight(n->*locality) < hwloc_bitmap_weight(best->*locality) ||
            (hwloc_bitmap_weight(n->*locality) == hwloc_bitmap_weight(best->*locality) &&
             n->os_index < best->os_index))
            best = n;
    }
    return best;
}

// The node of an offline PU on this machine: Linux keeps /sys/devices/system/cpu/cpuP/nodeN
// while the CPU is offline, though the node's cpulist (which hwloc reads) drops it.
int sysfs_node_of_cpu(unsigned pu) {
    const std::filesystem::path dir = "/sys/devices/system/cpu/cpu" + std::to_string(pu);
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.size() > 4 && name.compare(0, 4, "node") == 0 &&
            name.find_first_not_of("0123456789", 4) == std::string::npos)
            return std::stoi(name.substr(4));
    }
    return -1;
}

// Counts each offline PU (in the complete cpuset, not in the topology's) for its node.
void count_offline(hwloc_topology_t t, bool this_system, std::map<unsigned, NumaNode>& nodes) {
    std::unique_ptr<hwloc_bitmap_s, void (*)(hwloc_bitmap_t)> offline(hwloc_bitmap_alloc(), hwloc_bitmap_free);
    hwloc_bitmap_andnot(offline.get(), hwloc_topology_get_complete_cpuset(t), hwloc_topology_get_topology_cpuset(t));
    for (int pu = hwloc_bitmap_first(offline.get()); pu >= 0; pu = hwloc_bitmap_next(offline.get(), pu)) {
        int node = -1;
        if (const hwloc_obj_t n = owner(t, static_cast<unsigned>(pu), &hwloc_obj::complete_cpuset))
            node = static_cast<int>(n->os_index);
        else if (this_system)
            node = sysfs_node_of_cpu(static_cast<unsigned>(pu));
        const auto it = nodes.find(static_cast<unsigned>(node));
        if (node >= 0 && it != nodes.end()) ++it->second.offline_pus;
    }
}

Topology convert(hwloc_topology_t t, const std::vector<unsigned>& allowed_override,
                 bool use_affinity, std::string source) {
    Topology topo;
    topo.source = std::move(source);
    std::set<unsigned> usable;
    const hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(t);
    const std::set<unsigned> affinity = use_affinity ? affinity_pus() : std::set<unsigned>{};
    const std::set<unsigned> override_set(allowed_override.begin(), allowed_override.end());
    std::map<unsigned, NumaNode> nodes;
    for (hwloc_obj_t n = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, nullptr); n;
         n = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, n)) {
        NumaNode& node = nodes[n->os_index];
        node.os_index = n->os_index;
        node.memory = n->attr ? n->attr->numanode.local_memory : 0;
    }
    // Group PUs by core (a PU with no core above it is its own core).
    std::map<std::pair<unsigned, uint64_t>, std::vector<unsigned>> cores;  // (node, core id) -> PUs
    for (hwloc_obj_t pu = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_PU, nullptr); pu;
         pu = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_PU, pu)) {
        const hwloc_obj_t node = owner(t, pu->os_index);
        if (!node) continue;
        const bool ok = hwloc_bitmap_isset(allowed, pu->os_index) &&
                        (!use_affinity || affinity.count(pu->os_index)) &&
                        (override_set.empty() || override_set.count(pu->os_index));
        if (!ok) {
            ++nodes[node->os_index].disallowed_pus;
            continue;
        }
        const hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_CORE, pu);
        const uint64_t core_id = core ? core->logical_index : (1ull << 40) + pu->logical_index;
        cores[{node->os_index, core_id}].push_back(pu->os_index);
    }
    for (auto& [key, pus] : cores) nodes[key.first].cores.push_back(pus);
    count_offline(t, use_affinity, nodes);
    for (auto& [os, n] : nodes) topo.nodes.push_back(n);
    return topo;
}

TopoPtr load(void (*setup)(hwloc_topology_t, const std::string&), const std::string& arg,
             std::string* error) {
    hwloc_topology_t raw = nullptr;
    if (hwloc_topology_init(&raw) != 0) {
        *error = "hwloc_topology_init failed";
        return nullptr;
    }
    TopoPtr t(raw);
    hwloc_topology_set_flags(raw, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
    if (setup) setup(raw, arg);
    if (hwloc_topology_load(raw) != 0) {
        *error = "hwloc could not load the topology";
        return nullptr;
    }
    return t;
}

// The fallback: one node with every CPU we may use.
Topology single_node(const std::string& why) {
    Topology topo;
    topo.source = "this machine";
    topo.problem = why + "; using one node with every usable CPU";
    NumaNode n;
    for (unsigned cpu : affinity_pus()) n.cores.push_back({cpu});
    topo.nodes.push_back(n);
    return topo;
}

}  // namespace

uint64_t memory_available() {
    std::ifstream info("/proc/meminfo");
    for (std::string key; info >> key;) {
        uint64_t kib = 0;
        if (key == "MemAvailable:" && info >> kib) return kib * 1024;
        info.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return 0;
}

Topology discover_topology() {
    std::string source = "this machine";
    if (const char* s = std::getenv("HWLOC_SYNTHETIC"); s && *s) source = std::string("HWLOC_SYNTHETIC=") + s;
    if (const char* x = std::getenv("HWLOC_XMLFILE"); x && *x) source = std::string("HWLOC_XMLFILE=") + x;
    std::string error;
    TopoPtr t = load(nullptr, "", &error);
    if (!t) return single_node(error);
    const bool real = hwloc_topology_is_thissystem(t.get());
    Topology topo = convert(t.get(), {}, real, source);
    if (topo.nodes.empty()) return single_node("hwloc reports no NUMA node");
    return topo;
}

Topology topology_from_synthetic(const std::string& description, const std::vector<unsigned>& allowed) {
    std::string error;
    TopoPtr t = load([](hwloc_topology_t raw, const std::string& d) {
        hwloc_topology_set_synthetic(raw, d.c_str());
    }, description, &error);
    if (!t) return single_node(error);
    return convert(t.get(), allowed, false, "synthetic '" + description + "'");
}

Topology topology_from_xml(const std::string& path, const std::vector<unsigned>& allowed) {
    std::string error;
    TopoPtr t = load([](hwloc_topology_t raw, const std::string& p) {
        hwloc_topology_set_xml(raw, p.c_str());
    }, path, &error);
    if (!t) return single_node(error);
    return convert(t.get(), allowed, false, "XML " + path);
}

}  // namespace dgen
