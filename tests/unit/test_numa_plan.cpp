// The placement planner on hwloc synthetic topologies and XML exports: 1, 2, 4 and 16
// nodes, asymmetric cores, a memory-only node, an offline CPU, a cpuset that excludes
// whole nodes, more workers than cores. And the real machine's plan, pinned loosely.
#include <gtest/gtest.h>

#include <string>

#include "dgen/bench_numa.h"
#include "dgen/numa_plan.h"

namespace dgen {
namespace {

const std::string kDir = std::string(__FILE__).substr(0, std::string(__FILE__).rfind('/')) + "/topologies/";

std::vector<unsigned> pus(const Plan& p, size_t g) {
    std::vector<unsigned> out;
    for (const Worker& w : p.groups[g].workers) out.insert(out.end(), w.cpus.begin(), w.cpus.end());
    return out;
}

TEST(NumaTopology, SyntheticShapes) {
    const Topology one = topology_from_synthetic("numa:1 core:2 pu:1");
    ASSERT_EQ(one.nodes.size(), 1u);
    EXPECT_EQ(one.nodes[0].cores.size(), 2u);
    const Topology smt = topology_from_synthetic("pack:2 numa:1 core:4 pu:2");
    ASSERT_EQ(smt.nodes.size(), 2u);
    EXPECT_EQ(smt.nodes[1].cores.size(), 4u);
    EXPECT_EQ(smt.nodes[1].cores[0], (std::vector<unsigned>{8, 9}));  // a core's two PUs
    EXPECT_EQ(smt.nodes[0].memory, 1ull << 30);
}

TEST(NumaPlan, OneNode) {
    const Topology t = topology_from_synthetic("numa:1 core:2 pu:1");
    const Plan p = make_plan(t, {});
    ASSERT_TRUE(p.error.empty()) << p.error;
    ASSERT_EQ(p.groups.size(), 1u);
    EXPECT_EQ(p.groups[0].workers.size(), 2u);
    EXPECT_EQ(p.groups[0].pool_size, 2u << 20);
    EXPECT_EQ(format_plan(p, t),
              "topology: synthetic 'numa:1 core:2 pu:1', 1 NUMA node\n"
              "node 0: cpus 0-1 (2 cores), 2 workers, pool 2 MiB\n"
              "note: one NUMA node: a single worker group\n");
}

TEST(NumaPlan, TwoNodesWithSmtPinEachWorkerToOneCore) {
    const Topology t = topology_from_synthetic("pack:2 numa:1 core:4 pu:2");
    const Plan p = make_plan(t, {});
    ASSERT_EQ(p.groups.size(), 2u);
    EXPECT_EQ(p.groups[1].node, 1u);
    ASSERT_EQ(p.groups[1].workers.size(), 4u);
    EXPECT_EQ(p.groups[1].workers[2].cpus, (std::vector<unsigned>{12, 13}));
    EXPECT_EQ(cpu_list(pus(p, 0)), "0-7");
}

TEST(NumaPlan, FourNodesAsTheIssueShows) {
    const Topology t = topology_from_synthetic("pack:2 numa:2 core:4 pu:1");
    const Plan p = make_plan(t, {});
    ASSERT_EQ(p.groups.size(), 4u);
    EXPECT_EQ(format_plan(p, t),
              "topology: synthetic 'pack:2 numa:2 core:4 pu:1', 4 NUMA nodes\n"
              "node 0: cpus 0-3 (4 cores), 4 workers, pool 4 MiB\n"
              "node 1: cpus 4-7 (4 cores), 4 workers, pool 4 MiB\n"
              "node 2: cpus 8-11 (4 cores), 4 workers, pool 4 MiB\n"
              "node 3: cpus 12-15 (4 cores), 4 workers, pool 4 MiB\n");
}

TEST(NumaPlan, SixteenNodes) {
    const Topology t = topology_from_synthetic("pack:4 numa:4 core:23 pu:1");
    const Plan p = make_plan(t, {});
    ASSERT_EQ(p.groups.size(), 16u);
    for (unsigned g = 0; g < 16; ++g) {
        EXPECT_EQ(p.groups[g].node, g);
        EXPECT_EQ(p.groups[g].workers.size(), 23u);
        EXPECT_EQ(cpu_list(pus(p, g)), std::to_string(g * 23) + "-" + std::to_string(g * 23 + 22));
    }
}

TEST(NumaPlan, AsymmetricCoresFromACpuset) {
    // Node 1 keeps only PU 5 of 4..7: one worker there, four on node 0.
    const Topology t = topology_from_synthetic("pack:2 numa:1 core:4 pu:1", {0, 1, 2, 3, 5});
    const Plan p = make_plan(t, {});
    ASSERT_EQ(p.groups.size(), 2u);
    EXPECT_EQ(p.groups[0].workers.size(), 4u);
    ASSERT_EQ(p.groups[1].workers.size(), 1u);
    EXPECT_EQ(p.groups[1].workers[0].cpus, (std::vector<unsigned>{5}));
    EXPECT_EQ(t.nodes[1].disallowed_pus, 3u);
}

TEST(NumaPlan, CpusetExcludingWholeNodes) {
    const Topology t = topology_from_synthetic("pack:2 numa:2 core:4 pu:1", {0, 1, 2, 3, 8, 9, 10, 11});
    const Plan p = make_plan(t, {});
    ASSERT_EQ(p.groups.size(), 2u);
    EXPECT_EQ(p.groups[0].node, 0u);
    EXPECT_EQ(p.groups[1].node, 2u);
    const std::string s = format_plan(p, t);
    EXPECT_NE(s.find("note: node 1: no usable CPUs (its 4 are outside this process's cpuset or affinity); not used"), std::string::npos) << s;
    PlanRequest r;
    r.nodes = {1};
    EXPECT_EQ(make_plan(t, r).error, "node 1 has no CPUs this process may use (cpuset or affinity excludes them)");
}

TEST(NumaPlan, MemoryOnlyNodeFromXml) {
    const Topology t = topology_from_xml(kDir + "memory-only-node.xml");
    ASSERT_EQ(t.nodes.size(), 3u);
    EXPECT_TRUE(t.nodes[2].cores.empty());
    EXPECT_EQ(t.nodes[2].memory, 4ull << 30);
    const Plan p = make_plan(t, {});
    ASSERT_EQ(p.groups.size(), 2u);
    EXPECT_EQ(p.groups[0].workers.size(), 2u);  // node 0 keeps its cores
    EXPECT_NE(format_plan(p, t).find("note: node 2: memory-only (no CPUs, e.g. CXL or HBM); not used"),
              std::string::npos);
    PlanRequest r;
    r.nodes = {2};
    EXPECT_EQ(make_plan(t, r).error, "node 2 has no CPUs this process may use (memory-only)");
}

TEST(NumaPlan, OfflineCpuFromXml) {
    const Topology t = topology_from_xml(kDir + "offline-cpu.xml");
    const Plan p = make_plan(t, {});
    ASSERT_EQ(p.groups.size(), 2u);
    EXPECT_EQ(p.groups[1].workers.size(), 1u);
    EXPECT_EQ(cpu_list(pus(p, 1)), "2");
}

// Regression: a node whose only CPU was taken offline (echo 0 > .../cpuN/online) was
// reported as "memory-only (no CPUs, e.g. CXL or HBM)", seen on the emulated 4-node guest.
TEST(NumaPlan, NodeWithAllCpusOfflineIsNotMemoryOnly) {
    const Topology t = topology_from_xml(kDir + "offline-node.xml");
    ASSERT_EQ(t.nodes.size(), 2u);
    EXPECT_TRUE(t.nodes[1].cores.empty());
    EXPECT_EQ(t.nodes[1].offline_pus, 1u);
    EXPECT_EQ(t.nodes[0].offline_pus, 0u);
    const Plan p = make_plan(t, {});
    ASSERT_EQ(p.groups.size(), 1u);
    EXPECT_EQ(format_plan(p, t),
              "topology: XML " + kDir + "offline-node.xml, 2 NUMA nodes\n"
              "node 0: cpus 0 (1 core), 1 worker, pool 1 MiB\n"
              "note: node 1: no usable CPUs (its 1 CPU is offline); not used\n");
    PlanRequest r;
    r.nodes = {1};
    EXPECT_EQ(make_plan(t, r).error, "node 1 has no CPUs this process may use (offline)");
    // A node that keeps other CPUs counts its offline one and serves on the rest.
    EXPECT_EQ(topology_from_xml(kDir + "offline-cpu.xml").nodes[1].offline_pus, 1u);
}

TEST(NumaPlan, MoreWorkersThanCoresShareRoundRobin) {
    const Topology t = topology_from_synthetic("numa:1 core:2 pu:1");
    PlanRequest r;
    r.workers_per_node = 5;
    const Plan p = make_plan(t, r);
    ASSERT_EQ(p.groups[0].workers.size(), 5u);
    EXPECT_EQ(p.groups[0].workers[4].cpus, (std::vector<unsigned>{0}));
    EXPECT_NE(format_plan(p, t).find("5 workers on 2 cores: cores are shared, round robin"), std::string::npos);
}

TEST(NumaPlan, RequestErrors) {
    const Topology t = topology_from_synthetic("pack:2 numa:1 core:2 pu:1");
    PlanRequest r;
    r.nodes = {7};
    EXPECT_EQ(make_plan(t, r).error, "node 7 does not exist (nodes: 0,1)");
    r.nodes = {};
    r.pool_size = 1 << 20;
    EXPECT_EQ(make_plan(t, r).error,
              "pool_size 1 MiB is too small for node 0's 2 workers of 1 MiB (needs 2 MiB)");
    // Pools the machine cannot give: more than a node has (synthetic nodes: 1 GiB each),
    // or more than the memory available, all nodes together.
    r.pool_size = 2ull << 30;
    EXPECT_EQ(make_plan(t, r).error, "pool_size 2 GiB is more than node 0's memory (1 GiB)");
    r.pool_size = 600ull << 20;
    r.memory_available = 1ull << 30;
    EXPECT_EQ(make_plan(t, r).error,
              "the node pools need 1.17 GiB in all, more than the 1 GiB of memory available (MemAvailable)");
    r.memory_available = 1200ull << 20;
    EXPECT_TRUE(make_plan(t, r).error.empty()) << make_plan(t, r).error;
    r.memory_available = 0;
    r.pool_size = 0;
    r.nodes = {1};
    r.per_node_mount = true;
    const Plan p = make_plan(t, r);
    ASSERT_EQ(p.groups.size(), 1u);
    EXPECT_EQ(p.groups[0].node, 1u);
    EXPECT_NE(format_plan(p, t).find(", mount node1"), std::string::npos);
}

TEST(NumaTopology, MemoryAvailableIsReadFromMeminfo) {
    const uint64_t available = memory_available();
    EXPECT_GT(available, 0u);
    EXPECT_EQ(available % 1024, 0u);  // meminfo counts KiB
}

TEST(NumaTopology, ThisMachineHasAUsablePlan) {
    const Topology t = discover_topology();
    ASSERT_FALSE(t.nodes.empty());
    const Plan p = make_plan(t, {});
    ASSERT_TRUE(p.error.empty()) << p.error;
    size_t workers = 0;
    for (const NodeGroup& g : p.groups) workers += g.workers.size();
    cpu_set_t set;
    ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    EXPECT_LE(workers, static_cast<size_t>(CPU_COUNT(&set)));
    EXPECT_GE(workers, 1u);
}

}  // namespace
}  // namespace dgen

namespace dgen {
namespace {

// The seed study's C4-96 run, node by node: the summary must reproduce its figures.
TEST(NumaBench, SummaryReproducesTheSeedStudy) {
    const double gbps[] = {32.49, 31.74, 32.20, 32.64};
    const double secs[] = {7.880, 8.065, 7.950, 7.842};
    std::vector<NumaBenchNode> nodes;
    for (unsigned i = 0; i < 4; ++i) {
        NumaBenchNode n;
        n.node = i;
        n.workers = n.cores = 24;
        n.seconds = secs[i];
        n.gbps = gbps[i];
        n.bytes = static_cast<uint64_t>(gbps[i] * 1e9 * secs[i]);
        nodes.push_back(n);
    }
    const NumaBenchSummary s = summarize(nodes);
    EXPECT_NEAR(s.per_node_avg_gbps, 32.27, 0.005);
    EXPECT_NEAR(s.node_variation_pct, 1.4, 0.05);  // "Node variation: ±1.4%"
    EXPECT_EQ(s.cores, 96u);
    EXPECT_DOUBLE_EQ(s.seconds, 8.065);
    EXPECT_NEAR(s.per_core_gbps, s.aggregate_gbps / 96, 1e-9);
}

}  // namespace
}  // namespace dgen
