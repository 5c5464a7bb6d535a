#include "dgen/bench_numa.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include "dgen/kernel.h"
#include "dgen/numa_place.h"
#include "dgen/values.h"
#include "dgen/stream.h"

namespace dgen {
namespace {

using Clock = std::chrono::steady_clock;

// Keeps the compiler from dropping fills whose result nobody reads.
inline void clobber(void* p) { __asm__ volatile("" : : "r"(p) : "memory"); }

enum class Placement { on_node, elsewhere, unknown };

// One worker's share of the run and what it saw.
struct WorkerRun {
    size_t group = 0;
    size_t index = 0;           // within its group
    const Worker* worker = nullptr;
    uint64_t offset = 0;        // its range of the stream
    uint64_t bytes = 0;
    uint8_t* buffer = nullptr;  // its slice of the group's pool
    std::string pin_error;
    Placement placement = Placement::unknown;
    std::string placement_problem;
    Clock::time_point end;
};

// Where the pages of a touched buffer are: all on `node`, one elsewhere, or unknown.
Placement check_placement(const uint8_t* p, size_t n, unsigned node, size_t page,
                          std::string* problem) {
    for (size_t off = 0; off < n; off += page) {
        const int on = node_of(p + off);
        if (on < 0) {
            *problem = "page placement unknown (get_mempolicy failed)";
            return Placement::unknown;
        }
        if (static_cast<unsigned>(on) != node) {
            *problem = "page at +" + std::to_string(off) + " on node " + std::to_string(on);
            return Placement::elsewhere;
        }
    }
    return Placement::on_node;
}

}  // namespace

std::string numa_bench_runnable(const Topology& topo, const Plan& plan) {
    if (!plan.error.empty()) return plan.error;
    if (topo.source != "this machine")
        return "the bench pins real threads and needs this machine's topology, not " + topo.source +
               " (unset HWLOC_SYNTHETIC and HWLOC_XMLFILE)";
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return {};  // pin_thread will say
    for (const NodeGroup& g : plan.groups)
        for (const Worker& w : g.workers)
            for (unsigned cpu : w.cpus)
                if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed))
                    return "the plan pins a worker of node " + std::to_string(g.node) + " to cpu " +
                           std::to_string(cpu) + ", which this process may not run on";
    return {};
}

NumaBenchSummary summarize(const std::vector<NumaBenchNode>& nodes) {
    NumaBenchSummary s;
    uint64_t bytes = 0;
    double gbps_sum = 0;
    for (const NumaBenchNode& n : nodes) {
        bytes += n.bytes;
        s.seconds = std::max(s.seconds, n.seconds);
        s.cores += n.cores;
        s.workers += n.workers;
        gbps_sum += n.gbps;
    }
    if (nodes.empty()) return s;
    if (s.seconds > 0) s.aggregate_gbps = static_cast<double>(bytes) / s.seconds / 1e9;
    if (s.cores > 0) s.per_core_gbps = s.aggregate_gbps / s.cores;
    s.per_node_avg_gbps = gbps_sum / static_cast<double>(nodes.size());
    // The seed study's "node variation": half the spread between the fastest and the
    // slowest node, relative to the average (its 4-node run: 32.49..31.74 of 32.27 = ±1.4%).
    if (s.per_node_avg_gbps > 0) {
        double lo = nodes[0].gbps, hi = nodes[0].gbps;
        for (const NumaBenchNode& n : nodes) {
            lo = std::min(lo, n.gbps);
            hi = std::max(hi, n.gbps);
        }
        s.node_variation_pct = (hi - lo) / 2 / s.per_node_avg_gbps * 100;
    }
    return s;
}

NumaBenchReport run_numa_bench(const Topology& topo, const Plan& plan, const NumaBenchOptions& o) {
    if (const std::string why = numa_bench_runnable(topo, plan); !why.empty())
        throw std::invalid_argument(why);
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    if (o.buffer == 0 || o.buffer % page != 0)
        throw std::invalid_argument("buffer " + format_size(o.buffer) +
                                    ": must be a multiple of the page size (" + format_size(page) + ")");
    if (o.bytes == 0) throw std::invalid_argument("size must be at least 1 byte");
    StreamParams sp;
    sp.size = o.bytes;
    sp.dedup = o.dedup;
    sp.compress = o.compress;
    const Stream stream(sp);  // validates; shared read-only by the workers

    NumaBenchReport rep;
    rep.kernel = active_kernel().name;
    rep.topology = topo.source;
    rep.topology_nodes = topo.nodes.size();
    rep.notes = plan.notes;
    rep.options = o;

    // SIZE split evenly over all workers, in plan order; the first (SIZE mod workers) get
    // one byte more. Consecutive workers take consecutive ranges of the stream.
    std::vector<WorkerRun> runs;
    for (size_t g = 0; g < plan.groups.size(); ++g)
        for (size_t i = 0; i < plan.groups[g].workers.size(); ++i) {
            WorkerRun& w = runs.emplace_back();
            w.group = g;
            w.index = i;
            w.worker = &plan.groups[g].workers[i];
        }
    if (runs.empty()) throw std::invalid_argument("the plan has no workers");
    const uint64_t share = o.bytes / runs.size(), extra = o.bytes % runs.size();
    uint64_t offset = 0;
    for (size_t k = 0; k < runs.size(); ++k) {
        runs[k].offset = offset;
        runs[k].bytes = share + (k < extra ? 1 : 0);
        offset += runs[k].bytes;
    }

    // One pool per group, bound to its node and left untouched: each worker touches its
    // own slice from its pinned thread.
    std::vector<std::unique_ptr<NodePool>> pools;
    for (const NodeGroup& g : plan.groups) {
        pools.push_back(std::make_unique<NodePool>(g.node, g.workers.size() * o.buffer));
        if (!pools.back()->warning().empty()) rep.warnings.push_back(pools.back()->warning());
    }
    for (WorkerRun& w : runs) w.buffer = pools[w.group]->slice(w.index, o.buffer);

    Clock::time_point t0;
    auto started = [&t0]() noexcept { t0 = Clock::now(); };
    std::barrier start(static_cast<std::ptrdiff_t>(runs.size()), started);
    std::vector<std::thread> threads;
    threads.reserve(runs.size());
    try {
        for (WorkerRun& w : runs) {
            threads.emplace_back([&w, &plan, &stream, &start, &o, page] {
                const unsigned node = plan.groups[w.group].node;
                w.pin_error = pin_thread(w.worker->cpus, node);  // first: pin, then touch
                std::memset(w.buffer, 0, o.buffer);
                w.placement = check_placement(w.buffer, o.buffer, node, page, &w.placement_problem);
                start.arrive_and_wait();
                for (uint64_t done = 0; done < w.bytes;) {
                    const size_t n = static_cast<size_t>(std::min<uint64_t>(o.buffer, w.bytes - done));
                    stream.read(w.offset + done, n, w.buffer);
                    clobber(w.buffer);
                    done += n;
                }
                w.end = Clock::now();
            });
        }
    } catch (...) {
        // A thread could not be started: let the ones waiting at the barrier go, then fail.
        for (size_t k = threads.size(); k < runs.size(); ++k) start.arrive_and_drop();
        for (std::thread& t : threads) t.join();
        throw;
    }
    for (std::thread& t : threads) t.join();

    for (const WorkerRun& w : runs)
        if (!w.pin_error.empty())
            throw std::runtime_error("could not pin a worker of node " +
                                     std::to_string(plan.groups[w.group].node) + " to cpus " +
                                     cpu_list(w.worker->cpus) + ": " + w.pin_error);

    for (size_t g = 0; g < plan.groups.size(); ++g) {
        const NodeGroup& group = plan.groups[g];
        NumaBenchNode n;
        n.node = group.node;
        n.workers = static_cast<unsigned>(group.workers.size());
        std::set<unsigned> cores;
        Clock::time_point last = t0;
        for (const WorkerRun& w : runs) {
            if (w.group != g) continue;
            cores.insert(w.worker->cpu_core);
            n.bytes += w.bytes;
            last = std::max(last, w.end);
            switch (w.placement) {
                case Placement::on_node: ++n.buffers.on_node; break;
                case Placement::elsewhere: ++n.buffers.elsewhere; break;
                case Placement::unknown: ++n.buffers.unknown; break;
            }
            if (w.placement != Placement::on_node)
                n.buffers.problems.push_back("worker " + std::to_string(w.index) + ": " +
                                             w.placement_problem);
        }
        n.cores = static_cast<unsigned>(cores.size());
        n.seconds = std::chrono::duration<double>(last - t0).count();
        if (n.seconds > 0) n.gbps = static_cast<double>(n.bytes) / n.seconds / 1e9;
        rep.nodes.push_back(std::move(n));
    }
    rep.summary = summarize(rep.nodes);
    return rep;
}

}  // namespace dgen
