// The renderers of /.dgen (src/fs/stats.h): histogram bucketing, Prometheus label
// escaping, and the text of stats.json and metrics for a fixed snapshot.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "stats.h"

namespace dgen::fs {
namespace {

TEST(Stats, Log2Buckets) {
    // bucket i: 2^(i-1) < v <= 2^i; bucket 0: v <= 1; the last: everything larger.
    const std::pair<uint64_t, size_t> rows[] = {
        {0, 0}, {1, 0}, {2, 1}, {3, 2}, {4, 2}, {5, 3}, {4096, 12}, {4097, 13},
        {1u << 20, 20}, {(1u << 20) + 1, 21}, {~0ull, 21},
    };
    for (const auto& [v, want] : rows) EXPECT_EQ(log2_bucket(v, kSizeBuckets), want) << v;
    EXPECT_EQ(log2_bucket(1u << 24, kLatencyBuckets), 24u);
    EXPECT_EQ(log2_bucket((1u << 24) + 1, kLatencyBuckets), 25u);
}

TEST(Stats, CountersFillTheBuckets) {
    ServedCounters c;
    c.set_groups(2);
    c.begin();
    c.add(4096, 4096, 1);
    c.add_latency(1500);  // 2 us
    c.end();
    c.begin();
    c.add(1 << 20, 100, 0);
    c.add_latency(500);  // 1 us
    EXPECT_EQ(c.bytes.load(), 4196u);
    EXPECT_EQ(c.reads.load(), 2u);
    EXPECT_EQ(c.started.load() - c.finished.load(), 1u);
    EXPECT_EQ(c.sizes[12].load(), 1u);
    EXPECT_EQ(c.sizes[20].load(), 1u);
    EXPECT_EQ(c.latency[0].load(), 1u);
    EXPECT_EQ(c.latency[1].load(), 1u);
    EXPECT_EQ(c.groups[1].bytes.load(), 4096u);
    EXPECT_EQ(c.groups[0].requests.load(), 1u);
}

TEST(Stats, PrometheusLabelEscaping) {
    EXPECT_EQ(prometheus_label("plain/path.bin"), "plain/path.bin");
    EXPECT_EQ(prometheus_label("a\\b"), "a\\\\b");
    EXPECT_EQ(prometheus_label("say \"hi\""), "say \\\"hi\\\"");
    EXPECT_EQ(prometheus_label("two\nlines"), "two\\nlines");
}

Snapshot sample() {
    Snapshot s;
    s.info = {"0.1.0", "scalar", "classic /dev/fuse", "/etc/dgenfs/a.ini", {"/mnt/dgen"}};
    s.uptime_seconds = 2.5;
    s.groups = {{"odd \"q\".bin", false}, {"many", true}};
    WorkerSnapshot w;
    w.node = 0;
    w.worker = 1;
    w.bytes = 5000;
    w.requests = 3;
    w.in_flight = 1;
    w.size_sum = 12288;
    w.latency_ns = 3000;
    w.sizes.assign(kSizeBuckets, 0);
    w.sizes[12] = 3;
    w.latency.assign(kLatencyBuckets, 0);
    w.latency[0] = 2;
    w.latency[1] = 1;
    w.group_bytes = {4096, 904};
    w.group_requests = {1, 2};
    s.workers.push_back(w);
    WorkerSnapshot fallback;  // the mount thread: nothing served
    fallback.sizes.assign(kSizeBuckets, 0);
    fallback.latency.assign(kLatencyBuckets, 0);
    fallback.group_bytes = {0, 0};
    fallback.group_requests = {0, 0};
    s.workers.push_back(fallback);
    s.verify.bytes_checked = 10;
    s.verify.recent.push_back({"odd \"q\".bin", 4, 2, "corrupt", ""});
    return s;
}

TEST(Stats, PrometheusText) {
    const std::string text = render_prometheus(sample());
    // Each block below is pinned as a whole.
    const char* blocks[] = {
        "# HELP dgenfs_build_info The daemon's version, generator kernel, transport and config (always 1).\n"
        "# TYPE dgenfs_build_info gauge\n"
        "dgenfs_build_info{version=\"0.1.0\",kernel=\"scalar\",transport=\"classic /dev/fuse\",config=\"/etc/dgenfs/a.ini\"} 1\n"
        "# HELP dgenfs_mountpoint_info Each mountpoint the daemon serves (always 1).\n"
        "# TYPE dgenfs_mountpoint_info gauge\n"
        "dgenfs_mountpoint_info{mountpoint=\"/mnt/dgen\"} 1\n"
        "# HELP dgenfs_uptime_seconds Seconds since the dataset was mounted.\n"
        "# TYPE dgenfs_uptime_seconds gauge\n"
        "dgenfs_uptime_seconds 2.5\n",
        "# TYPE dgenfs_read_bytes_total counter\n"
        "dgenfs_read_bytes_total{set=\"odd \\\"q\\\".bin\",node=\"0\",worker=\"1\"} 4096\n"
        "dgenfs_read_bytes_total{set=\"many\",node=\"0\",worker=\"1\"} 904\n"
        "# HELP dgenfs_read_requests_total",
        "dgenfs_read_requests_total{set=\"many\",node=\"0\",worker=\"1\"} 2\n"
        "# HELP dgenfs_read_in_flight Read requests a worker has begun and not yet answered.\n"
        "# TYPE dgenfs_read_in_flight gauge\n"
        "dgenfs_read_in_flight{node=\"0\",worker=\"1\"} 1\n"
        "dgenfs_read_in_flight{node=\"none\",worker=\"mount\"} 0\n",
        "dgenfs_read_size_bytes_bucket{node=\"0\",worker=\"1\",le=\"2048\"} 0\n"
        "dgenfs_read_size_bytes_bucket{node=\"0\",worker=\"1\",le=\"4096\"} 3\n",
        "dgenfs_read_size_bytes_bucket{node=\"0\",worker=\"1\",le=\"1048576\"} 3\n"
        "dgenfs_read_size_bytes_bucket{node=\"0\",worker=\"1\",le=\"+Inf\"} 3\n"
        "dgenfs_read_size_bytes_sum{node=\"0\",worker=\"1\"} 12288\n"
        "dgenfs_read_size_bytes_count{node=\"0\",worker=\"1\"} 3\n",
        "dgenfs_read_latency_seconds_bucket{node=\"0\",worker=\"1\",le=\"0.000001\"} 2\n"
        "dgenfs_read_latency_seconds_bucket{node=\"0\",worker=\"1\",le=\"0.000002\"} 3\n",
        "dgenfs_read_latency_seconds_bucket{node=\"0\",worker=\"1\",le=\"16.777216\"} 3\n"
        "dgenfs_read_latency_seconds_bucket{node=\"0\",worker=\"1\",le=\"+Inf\"} 3\n"
        "dgenfs_read_latency_seconds_sum{node=\"0\",worker=\"1\"} 0.000003\n"
        "dgenfs_read_latency_seconds_count{node=\"0\",worker=\"1\"} 3\n",
        "# TYPE dgenfs_verify_bytes_checked_total counter\n"
        "dgenfs_verify_bytes_checked_total 10\n",
        "dgenfs_verify_files{state=\"verified\"} 0\n"
        "dgenfs_verify_files{state=\"mismatched\"} 0\n"
        "dgenfs_verify_files{state=\"partial\"} 0\n",
    };
    for (const char* b : blocks) EXPECT_NE(text.find(b), std::string::npos) << "missing:\n" << b << "\nin:\n" << text;
    EXPECT_EQ(text.rfind("dgenfs_build_info", 0), std::string::npos);  // HELP comes first
    EXPECT_EQ(text.find("set=\"many\",node=\"none\""), std::string::npos);  // no zero pairs
    EXPECT_EQ(text.back(), '\n');
}

TEST(Stats, JsonShape) {
    const auto j = nlohmann::ordered_json::parse(render_json(sample()));
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"version", "config", "mountpoints", "kernel", "transport",
                                              "uptime_seconds", "totals", "sets", "nodes", "workers",
                                              "mount_thread", "read_size_bytes", "read_latency_seconds",
                                              "verify"}));
    EXPECT_EQ(j["totals"].dump(), R"({"bytes":5000,"requests":3,"in_flight":1})");
    EXPECT_EQ(j["sets"].dump(),
              R"([{"name":"odd \"q\".bin","kind":"file","bytes":4096,"requests":1},)"
              R"({"name":"many","kind":"set","bytes":904,"requests":2}])");
    EXPECT_EQ(j["nodes"].dump(), R"([{"node":0,"bytes":5000,"requests":3,"in_flight":1}])");
    EXPECT_EQ(j["workers"].dump(), R"([{"node":0,"worker":1,"bytes":5000,"requests":3,"in_flight":1}])");
    EXPECT_EQ(j["mount_thread"].dump(), R"({"bytes":0,"requests":0,"in_flight":0})");
    EXPECT_EQ(j["read_size_bytes"]["buckets"][12].dump(), R"({"le":4096.0,"count":3})");
    EXPECT_EQ(j["read_size_bytes"]["buckets"][21].dump(), R"({"le":"+Inf","count":0})");
    EXPECT_EQ(j["read_size_bytes"]["count"], 3);
    EXPECT_EQ(j["read_latency_seconds"]["buckets"][1].dump(), R"({"le":2e-06,"count":1})");
    EXPECT_EQ(j["verify"]["recent"].dump(),
              R"([{"path":"odd \"q\".bin","offset":4,"length":2,"kind":"corrupt","detail":""}])");
    EXPECT_EQ(j["verify"]["bytes_checked"], 10);
}

}  // namespace
}  // namespace dgen::fs
