#include "daemon.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "dgen/size_parse.h"
#include "fs.h"
#include "workers.h"

namespace dgen::fs {
namespace {

// Signals and worker exits both wake the main thread through this pipe.
int g_wake[2] = {-1, -1};
std::atomic<int> g_signal{0};

void on_signal(int sig) {
    g_signal.store(sig);
    const char c = 's';
    (void)!::write(g_wake[1], &c, 1);
}

void on_worker_done(WorkerReport& r) {
    (void)r;
    const char c = 'w';
    (void)!::write(g_wake[1], &c, 1);
}

// Like libfuse: a signal the parent set to "ignore" stays ignored.
void install_signal_handlers() {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        sigaction(sig, nullptr, &old);
        if (old.sa_handler == SIG_IGN) continue;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, nullptr);
    }
    signal(SIGPIPE, SIG_IGN);
}

// "major:minor" of the filesystem mounted at `mountpoint`, from /proc/self/mountinfo
// (stat() on the mountpoint would wait for our own INIT reply).
std::string mount_device(const std::string& mountpoint) {
    char real[PATH_MAX];
    if (!realpath(mountpoint.c_str(), real)) return {};
    std::ifstream in("/proc/self/mountinfo");
    std::string line, found;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string id, parent, dev, root, point;
        f >> id >> parent >> dev >> root >> point;
        if (point == real) found = dev;  // the last mount on the path is ours
    }
    return found;
}

// Ends a connection whose mount is gone or busy, so every worker's read returns.
void abort_connection(const std::string& bdi) {
    const size_t colon = bdi.find(':');
    if (colon == std::string::npos) return;
    std::ofstream("/sys/fs/fuse/connections/" + bdi.substr(colon + 1) + "/abort") << "1\n";
}

PlanRequest plan_request(const DatasetConfig& d) {
    PlanRequest r;
    r.nodes = d.numa_nodes;
    r.workers_per_node = d.workers_per_node;
    r.pool_size = d.pool_size;
    r.buffer = d.max_read;
    r.per_node_mount = d.per_node_mount;
    return r;
}

bool load(const std::string& path, Config& config) {
    std::vector<ConfigError> errors;
    config = load_config(path, errors);
    if (errors.empty()) return true;
    for (const ConfigError& e : errors) std::fprintf(stderr, "dgenfs: %s\n", e.str().c_str());
    std::fprintf(stderr, "dgenfs: %zu error%s in %s; nothing mounted\n", errors.size(),
                 errors.size() == 1 ? "" : "s", path.c_str());
    return false;
}

struct SessionDeleter {
    void operator()(fuse_session* se) const { fuse_session_destroy(se); }
};

}  // namespace

int show_plan(const std::string& path) {
    Config config;
    if (!load(path, config)) return 2;
    const Topology topo = discover_topology();
    const Plan plan = make_plan(topo, plan_request(config.dataset));
    std::fputs(format_plan(plan, topo).c_str(), plan.error.empty() ? stdout : stderr);
    return plan.error.empty() ? 0 : 2;
}

int run_daemon(const DaemonOptions& o) {
    Config config;
    if (!load(o.config, config)) return 2;
    const Topology topo = discover_topology();
    const Plan plan = make_plan(topo, plan_request(config.dataset));
    if (!plan.error.empty()) {
        std::fprintf(stderr, "dgenfs: NUMA plan: %s; nothing mounted\n", plan.error.c_str());
        return 2;
    }
    const Namespace ns(config);

    // One mount for all groups, or one per group at MOUNTPOINT/node<N>.
    std::vector<std::string> points;
    if (plan.per_node_mount) {
        for (const NodeGroup& g : plan.groups) {
            const std::string p = o.mountpoint + "/node" + std::to_string(g.node);
            ::mkdir(p.c_str(), 0755);  // an existing one is fine; mounting reports real errors
            points.push_back(p);
        }
    } else {
        points.push_back(o.mountpoint);
    }
    std::vector<std::string> argv_s{"dgenfs", "-o",
        "fsname=dgenfs,subtype=dgenfs,default_permissions,max_read=" +
            std::to_string(config.dataset.max_read)};
    if (o.debug) argv_s.push_back("-d");
    argv_s.insert(argv_s.end(), o.fuse_args.begin(), o.fuse_args.end());

    std::vector<std::unique_ptr<Context>> contexts;
    std::vector<std::unique_ptr<fuse_session, SessionDeleter>> sessions;
    std::vector<Mount> mounts;
    auto unmount_all = [&] {
        for (size_t i = 0; i < sessions.size(); ++i) {
            fuse_session_unmount(sessions[i].get());
            abort_connection(contexts[i]->bdi);
        }
    };
    for (const std::string& point : points) {
        auto ctx = std::make_unique<Context>();
        ctx->ns = &ns;
        ctx->dataset = config.dataset;
        ctx->uid = getuid();
        ctx->gid = getgid();
        std::vector<char*> argv;
        for (std::string& s : argv_s) argv.push_back(s.data());
        fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
        std::unique_ptr<fuse_session, SessionDeleter> se(
            fuse_session_new(&args, &operations(), sizeof(fuse_lowlevel_ops), ctx.get()));
        fuse_opt_free_args(&args);
        if (!se || fuse_session_mount(se.get(), point.c_str()) != 0) {
            unmount_all();
            return 1;  // libfuse printed why (bad option, bad mountpoint, no /dev/fuse)
        }
        ctx->bdi = mount_device(point);
        mounts.push_back({point, se.get(), {}, ctx.get()});
        contexts.push_back(std::move(ctx));
        sessions.push_back(std::move(se));
    }
    size_t workers = 0;
    for (const NodeGroup& g : plan.groups) workers += g.workers.size();
    std::fprintf(stderr, "dgenfs: %s on %s: %llu files, %s, kernel %s, %s, %zu worker%s\n",
                 o.config.c_str(), o.mountpoint.c_str(),
                 static_cast<unsigned long long>(ns.total_files()),
                 format_size(ns.total_bytes()).c_str(), active_kernel().name,
                 config.dataset.direct_io ? "direct I/O" : "page cache", workers,
                 workers == 1 ? "" : "s");
    std::istringstream plan_lines(format_plan(plan, topo));
    for (std::string line; std::getline(plan_lines, line);) std::fprintf(stderr, "dgenfs: %s\n", line.c_str());

    // Threads do not survive fork: daemonize before INIT and before any worker starts.
    if (!o.foreground && fuse_daemonize(0) != 0) {
        unmount_all();
        return 1;
    }
    if (::pipe2(g_wake, O_CLOEXEC) != 0) {
        unmount_all();
        return 1;
    }
    install_signal_handlers();
    for (Mount& m : mounts) {
        std::string error;
        if (!answer_init(m, &error)) {
            std::fprintf(stderr, "dgenfs: %s: %s\n", m.mountpoint.c_str(), error.c_str());
            unmount_all();
            return 1;
        }
    }

    // Workers: pools first (reserved, bound, untouched), then threads with signals blocked
    // so that only this thread handles them.
    std::vector<std::unique_ptr<NodePool>> pools;
    for (const NodeGroup& g : plan.groups) {
        pools.push_back(std::make_unique<NodePool>(g.node, g.pool_size));
        if (!pools.back()->warning().empty())
            std::fprintf(stderr, "dgenfs: node %u pool: %s\n", g.node, pools.back()->warning().c_str());
    }
    sigset_t block, old;
    sigemptyset(&block);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, sig);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    std::vector<WorkerReport> reports(workers);
    std::vector<std::thread> threads;
    size_t k = 0;
    for (unsigned gi = 0; gi < plan.groups.size(); ++gi) {
        const NodeGroup& g = plan.groups[gi];
        const Mount& m = mounts[plan.per_node_mount ? gi : 0];
        for (unsigned wi = 0; wi < g.workers.size(); ++wi, ++k)
            threads.emplace_back(run_worker, std::cref(m), std::cref(g), gi, wi,
                                 std::cref(*pools[gi]), config.dataset.max_read,
                                 std::ref(reports[k]), on_worker_done);
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);

    // Wait for a signal, or for a worker to stop (its mount was unmounted or aborted).
    for (;;) {
        pollfd p{g_wake[0], POLLIN, 0};
        if (::poll(&p, 1, -1) < 0 && errno == EINTR) continue;
        char c = 0;
        if (::read(g_wake[0], &c, 1) == 1) break;
    }
    const int sig = g_signal.load();
    unmount_all();
    for (std::thread& t : threads) t.join();
    bool failed = false;
    for (const WorkerReport& r : reports) {
        if (r.error.empty()) continue;
        failed = true;
        std::fprintf(stderr, "dgenfs: worker %u.%u: %s\n", r.group, r.index, r.error.c_str());
    }
    (void)sig;  // a signal or an unmount: both are a clean stop
    return failed ? 1 : 0;
}

}  // namespace dgen::fs
