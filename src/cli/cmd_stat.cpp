// dgen stat: a mount's read rates, one line per interval, like `iostat 1`, from its
// MOUNTPOINT/.dgen/stats.json (docs/dgenfs.md).
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common.h"
#include "dgen/values.h"

namespace dgen::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr double kMaxInterval = 86400;  // a day

struct StatOptions {
    std::string mountpoint;
    double interval = 0;  // 0: one line, since the mount
    uint64_t count = 0;   // 0: until interrupted (with an interval)
    bool json = false;
};

// MOUNTPOINT/.dgen/stats.json; with per_node_mount, MOUNTPOINT holds node<N> mounts that
// share one set of counters, and the first one's file is read.
std::string stats_file(const std::string& mountpoint) {
    struct stat st {};
    if (::stat(mountpoint.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw UsageError(quote_text(mountpoint) + " is not a directory (give a dgenfs MOUNTPOINT)");
    const std::string direct = mountpoint + "/.dgen/stats.json";
    if (::stat(direct.c_str(), &st) == 0) return direct;
    std::error_code ec;
    std::vector<std::string> nodes;
    for (const auto& e : std::filesystem::directory_iterator(mountpoint, ec))
        if (e.path().filename().string().rfind("node", 0) == 0) nodes.push_back(e.path().string() + "/.dgen/stats.json");
    std::sort(nodes.begin(), nodes.end());
    for (const std::string& n : nodes)
        if (::stat(n.c_str(), &st) == 0) return n;
    throw std::runtime_error(mountpoint + " is not a dgenfs mount: it has no .dgen/stats.json");
}

Json read_stats(const std::string& path) {
    std::ifstream f(path);
    std::stringstream text;
    text << f.rdbuf();
    if (!f) throw std::runtime_error("cannot read " + path);
    try {
        return Json::parse(text.str());
    } catch (const Json::exception& e) {
        throw std::runtime_error(path + ": not the JSON dgenfs writes: " + e.what());
    }
}

// Bytes and requests of each node, from a snapshot.
std::map<int, std::pair<uint64_t, uint64_t>> per_node(const Json& s) {
    std::map<int, std::pair<uint64_t, uint64_t>> m;
    for (const Json& n : s.at("nodes")) m[n.at("node").get<int>()] = {n.at("bytes").get<uint64_t>(), n.at("requests").get<uint64_t>()};
    return m;
}

std::string clock_now() {
    const std::time_t t = std::time(nullptr);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", std::localtime(&t));
    return buf;
}

// One line: the rates between two snapshots (`before` null: since the mount).
void print_line(const StatOptions& o, const Json* before, const Json& now) {
    const double t0 = before ? before->at("uptime_seconds").get<double>() : 0.0;
    const double dt = std::max(1e-9, now.at("uptime_seconds").get<double>() - t0);
    const auto delta = [&](const char* key) {
        return now.at("totals").at(key).get<uint64_t>() - (before ? before->at("totals").at(key).get<uint64_t>() : 0);
    };
    const double gbps = delta("bytes") / dt / 1e9, iops = delta("requests") / dt;
    const uint64_t in_flight = now.at("totals").at("in_flight").get<uint64_t>();
    const auto was = before ? per_node(*before) : std::map<int, std::pair<uint64_t, uint64_t>>{};
    if (o.json) {
        Json nodes = Json::array();
        for (const auto& [node, v] : per_node(now)) {
            const auto w = was.count(node) ? was.at(node) : std::pair<uint64_t, uint64_t>{0, 0};
            nodes.push_back({{"node", node}, {"gbps", (v.first - w.first) / dt / 1e9}, {"iops", (v.second - w.second) / dt}});
        }
        const Json line = {{"time", clock_now()}, {"seconds", dt}, {"gbps", gbps}, {"iops", iops},
                           {"in_flight", in_flight}, {"nodes", nodes}};
        std::printf("%s\n", line.dump().c_str());
    } else {
        std::printf("%-8s %9.3f %11.0f %9llu", clock_now().c_str(), gbps, iops, static_cast<unsigned long long>(in_flight));
        for (const auto& [node, v] : per_node(now)) {
            const uint64_t w = was.count(node) ? was.at(node).first : 0;
            std::printf(" %10.3f", (v.first - w) / dt / 1e9);
        }
        std::printf("\n");
    }
    std::fflush(stdout);
}

void run_stat(const StatOptions& o, const CLI::App& app) {
    if (app.count("--count") > 0 && o.interval <= 0)
        throw UsageError("--count needs INTERVAL: without one, dgen stat prints one line and exits");
    const std::string path = stats_file(o.mountpoint);
    Json before = read_stats(path);
    if (!o.json) {
        std::printf("%-8s %9s %11s %9s", "time", "GB/s", "IOPS", "in-flight");
        for (const auto& [node, v] : per_node(before)) std::printf(" %10s", ("node" + std::to_string(node) + " GB/s").c_str());
        std::printf("\n");
    }
    print_line(o, nullptr, before);  // the first line: since the mount, as iostat's
    if (o.interval <= 0) return;
    for (uint64_t n = 1; o.count == 0 || n < o.count; ++n) {
        std::this_thread::sleep_for(std::chrono::duration<double>(o.interval));
        Json now = read_stats(path);
        print_line(o, &before, now);
        before = std::move(now);
    }
}

}  // namespace

void add_stat(CLI::App& app) {
    auto o = std::make_shared<StatOptions>();
    CLI::App* cmd = app.add_subcommand(
        "stat", "A dgenfs mount's read rates (GB/s, IOPS, requests in flight, per node), "
                "one line per INTERVAL; the first line covers the time since the mount");
    cmd->add_option("mountpoint", o->mountpoint, "A dgenfs MOUNTPOINT")->type_name("MOUNTPOINT")->required();
    // The config's grammar for reals (values.h), not strtod: it took "inf" (a sleep that
    // never ends) and hex floats. At most a day: chrono's sleep overflows on huge values.
    cmd->add_option_function<std::string>(
           "interval",
           [o](const std::string& v) {
               std::string e;
               const auto d = parse_real(v, &e);
               if (!d || !(*d > 0) || *d > kMaxInterval)
                   throw CLI::ValidationError("interval", quote_text(v) + " is not a number of seconds > 0, "
                                                          "at most 86400 (decimal: 1, 0.5; no hex, inf or nan)");
               o->interval = *d;
           },
           "Seconds between lines, > 0, at most 86400 (default: print one line and exit)")
        ->type_name("INTERVAL");
    add_u64_option(*cmd, "--count", o->count, 1, UINT64_MAX, "Stop after N lines; needs INTERVAL (default: until interrupted)");
    cmd->add_flag("--json", o->json, "One JSON object per line instead of columns");
    cmd->callback([o, cmd] { run_stat(*o, *cmd); });
}

}  // namespace dgen::cli
