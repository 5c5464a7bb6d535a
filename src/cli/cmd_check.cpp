// dgen check: the ratio oracle. Generates the stream, hashes its units and compresses the
// distinct ones with the real libraries; prints achieved vs target with pass/fail.
#include <cmath>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "common.h"
#include "dgen/oracle.h"
#include "dgen/values.h"

namespace dgen::cli {
namespace {

struct CheckOptions {
    StreamOptions stream;
    uint64_t sample = 0;  // 0: the whole stream
    bool json = false;
};

const char* verdict(bool applies, bool pass) { return !applies ? "n/a" : pass ? "pass" : "FAIL"; }

void print_table(const CheckReport& r) {
    const StreamParams& p = r.params;
    std::printf("dgen check: format dgen%d, seed %llu, stream '%s', size %s, unit %s, dedup_run %s, "
                "D %s, C %s\n",
                p.format, static_cast<unsigned long long>(p.seed), p.name.c_str(),
                format_size(p.size).c_str(), format_size(p.unit).c_str(),
                format_size(p.run_units() * p.unit).c_str(), format_number(p.dedup).c_str(),
                format_number(p.compress).c_str());
    if (!p.host.empty()) std::printf("host identity '%s' (mixed into the seed)\n", p.host.c_str());
    std::printf("kernel %s; sample %s (%llu units, %llu runs); compression measured on the distinct units\n\n",
                r.kernel.c_str(), format_size(r.sample).c_str(),
                static_cast<unsigned long long>(r.dedup.units), static_cast<unsigned long long>(r.dedup.runs));
    const DedupCheck& d = r.dedup;
    const char* why = d.applies ? "" : " (the promise holds from 10000 runs, or over whole windows)";
    auto row = [&](const char* what, uint64_t n, uint64_t distinct, double ratio) {
        const bool pass = std::fabs(ratio / d.target - 1.0) <= d.tolerance;
        std::printf("%-10s %10llu %10llu %9.4f %9.4f %5.0f%%  %s%s\n", what,
                    static_cast<unsigned long long>(n), static_cast<unsigned long long>(distinct),
                    ratio, d.target, d.tolerance * 100, verdict(d.applies, pass), why);
    };
    std::printf("%-10s %10s %10s %9s %9s %6s  %s\n", "dedup", "count", "distinct", "achieved",
                "target", "tol", "result");
    row("units", d.units, d.distinct, d.ratio);
    if (d.run_units > 1) row("runs", d.runs, d.distinct_runs, d.run_ratio);
    std::printf("\n");
    std::printf("%-10s %-7s %12s %12s %9s %9s %6s  %s\n", "compressor", "chunk", "input", "output",
                "achieved", "target", "tol", "result");
    for (const CompressCheck& c : r.compress)
        std::printf("%-10s %-7s %12llu %12llu %9.4f %9.4f %5.0f%%  %s\n", c.compressor.c_str(),
                    c.chunk.c_str(), static_cast<unsigned long long>(c.input),
                    static_cast<unsigned long long>(c.output), c.ratio, c.target,
                    c.tolerance * 100, verdict(true, c.pass));
    std::printf("\noverall: %s\n", r.pass ? "pass" : "FAIL");
}

nlohmann::json to_json(const CheckReport& r) {
    const StreamParams& p = r.params;
    nlohmann::json j;
    j["format"] = "dgen" + std::to_string(p.format);
    j["params"] = {{"seed", p.seed},   {"stream", p.name},   {"size", p.size},
                   {"unit", p.unit},   {"dedup_run", p.run_units() * p.unit},
                   {"dedup", p.dedup}, {"compress", p.compress}, {"host", p.host}};
    j["kernel"] = r.kernel;
    j["sample_bytes"] = r.sample;
    const DedupCheck& d = r.dedup;
    j["dedup"] = {{"units", d.units},         {"distinct", d.distinct},
                  {"achieved", d.ratio},      {"run_units", d.run_units},
                  {"runs", d.runs},           {"distinct_runs", d.distinct_runs},
                  {"run_achieved", d.run_ratio}, {"target", d.target},
                  {"tolerance", d.tolerance}, {"applies", d.applies},
                  {"pass", d.pass}};
    j["compress"] = nlohmann::json::array();
    for (const CompressCheck& c : r.compress)
        j["compress"].push_back({{"compressor", c.compressor}, {"chunk", c.chunk},
                                 {"input_bytes", c.input},     {"output_bytes", c.output},
                                 {"achieved", c.ratio},        {"target", c.target},
                                 {"tolerance", c.tolerance},   {"pass", c.pass}});
    j["pass"] = r.pass;
    return j;
}

void run_check_cmd(const CheckOptions& o, const CLI::App& app) {
    o.stream.apply_simd();
    std::unique_ptr<FileSource> src = o.stream.open_config_file(app);
    if (src && !src->stream())
        throw UsageError(quote_text(o.stream.path) + " is a pattern = zero file: nothing to check");
    if (src && src->stream()->member())
        throw UsageError(quote_text(o.stream.path) + " belongs to a [set], whose dedup domain is the "
                         "whole set; check a [file], or the set's parameters as a standalone stream");
    const StreamParams p = src ? src->stream()->params() : o.stream.params(app);
    const uint64_t sample = o.sample;
    const uint64_t run = p.run_units() * p.unit;
    if (std::min(sample == 0 ? p.size : sample, p.size) < run)
        throw UsageError("the stream or sample must hold at least one whole " +
                         std::string(run > p.unit ? "dedup run (" : "unit (") + format_size(run) + ")");
    const uint64_t units = std::min(sample == 0 ? p.size : sample, p.size) / run * p.run_units();
    if (units > kMaxCheckUnits)
        throw UsageError("the " + std::string(sample == 0 ? "stream" : "sample") + " holds " +
                         std::to_string(units) + " units; a check keeps a hash of every unit in memory "
                         "and takes at most " + std::to_string(kMaxCheckUnits) +
                         ": give --sample SIZE, at most " + format_size(kMaxCheckUnits * p.unit));
    const Stream own(p);
    const CheckReport r = run_check(src ? *src->stream() : own, sample);
    if (o.json)
        std::printf("%s\n", to_json(r).dump(2).c_str());
    else
        print_table(r);
    exit_status() = r.pass ? 0 : 1;
}

}  // namespace

void add_check(CLI::App& app) {
    auto o = std::make_shared<CheckOptions>();
    CLI::App* cmd = app.add_subcommand(
        "check", "Measure a stream's dedup and compression ratios against their targets\n"
                 "(exit 0 all pass, 1 a ratio out of tolerance, 2 usage error)");
    o->stream.add_to(*cmd, 64ull << 20);
    add_size_option(*cmd, "--sample", o->sample,
                    "Check only the first SIZE bytes (default, or 0: the whole stream);\n"
                    "at most 2^24 units (64 GiB of 4 KiB units)");
    cmd->add_flag("--json", o->json, "Print the report as JSON");
    cmd->callback([o, cmd] { run_check_cmd(*o, *cmd); });
}

}  // namespace dgen::cli
