// dgen bench: generator speed vs memset and the dgen-py core loop, side by side, one thread.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "common.h"
#include "dgen/bench.h"
#include "dgen/kernel.h"
#include "dgen/size_parse.h"

namespace dgen::cli {
namespace {

struct BenchCliOptions {
    std::string buffer = "1MiB";
    int runs = 5;
    double seconds = 0.25;
    std::string simd;
    bool json = false;
};

void run_bench_cmd(const BenchCliOptions& o) {
    if (!o.simd.empty() && !force_kernel(o.simd))
        throw UsageError("--simd " + o.simd + ": unknown or unsupported here (available: " +
                         available_kernel_names() + ")");
    BenchOptions b;
    b.buffer = parse_size_or_throw(o.buffer, "--buffer");
    if (b.buffer < 4096 || b.buffer > (1ull << 30) || b.buffer % 4096 != 0)
        throw UsageError("--buffer " + o.buffer + ": must be a multiple of 4 KiB, up to 1 GiB");
    if (o.runs < 1 || o.runs > 1000) throw UsageError("--runs must be 1..1000");
    if (!(o.seconds > 0 && o.seconds <= 60)) throw UsageError("--seconds must be in (0, 60]");
    b.runs = o.runs;
    b.seconds = o.seconds;
    const BenchReport r = run_bench(b);
    const double memset_gbps = r.rows[0].gbps, dgenpy_gbps = r.rows[1].gbps;
    if (o.json) {
        nlohmann::json j;
        j["kernel"] = r.kernel;
        j["buffer_bytes"] = b.buffer;
        j["runs"] = b.runs;
        j["seconds_per_run"] = b.seconds;
        j["unit"] = "GB/s (1e9 bytes/s), median of runs";
        for (const BenchRow& row : r.rows)
            j["rows"].push_back({{"name", row.name},
                                 {"what", row.what},
                                 {"gbps", row.gbps},
                                 {"min_gbps", row.min_gbps},
                                 {"max_gbps", row.max_gbps},
                                 {"vs_memset", row.gbps / memset_gbps},
                                 {"vs_dgenpy", row.gbps / dgenpy_gbps}});
        std::printf("%s\n", j.dump(2).c_str());
        return;
    }
    std::printf("dgen bench: 1 thread, reused %s buffer, kernel %s, median of %d runs of %.2f s\n",
                format_size(b.buffer).c_str(), r.kernel.c_str(), b.runs, b.seconds);
    std::printf("GB/s = 10^9 bytes per second\n\n");
    std::printf("%-18s %9s %9s %9s %10s %10s  %s\n", "fill", "GB/s", "min", "max", "x memset",
                "x dgen-py", "what");
    for (const BenchRow& row : r.rows)
        std::printf("%-18s %9.2f %9.2f %9.2f %10.2f %10.2f  %s\n", row.name.c_str(), row.gbps,
                    row.min_gbps, row.max_gbps, row.gbps / memset_gbps, row.gbps / dgenpy_gbps,
                    row.what.c_str());
}

}  // namespace

void add_bench(CLI::App& app) {
    auto o = std::make_shared<BenchCliOptions>();
    CLI::App* cmd = app.add_subcommand(
        "bench", "Generator speed vs memset and the dgen-py core loop (one thread)");
    cmd->add_option("--buffer", o->buffer, "Buffer filled per call (multiple of 4 KiB)")
        ->type_name("SIZE")
        ->capture_default_str();
    cmd->add_option("--runs", o->runs, "Runs per figure; the median is printed")->type_name("N")->capture_default_str();
    cmd->add_option("--seconds", o->seconds, "Length of one run, seconds")->type_name("S")->capture_default_str();
    cmd->add_option("--simd", o->simd, "Force a kernel: " + available_kernel_names())->type_name("KERNEL");
    cmd->add_flag("--json", o->json, "Print the figures as JSON");
    cmd->callback([o] { run_bench_cmd(*o); });
}

}  // namespace dgen::cli
