// dgen bench: generator speed vs memset and the dgen-py core loop, side by side, one thread;
// with --per-node, the multi-node scaling method (bench_numa.h): one pinned worker group per
// NUMA node, node-local buffers, SIZE generated in total.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "common.h"
#include "dgen/bench.h"
#include "dgen/bench_numa.h"
#include "dgen/kernel.h"
#include "dgen/numa_plan.h"
#include "dgen/values.h"

namespace dgen::cli {
namespace {

struct BenchCliOptions {
    uint64_t buffer = 1u << 20;
    uint64_t runs = 5;
    double seconds = 0.25;
    std::string simd;
    bool json = false;
    // --per-node: --size, --dedup and --compress land in `file`, --nodes and
    // --workers-per-node in `dataset`, each through its config key.
    bool per_node = false;
    bool show_plan = false;
    FileConfig file;
    DatasetConfig dataset;
};

uint64_t checked_buffer(uint64_t b) {
    if (b < 4096 || b > (1ull << 30) || b % 4096 != 0)
        throw UsageError("--buffer " + format_size(b) + ": must be a multiple of 4 KiB, up to 1 GiB");
    return b;
}

std::string plural(uint64_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// "incompressible (D 1, C 1)", "compressible (D 1, C 2)", ...
std::string describe_data(double d, double c) {
    const char* what = d == 1 && c == 1 ? "incompressible"
                       : d == 1         ? "compressible"
                       : c == 1         ? "deduplicable"
                                        : "deduplicable and compressible";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s (D %g, C %g)", what, d, c);
    return buf;
}

// "node-local (checked: all on their node)" or what went wrong.
std::string describe_placement(const NumaBenchReport& r) {
    unsigned on = 0, elsewhere = 0, unknown = 0;
    for (const NumaBenchNode& n : r.nodes) {
        on += n.buffers.on_node;
        elsewhere += n.buffers.elsewhere;
        unknown += n.buffers.unknown;
    }
    if (elsewhere == 0 && unknown == 0) return "node-local (checked: all on their node)";
    std::string s = "node-local requested (checked: ";
    if (elsewhere) s += std::to_string(elsewhere) + " NOT on their node, ";
    if (unknown) s += std::to_string(unknown) + " unknown (the kernel did not say), ";
    return s + std::to_string(on) + " on their node)";
}

void print_numa_text(const NumaBenchReport& r) {
    const NumaBenchOptions& o = r.options;
    std::printf("dgen bench --per-node: %.2f GiB (%.2f GB) total, %s, kernel %s\n",
                static_cast<double>(o.bytes) / (1ull << 30), static_cast<double>(o.bytes) / 1e9,
                describe_data(o.dedup, o.compress).c_str(), r.kernel.c_str());
    std::printf("topology: %s, %s; buffers: %s per worker, %s\n", r.topology.c_str(),
                plural(r.topology_nodes, "NUMA node").c_str(), format_size(o.buffer).c_str(),
                describe_placement(r).c_str());
    for (const std::string& n : r.notes) std::printf("note: %s\n", n.c_str());
    for (const std::string& w : r.warnings) std::printf("warning: %s\n", w.c_str());
    for (const NumaBenchNode& n : r.nodes)
        for (const std::string& p : n.buffers.problems)
            std::printf("warning: node %u buffer of %s\n", n.node, p.c_str());
    std::printf("\n");
    unsigned max_node = 0;
    for (const NumaBenchNode& n : r.nodes) max_node = std::max(max_node, n.node);
    const int width = static_cast<int>(std::to_string(max_node).size());
    for (const NumaBenchNode& n : r.nodes) {
        std::printf("Node %*u: %.3fs | %.2f GB/s | %s", width, n.node, n.seconds, n.gbps,
                    plural(n.cores, "core").c_str());
        if (n.workers != n.cores) std::printf(", %s", plural(n.workers, "worker").c_str());
        std::printf("\n");
    }
    const NumaBenchSummary& s = r.summary;
    std::printf("\nAggregate: %.2f GB/s   (GB = 10^9 bytes/s)\n", s.aggregate_gbps);
    std::printf("Per-core: %.2f GB/s\n", s.per_core_gbps);
    std::printf("Per-node average: %.2f GB/s\n", s.per_node_avg_gbps);
    std::printf("Node variation: ±%.1f%%\n", s.node_variation_pct);
}

void print_numa_json(const NumaBenchReport& r) {
    const NumaBenchOptions& o = r.options;
    const NumaBenchSummary& s = r.summary;
    nlohmann::json j;
    j["mode"] = "per-node";
    j["kernel"] = r.kernel;
    j["topology"] = r.topology;
    j["topology_nodes"] = r.topology_nodes;
    j["bytes"] = o.bytes;
    j["dedup"] = o.dedup;
    j["compress"] = o.compress;
    j["buffer_bytes"] = o.buffer;
    j["units"] = "bytes in bytes; seconds from the common start to a node's last worker done; "
                 "GB/s = 10^9 bytes/s (GiB = 2^30 bytes); per_node_avg_gbps = mean of the nodes' "
                 "gbps; node_variation_pct = (max - min node gbps) / 2 / average x 100, as the seed study";
    j["notes"] = r.notes;
    j["warnings"] = r.warnings;
    j["nodes"] = nlohmann::json::array();
    for (const NumaBenchNode& n : r.nodes) {
        nlohmann::json ok = nullptr;  // null: the kernel would not say where pages are
        if (n.buffers.elsewhere) ok = false;
        else if (!n.buffers.unknown) ok = true;
        j["nodes"].push_back({{"node", n.node},
                              {"seconds", n.seconds},
                              {"gbps", n.gbps},
                              {"cores", n.cores},
                              {"workers", n.workers},
                              {"bytes", n.bytes},
                              {"buffer_nodes_ok", ok},
                              {"buffers_on_node", n.buffers.on_node},
                              {"buffers_elsewhere", n.buffers.elsewhere},
                              {"buffers_unknown", n.buffers.unknown},
                              {"buffer_problems", n.buffers.problems}});
    }
    j["seconds"] = s.seconds;
    j["cores"] = s.cores;
    j["workers"] = s.workers;
    j["aggregate_gbps"] = s.aggregate_gbps;
    j["per_core_gbps"] = s.per_core_gbps;
    j["per_node_avg_gbps"] = s.per_node_avg_gbps;
    j["node_variation_pct"] = s.node_variation_pct;
    std::printf("%s\n", j.dump(2).c_str());
}

void run_per_node(const BenchCliOptions& o, const CLI::App& app) {
    for (const char* opt : {"--runs", "--seconds"})
        if (app.count(opt) > 0)
            throw UsageError(std::string(opt) + " does not apply to --per-node (it generates --size SIZE once)");
    const StreamParams sp = effective_params(DatasetConfig{}, o.file.over);
    NumaBenchOptions b;
    b.bytes = o.file.size;
    if (b.bytes == 0) throw UsageError("--size 0: must be at least 1 byte");
    b.dedup = sp.dedup;
    b.compress = sp.compress;
    b.buffer = checked_buffer(o.buffer);

    PlanRequest req;
    req.nodes = o.dataset.numa_nodes;
    req.workers_per_node = o.dataset.workers_per_node;
    req.buffer = b.buffer;
    const Topology topo = discover_topology();
    const Plan plan = make_plan(topo, req);
    if (o.show_plan) {  // the same lines as dgenfs --show-plan for the same keys
        std::fputs(format_plan(plan, topo).c_str(), plan.error.empty() ? stdout : stderr);
        exit_status() = plan.error.empty() ? 0 : kExitUsage;
        return;
    }
    if (const std::string why = numa_bench_runnable(topo, plan); !why.empty()) throw UsageError(why);
    const NumaBenchReport r = run_numa_bench(topo, plan, b);
    if (o.json)
        print_numa_json(r);
    else
        print_numa_text(r);
}

void run_bench_cmd(const BenchCliOptions& o, const CLI::App& app) {
    if (!o.simd.empty() && !force_kernel(o.simd))
        throw UsageError("--simd " + o.simd + ": unknown or unsupported here (available: " +
                         available_kernel_names() + ")");
    if (o.per_node) return run_per_node(o, app);
    for (const char* opt : {"--size", "--dedup", "--compress", "--nodes", "--workers-per-node", "--show-plan"})
        if (app.count(opt) > 0) throw UsageError(std::string(opt) + " needs --per-node");
    BenchOptions b;
    b.buffer = checked_buffer(o.buffer);
    if (!(o.seconds > 0 && o.seconds <= 60))
        throw UsageError("--seconds " + format_number(o.seconds) + ": must be in (0, 60]");
    b.runs = static_cast<int>(o.runs);
    b.seconds = o.seconds;
    const BenchReport r = run_bench(b);
    const double memset_gbps = r.rows[0].gbps, dgenpy_gbps = r.rows[1].gbps;
    if (o.json) {
        nlohmann::json j;
        j["kernel"] = r.kernel;
        j["buffer_bytes"] = b.buffer;
        j["runs"] = b.runs;
        j["seconds_per_run"] = b.seconds;
        j["unit"] = "GB/s (1e9 bytes/s), median of runs; paired_ratio: median over rounds of "
                    "gbps / paired_vs's gbps in the same round";
        for (const BenchRow& row : r.rows)
            j["rows"].push_back({{"name", row.name},
                                 {"what", row.what},
                                 {"gbps", row.gbps},
                                 {"min_gbps", row.min_gbps},
                                 {"max_gbps", row.max_gbps},
                                 {"vs_memset", row.gbps / memset_gbps},
                                 {"vs_dgenpy", row.gbps / dgenpy_gbps},
                                 {"paired_vs", row.vs},
                                 {"paired_ratio", row.ratio}});
        std::printf("%s\n", j.dump(2).c_str());
        return;
    }
    std::printf("dgen bench: 1 thread, reused %s buffer, kernel %s, median of %d runs of %.2f s\n",
                format_size(b.buffer).c_str(), r.kernel.c_str(), b.runs, b.seconds);
    std::printf("GB/s = 10^9 bytes per second; paired: median of the per-round ratios to that row\n\n");
    std::printf("%-19s %8s %8s %8s %9s %9s  %-26s %s\n", "fill", "GB/s", "min", "max",
                "x memset", "x dgen-py", "paired", "what");
    for (const BenchRow& row : r.rows) {
        char paired[64] = "";
        if (!row.vs.empty()) std::snprintf(paired, sizeof paired, "%.2f x %s", row.ratio, row.vs.c_str());
        std::printf("%-19s %8.2f %8.2f %8.2f %9.2f %9.2f  %-26s %s\n", row.name.c_str(), row.gbps,
                    row.min_gbps, row.max_gbps, row.gbps / memset_gbps, row.gbps / dgenpy_gbps,
                    paired, row.what.c_str());
    }
}

}  // namespace

void add_bench(CLI::App& app) {
    auto o = std::make_shared<BenchCliOptions>();
    CLI::App* cmd = app.add_subcommand(
        "bench", "Generator speed vs memset and the dgen-py core loop (one thread); with "
                 "--per-node, one pinned worker group per NUMA node");
    add_size_option(*cmd, "--buffer", o->buffer,
                    "Buffer filled per call (multiple of 4 KiB); with --per-node, per worker")
        ->default_str("1MiB");
    add_u64_option(*cmd, "--runs", o->runs, 1, 1000, "Runs per figure (1..1000); the median is printed")
        ->default_str("5");
    add_real_option(*cmd, "--seconds", o->seconds, "Length of one run, seconds (0..60]")->default_str("0.25");
    cmd->add_option("--simd", o->simd, "Force a kernel: " + available_kernel_names())->type_name("KERNEL");
    cmd->add_flag("--json", o->json, "Print the figures as JSON");
    cmd->add_flag("--per-node", o->per_node,
                  "One worker group per NUMA node, pinned, node-local buffers; generates --size in total");
    cmd->add_flag("--show-plan", o->show_plan,
                  "With --per-node: print the placement plan (as dgenfs --show-plan) and run nothing");
    o->file.size = 32ull << 30;
    const KeyTarget file = KeyTarget::of(o->file), dataset = KeyTarget::of(o->dataset);
    add_key_option(*cmd, "--size", "size", file, "SIZE")
        ->description("With --per-node: bytes to generate over all nodes [config key size]")
        ->default_str("32GiB");
    add_key_option(*cmd, "--dedup", "dedup", file, "D")->description("With --per-node: dedup ratio D >= 1 [config key dedup]");
    add_key_option(*cmd, "--compress", "compress", file, "C")
        ->description("With --per-node: compression ratio C, 1 to 16 [config key compress]");
    add_key_option(*cmd, "--nodes", "numa_nodes", dataset, "LIST")
        ->description("With --per-node: NUMA nodes to use, e.g. 0,1, or all [config key numa_nodes]");
    add_key_option(*cmd, "--workers-per-node", "workers_per_node", dataset, "N")
        ->description("With --per-node: workers per node, or auto: one per usable core [config key workers_per_node]");
    cmd->callback([o, cmd] { run_bench_cmd(*o, *cmd); });
}

}  // namespace dgen::cli
