#include "dgen/numa_plan.h"

#include <algorithm>
#include <sstream>

#include "dgen/values.h"

namespace dgen {

std::string cpu_list(const std::vector<unsigned>& in) {
    std::vector<unsigned> cpus(in);
    std::sort(cpus.begin(), cpus.end());
    std::ostringstream os;
    for (size_t i = 0; i < cpus.size();) {
        size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        os << (i ? "," : "") << cpus[i];
        if (j > i) os << "-" << cpus[j];
        i = j + 1;
    }
    return os.str();
}

namespace {

// Why a node has no usable cores, for the plan's note: its CPUs are offline, outside
// this process's cpuset or affinity, or it has none (memory-only).
std::string unused_note(const NumaNode& n) {
    const std::string outside = " outside this process's cpuset or affinity";
    const std::string off = std::to_string(n.offline_pus) + (n.offline_pus == 1 ? " CPU" : " CPUs");
    if (n.offline_pus && n.disallowed_pus)
        return "no usable CPUs (" + off + " offline, " + std::to_string(n.disallowed_pus) + outside + ")";
    if (n.disallowed_pus) return "no usable CPUs (its " + std::to_string(n.disallowed_pus) + " are" + outside + ")";
    if (n.offline_pus) return "no usable CPUs (its " + off + (n.offline_pus == 1 ? " is" : " are") + " offline)";
    return "memory-only (no CPUs, e.g. CXL or HBM)";
}

// The same, short, for the error when numa_nodes names such a node.
std::string unused_reason(const NumaNode& n) {
    if (n.offline_pus && n.disallowed_pus) return "offline, or excluded by cpuset or affinity";
    if (n.disallowed_pus) return "cpuset or affinity excludes them";
    if (n.offline_pus) return "offline";
    return "memory-only";
}

}  // namespace

Plan make_plan(const Topology& topo, const PlanRequest& req) {
    Plan plan;
    plan.per_node_mount = req.per_node_mount;
    auto find = [&](unsigned os) -> const NumaNode* {
        for (const NumaNode& n : topo.nodes)
            if (n.os_index == os) return &n;
        return nullptr;
    };
    if (!topo.problem.empty()) plan.notes.push_back(topo.problem);

    std::vector<const NumaNode*> chosen;
    if (req.nodes.empty()) {
        for (const NumaNode& n : topo.nodes) {
            if (!n.cores.empty()) chosen.push_back(&n);
            else plan.notes.push_back("node " + std::to_string(n.os_index) + ": " + unused_note(n) + "; not used");
        }
    } else {
        for (unsigned os : req.nodes) {
            const NumaNode* n = find(os);
            if (!n) {
                plan.error = "node " + std::to_string(os) + " does not exist (nodes: ";
                for (size_t i = 0; i < topo.nodes.size(); ++i)
                    plan.error += (i ? "," : "") + std::to_string(topo.nodes[i].os_index);
                plan.error += ")";
                return plan;
            }
            if (n->cores.empty()) {
                plan.error = "node " + std::to_string(os) + " has no CPUs this process may use (" + unused_reason(*n) + ")";
                return plan;
            }
            chosen.push_back(n);
        }
    }
    if (chosen.empty()) {
        plan.error = "no NUMA node has a CPU this process may use";
        return plan;
    }
    if (topo.nodes.size() == 1) plan.notes.push_back("one NUMA node: a single worker group");

    for (const NumaNode* n : chosen) {
        NodeGroup g;
        g.node = n->os_index;
        g.usable_cores = static_cast<unsigned>(n->cores.size());
        const unsigned workers = req.workers_per_node ? req.workers_per_node : g.usable_cores;
        if (workers > g.usable_cores)
            plan.notes.push_back("node " + std::to_string(g.node) + ": " + std::to_string(workers) +
                                 " workers on " + std::to_string(g.usable_cores) +
                                 " cores: cores are shared, round robin");
        for (unsigned w = 0; w < workers; ++w) {
            const unsigned core = w % g.usable_cores;
            g.workers.push_back({core, n->cores[core]});
        }
        const uint64_t need = static_cast<uint64_t>(workers) * req.buffer;
        g.pool_size = req.pool_size ? req.pool_size : need;
        if (g.pool_size < need) {
            plan.error = "pool_size " + format_size(g.pool_size) + " is too small for node " +
                         std::to_string(g.node) + "'s " + std::to_string(workers) + " workers of " +
                         format_size(req.buffer) + " (needs " + format_size(need) + ")";
            return plan;
        }
        if (n->memory && g.pool_size > n->memory) {
            plan.error = "pool_size " + format_size(g.pool_size) + " is more than node " +
                         std::to_string(g.node) + "'s memory (" + format_size(n->memory) + ")";
            return plan;
        }
        plan.groups.push_back(std::move(g));
    }
    // The pools are mapped at start (untouched but committed): a sum the machine cannot
    // give fails then, after mounting would have begun. Say so before.
    uint64_t pools = 0;
    for (const NodeGroup& g : plan.groups) pools += g.pool_size;
    if (req.memory_available && pools > req.memory_available) {
        plan.error = "the node pools need " + format_size(pools) + " in all, more than the " +
                     format_size(req.memory_available) + " of memory available (MemAvailable)";
        return plan;
    }
    if (req.per_node_mount && plan.groups.size() == 1)
        plan.notes.push_back("per-node mount with one node group: one mountpoint, node" +
                             std::to_string(plan.groups[0].node));
    return plan;
}

std::string format_plan(const Plan& plan, const Topology& topo) {
    std::ostringstream os;
    os << "topology: " << topo.source << ", " << topo.nodes.size() << " NUMA node"
       << (topo.nodes.size() == 1 ? "" : "s") << "\n";
    if (!plan.error.empty()) {
        os << "error: " << plan.error << "\n";
        return os.str();
    }
    for (const NodeGroup& g : plan.groups) {
        std::vector<unsigned> cpus;
        for (const Worker& w : g.workers) cpus.insert(cpus.end(), w.cpus.begin(), w.cpus.end());
        std::sort(cpus.begin(), cpus.end());
        cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
        os << "node " << g.node << ": cpus " << cpu_list(cpus) << " (" << g.usable_cores
           << " core" << (g.usable_cores == 1 ? "" : "s") << "), " << g.workers.size()
           << " worker" << (g.workers.size() == 1 ? "" : "s") << ", pool " << format_size(g.pool_size);
        if (plan.per_node_mount) os << ", mount node" << g.node;
        os << "\n";
    }
    for (const std::string& n : plan.notes) os << "note: " << n << "\n";
    return os.str();
}

}  // namespace dgen
