#include "stats.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include <nlohmann/json.hpp>

#include "dgen/values.h"

namespace dgen::fs {

size_t log2_bucket(uint64_t value, size_t buckets) {
    const size_t b = value <= 1 ? 0 : static_cast<size_t>(std::bit_width(value - 1));
    return b < buckets - 1 ? b : buckets - 1;
}

void ServedCounters::set_groups(size_t count) {
    groups.reset(new GroupCounters[count]);
    group_count = count;
}

void ServedCounters::add(size_t size, size_t n, uint32_t group) {
    bump(bytes, n);
    bump(reads, 1);
    bump(size_sum, size);
    bump(sizes[log2_bucket(size, kSizeBuckets)], 1);
    if (group < group_count) {
        bump(groups[group].bytes, n);
        bump(groups[group].requests, 1);
    }
}

void ServedCounters::add_latency(uint64_t ns) {
    bump(latency_ns, ns);
    bump(latency[log2_bucket((ns + 999) / 1000, kLatencyBuckets)], 1);  // in whole microseconds
}

Stats::Stats(StatsInfo info, std::vector<FileGroup> groups)
    : info_(std::move(info)), groups_(std::move(groups)), started_(std::chrono::steady_clock::now()),
      fallback_(std::make_unique<ServedCounters>()) {
    fallback_->shared = true;
    fallback_->set_groups(groups_.size());
}

void Stats::add_worker(unsigned node, unsigned index, ServedCounters* counters) {
    counters->set_groups(groups_.size());
    std::lock_guard<std::mutex> g(lock_);
    slots_.push_back({node, index, counters});
}

void Stats::add_queue(unsigned node, unsigned cpu, ServedCounters* counters, const std::atomic<uint64_t>* own_cpu,
                      const std::atomic<uint64_t>* other_cpu) {
    counters->set_groups(groups_.size());
    std::lock_guard<std::mutex> g(lock_);
    slots_.push_back({node, 0, counters, static_cast<int>(cpu), own_cpu, other_cpu});
}

namespace {

template <size_t N>
std::vector<uint64_t> load_all(const std::array<std::atomic<uint64_t>, N>& a) {
    std::vector<uint64_t> v;
    for (const auto& x : a) v.push_back(x.load(std::memory_order_relaxed));
    return v;
}

WorkerSnapshot copy(const ServedCounters& c, int node, int worker) {
    constexpr auto r = std::memory_order_relaxed;
    WorkerSnapshot w;
    w.node = node;
    w.worker = worker;
    // finished before started: a request that begins meanwhile is in flight, never negative.
    const uint64_t finished = c.finished.load(r);
    w.in_flight = c.started.load(r) - finished;
    w.bytes = c.bytes.load(r);
    w.requests = c.reads.load(r);
    w.size_sum = c.size_sum.load(r);
    w.latency_ns = c.latency_ns.load(r);
    w.sizes = load_all(c.sizes);
    w.latency = load_all(c.latency);
    for (size_t i = 0; i < c.group_count; ++i) {
        w.group_bytes.push_back(c.groups[i].bytes.load(r));
        w.group_requests.push_back(c.groups[i].requests.load(r));
    }
    return w;
}

}  // namespace

void Stats::set_transport(std::string transport) {
    std::lock_guard<std::mutex> g(lock_);
    info_.transport = std::move(transport);
}

Snapshot Stats::snapshot() const {
    Snapshot s;
    s.groups = groups_;
    s.uptime_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    {
        std::lock_guard<std::mutex> g(lock_);
        s.info = info_;
        for (const Slot& slot : slots_) {
            s.workers.push_back(copy(*slot.counters, static_cast<int>(slot.node),
                                     slot.queue < 0 ? static_cast<int>(slot.index) : -1));
            if (slot.queue < 0) continue;
            s.workers.back().queue = slot.queue;
            s.workers.back().own_cpu = slot.own_cpu->load(std::memory_order_relaxed);
            s.workers.back().other_cpu = slot.other_cpu->load(std::memory_order_relaxed);
        }
    }
    s.workers.push_back(copy(*fallback_, -1, -1));
    if (verify_totals) s.verify = verify_totals();
    return s;
}

// --- Rendering ------------------------------------------------------------------------

namespace {

using Json = nlohmann::ordered_json;

// The upper bound of histogram bucket i, as a number: sizes in bytes, latencies in seconds.
double size_bound(size_t i) { return std::ldexp(1.0, static_cast<int>(i)); }
double latency_bound(size_t i) { return std::ldexp(1e-6, static_cast<int>(i)); }

Json histogram_json(const std::vector<uint64_t>& counts, double (*bound)(size_t), double sum) {
    Json buckets = Json::array();
    uint64_t total = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        Json le = i + 1 < counts.size() ? Json(bound(i)) : Json("+Inf");
        buckets.push_back({{"le", le}, {"count", counts[i]}});
        total += counts[i];
    }
    return {{"buckets", buckets}, {"sum", sum}, {"count", total}};
}

// The sums over every worker, the fallback slot included.
struct Totals {
    uint64_t bytes = 0, requests = 0, in_flight = 0, size_sum = 0, latency_ns = 0;
    std::vector<uint64_t> sizes = std::vector<uint64_t>(kSizeBuckets);
    std::vector<uint64_t> latency = std::vector<uint64_t>(kLatencyBuckets);
    void add(const WorkerSnapshot& w) {
        bytes += w.bytes;
        requests += w.requests;
        in_flight += w.in_flight;
        size_sum += w.size_sum;
        latency_ns += w.latency_ns;
        for (size_t i = 0; i < w.sizes.size() && i < sizes.size(); ++i) sizes[i] += w.sizes[i];
        for (size_t i = 0; i < w.latency.size() && i < latency.size(); ++i) latency[i] += w.latency[i];
    }
    Json counts() const { return {{"bytes", bytes}, {"requests", requests}, {"in_flight", in_flight}}; }
};

Json verify_json(const VerifyTotals& v) {
    Json recent = Json::array();
    for (const VerifyMismatch& m : v.recent)
        recent.push_back({{"path", m.path}, {"offset", m.offset}, {"length", m.length},
                          {"kind", m.kind}, {"detail", m.detail}});
    return {{"bytes_checked", v.bytes_checked}, {"bytes_bad", v.bytes_bad}, {"writes", v.writes},
            {"writes_failed", v.writes_failed}, {"files_verified", v.files_verified},
            {"files_mismatched", v.files_mismatched}, {"files_partial", v.files_partial},
            {"recent", recent}};
}

}  // namespace

std::string render_json(const Snapshot& s) {
    Totals all;
    std::vector<std::pair<int, Totals>> nodes;  // in first-seen order
    Json workers = Json::array();
    Json mount_thread;
    for (const WorkerSnapshot& w : s.workers) {
        all.add(w);
        Json one = {{"node", w.node}, {"worker", w.worker}, {"bytes", w.bytes},
                    {"requests", w.requests}, {"in_flight", w.in_flight}};
        if (w.queue >= 0) {  // an io_uring queue: named by its CPU, with where it answered
            one.erase("worker");
            one["queue"] = w.queue;
            one["own_cpu"] = w.own_cpu;
            one["other_cpu"] = w.other_cpu;
        }
        if (w.node < 0) {
            one.erase("node");
            one.erase("worker");
            mount_thread = one;
            continue;
        }
        workers.push_back(one);
        auto it = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.first == w.node; });
        if (it == nodes.end()) it = nodes.insert(nodes.end(), {w.node, Totals{}});
        it->second.add(w);
    }
    Json sets = Json::array();
    for (size_t g = 0; g < s.groups.size(); ++g) {
        uint64_t bytes = 0, requests = 0;
        for (const WorkerSnapshot& w : s.workers) {
            if (g < w.group_bytes.size()) bytes += w.group_bytes[g];
            if (g < w.group_requests.size()) requests += w.group_requests[g];
        }
        sets.push_back({{"name", s.groups[g].name}, {"kind", s.groups[g].set ? "set" : "file"},
                        {"bytes", bytes}, {"requests", requests}});
    }
    Json node_list = Json::array();
    for (const auto& [node, t] : nodes) {
        Json one = {{"node", node}};
        one.update(t.counts());
        node_list.push_back(one);
    }
    Json j = {
        {"version", s.info.version},
        {"config", s.info.config},
        {"mountpoints", s.info.mountpoints},
        {"kernel", s.info.kernel},
        {"transport", s.info.transport},
        {"uptime_seconds", s.uptime_seconds},
        {"totals", all.counts()},
        {"sets", sets},
        {"nodes", node_list},
        {"workers", workers},
        {"mount_thread", mount_thread.is_null() ? Totals{}.counts() : mount_thread},
        {"read_size_bytes", histogram_json(all.sizes, size_bound, static_cast<double>(all.size_sum))},
        {"read_latency_seconds", histogram_json(all.latency, latency_bound, all.latency_ns / 1e9)},
        {"verify", verify_json(s.verify)},
    };
    return j.dump(2) + "\n";
}

std::string prometheus_label(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

namespace {

class Exposition {
public:
    void family(const char* name, const char* type, const char* help) {
        out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    }
    void sample(const std::string& name, const std::string& labels, const std::string& value) {
        out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + value + "\n";
    }
    void sample(const std::string& name, const std::string& labels, uint64_t value) {
        sample(name, labels, std::to_string(value));
    }
    // The _bucket (cumulative), _sum and _count lines of one histogram.
    void histogram(const std::string& name, const std::string& labels, const std::vector<uint64_t>& counts,
                   double (*bound)(size_t), double sum) {
        uint64_t cumulative = 0;
        const std::string comma = labels.empty() ? "" : labels + ",";
        for (size_t i = 0; i < counts.size(); ++i) {
            cumulative += counts[i];
            const std::string le = i + 1 < counts.size() ? format_number(bound(i)) : "+Inf";
            sample(name + "_bucket", comma + "le=\"" + le + "\"", cumulative);
        }
        sample(name + "_sum", labels, format_number(sum));
        sample(name + "_count", labels, cumulative);
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

std::string worker_labels(const WorkerSnapshot& w) {
    if (w.node < 0) return "node=\"none\",worker=\"mount\"";
    if (w.queue >= 0) return "node=\"" + std::to_string(w.node) + "\",worker=\"q" + std::to_string(w.queue) + "\"";
    return "node=\"" + std::to_string(w.node) + "\",worker=\"" + std::to_string(w.worker) + "\"";
}

}  // namespace

std::string render_prometheus(const Snapshot& s) {
    Exposition e;
    e.family("dgenfs_build_info", "gauge", "The daemon's version, generator kernel, transport and config (always 1).");
    e.sample("dgenfs_build_info",
             "version=\"" + prometheus_label(s.info.version) + "\",kernel=\"" + prometheus_label(s.info.kernel) +
                 "\",transport=\"" + prometheus_label(s.info.transport) + "\",config=\"" +
                 prometheus_label(s.info.config) + "\"",
             1);
    e.family("dgenfs_mountpoint_info", "gauge", "Each mountpoint the daemon serves (always 1).");
    for (const std::string& m : s.info.mountpoints)
        e.sample("dgenfs_mountpoint_info", "mountpoint=\"" + prometheus_label(m) + "\"", 1);
    e.family("dgenfs_uptime_seconds", "gauge", "Seconds since the dataset was mounted.");
    e.sample("dgenfs_uptime_seconds", "", format_number(s.uptime_seconds));

    // Per file set and worker: only the pairs that served a request.
    const auto per_set = [&](const char* name, const char* help, std::vector<uint64_t> WorkerSnapshot::*values) {
        e.family(name, "counter", help);
        for (const WorkerSnapshot& w : s.workers)
            for (size_t g = 0; g < s.groups.size() && g < w.group_requests.size(); ++g)
                if (w.group_requests[g] > 0)
                    e.sample(name, "set=\"" + prometheus_label(s.groups[g].name) + "\"," + worker_labels(w),
                             (w.*values)[g]);
    };
    per_set("dgenfs_read_bytes_total", "Bytes read, by file set ([file] path or [set] dir) and worker.",
            &WorkerSnapshot::group_bytes);
    per_set("dgenfs_read_requests_total", "Read requests answered, by file set and worker.",
            &WorkerSnapshot::group_requests);
    if (std::any_of(s.workers.begin(), s.workers.end(), [](const WorkerSnapshot& w) { return w.queue >= 0; })) {
        e.family("dgenfs_queue_requests_total", "counter",
                 "Requests of each io_uring queue (the CPU that issued them), by where they were answered: on that CPU, or not.");
        for (const WorkerSnapshot& w : s.workers) {
            if (w.queue < 0) continue;
            const std::string q = "queue=\"" + std::to_string(w.queue) + "\",";
            e.sample("dgenfs_queue_requests_total", q + "served=\"own_cpu\"", w.own_cpu);
            e.sample("dgenfs_queue_requests_total", q + "served=\"other_cpu\"", w.other_cpu);
        }
    }
    e.family("dgenfs_read_in_flight", "gauge", "Read requests a worker has begun and not yet answered.");
    for (const WorkerSnapshot& w : s.workers) e.sample("dgenfs_read_in_flight", worker_labels(w), w.in_flight);
    e.family("dgenfs_read_size_bytes", "histogram", "Sizes of the read requests, by worker.");
    for (const WorkerSnapshot& w : s.workers)
        e.histogram("dgenfs_read_size_bytes", worker_labels(w), w.sizes, size_bound, static_cast<double>(w.size_sum));
    e.family("dgenfs_read_latency_seconds", "histogram", "Time from a read request's arrival to its reply, by worker.");
    for (const WorkerSnapshot& w : s.workers)
        e.histogram("dgenfs_read_latency_seconds", worker_labels(w), w.latency, latency_bound, w.latency_ns / 1e9);

    const VerifyTotals& v = s.verify;
    e.family("dgenfs_verify_bytes_checked_total", "counter", "Bytes written to /.verify and compared.");
    e.sample("dgenfs_verify_bytes_checked_total", "", v.bytes_checked);
    e.family("dgenfs_verify_bad_bytes_total", "counter", "Bytes of the bad ranges of failed writes to /.verify.");
    e.sample("dgenfs_verify_bad_bytes_total", "", v.bytes_bad);
    e.family("dgenfs_verify_writes_total", "counter", "Writes to /.verify.");
    e.sample("dgenfs_verify_writes_total", "", v.writes);
    e.family("dgenfs_verify_failed_writes_total", "counter", "Writes to /.verify that did not match (answered EIO).");
    e.sample("dgenfs_verify_failed_writes_total", "", v.writes_failed);
    e.family("dgenfs_verify_files", "gauge", "Files written to /.verify, by state.");
    e.sample("dgenfs_verify_files", "state=\"verified\"", v.files_verified);
    e.sample("dgenfs_verify_files", "state=\"mismatched\"", v.files_mismatched);
    e.sample("dgenfs_verify_files", "state=\"partial\"", v.files_partial);
    return e.take();
}

}  // namespace dgen::fs
