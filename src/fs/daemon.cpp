#include "daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "dgen/values.h"
#include "fs.h"
#include "mount_guard.h"
#include "workers.h"

namespace dgen::fs {
namespace {

// Signals and worker events wake the main thread through this pipe.
int g_wake[2] = {-1, -1};
std::atomic<bool> g_stopping{false};

void on_signal(int) {
    const char c = 's';
    (void)!::write(g_wake[1], &c, 1);
}

void on_interrupt(int) {}  // SIGUSR1: only makes a worker's blocking read return EINTR

void notify_main(WorkerReport&, WorkerEvent e) {
    const char c = static_cast<char>(e);
    (void)!::write(g_wake[1], &c, 1);
}

// Like libfuse: a signal the parent set to "ignore" stays ignored. No SA_RESTART for
// SIGUSR1, so it interrupts a worker's read; the others only write to the pipe.
void install_signal_handlers() {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        sigaction(sig, nullptr, &old);
        if (old.sa_handler == SIG_IGN) continue;
        struct sigaction sa {};
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, nullptr);
    }
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

// Reads one event from the wake pipe, waiting at most `ms` (-1: forever); 0 on timeout.
char next_event(int ms) {
    for (;;) {
        pollfd p{g_wake[0], POLLIN, 0};
        const int n = ::poll(&p, 1, ms);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        char c = 0;
        if (::read(g_wake[0], &c, 1) == 1) return c;
    }
}

// Daemon mode without losing errors: fork before mounting; the parent waits on a pipe
// and exits with the status the child reports once it serves (or fails).
class Daemonizer {
public:
    // Returns false in the parent after it has collected `*exit_code`.
    bool start(int* exit_code) {
        if (::pipe2(pipe_, O_CLOEXEC) != 0) {
            *exit_code = 1;
            return false;
        }
        const pid_t pid = ::fork();
        if (pid < 0) {
            *exit_code = 1;
            return false;
        }
        if (pid > 0) {
            ::close(pipe_[1]);
            char status = 1;
            *exit_code = ::read(pipe_[0], &status, 1) == 1 ? status : 1;
            return false;
        }
        ::close(pipe_[0]);
        ::setsid();
        return true;
    }
    // In the child: tell the parent how it went; once serving, drop the terminal.
    void report(int status) {
        if (pipe_[1] < 0) return;
        const char c = static_cast<char>(status);
        (void)!::write(pipe_[1], &c, 1);
        ::close(pipe_[1]);
        pipe_[1] = -1;
        if (status != 0) return;
        (void)!::chdir("/");
        const int null = ::open("/dev/null", O_RDWR);
        for (int fd : {0, 1, 2}) ::dup2(null, fd);
        if (null > 2) ::close(null);
    }

private:
    int pipe_[2] = {-1, -1};
};

// "major:minor" of the mounted filesystem; stat() is safe once workers answer.
std::string mount_device(const std::string& mountpoint) {
    struct stat st {};
    if (::stat(mountpoint.c_str(), &st) != 0) return {};
    return std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
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

// The dataset, its plan and the mounts; everything the worker threads refer to lives here
// and outlives them.
class Server {
public:
    Server(const DaemonOptions& o, const Config& config, const Plan& plan, const Topology& topo)
        : o_(o), config_(config), plan_(plan), topo_(topo), ns_(config) {}
    ~Server() { stop(); }

    // Mount every mountpoint; false (and everything undone) on failure.
    bool mount(const std::vector<std::string>& points);
    // Answer INIT, start the workers, wait until each serves. Returns an exit code
    // (0 = serving).
    int start();
    // Serve until a signal, or until a mount goes away; then stop. Returns the exit code.
    int serve();

private:
    void stop();

    const DaemonOptions& o_;
    const Config& config_;
    const Plan& plan_;
    const Topology& topo_;
    const Namespace ns_;
    std::vector<std::string> args_;
    std::vector<std::unique_ptr<Context>> contexts_;
    std::vector<std::unique_ptr<fuse_session, SessionDeleter>> sessions_;
    std::vector<Mount> mounts_;
    std::vector<std::unique_ptr<NodePool>> pools_;
    std::vector<std::unique_ptr<WorkerReport>> reports_;
    std::vector<std::thread> threads_;
    size_t done_ = 0;
    bool stopped_ = false;
};

bool Server::mount(const std::vector<std::string>& points) {
    args_ = {"dgenfs", "-o",
             "fsname=dgenfs,subtype=dgenfs,default_permissions,max_read=" +
                 std::to_string(config_.dataset.max_read)};
    if (o_.debug) args_.push_back("-d");
    args_.insert(args_.end(), o_.fuse_args.begin(), o_.fuse_args.end());
    const std::vector<int> sockets_before = socket_descriptors();
    for (const std::string& point : points) {
        auto ctx = std::make_unique<Context>();
        ctx->ns = &ns_;
        ctx->dataset = config_.dataset;
        ctx->uid = getuid();
        ctx->gid = getgid();
        std::unique_ptr<fuse_session, SessionDeleter> se(new_session(args_, ctx.get()));
        if (!se || fuse_session_mount(se.get(), point.c_str()) != 0) return false;  // libfuse said why
        mounts_.push_back({point, se.get(), -1, {}, ctx.get(), args_});
        contexts_.push_back(std::move(ctx));
        sessions_.push_back(std::move(se));
    }
    // fusermount3's sockets: the ones mounting added. Still one thread: the guard is a fork.
    std::vector<int> sockets;
    for (int fd : socket_descriptors())
        if (std::find(sockets_before.begin(), sockets_before.end(), fd) == sockets_before.end())
            sockets.push_back(fd);
    if (const std::string e = start_mount_guard(points, sockets); !e.empty())
        std::fprintf(stderr, "dgenfs: mount guard: %s; auto_unmount may miss a killed daemon\n", e.c_str());
    return true;
}

int Server::start() {
    size_t workers = 0;
    for (const NodeGroup& g : plan_.groups) workers += g.workers.size();
    std::fprintf(stderr, "dgenfs: %s on %s: %llu files, %s, kernel %s, %s, %zu worker%s\n",
                 o_.config.c_str(), o_.mountpoint.c_str(),
                 static_cast<unsigned long long>(ns_.total_files()),
                 format_size(ns_.total_bytes()).c_str(), active_kernel().name,
                 config_.dataset.direct_io ? "direct I/O" : "page cache", workers,
                 workers == 1 ? "" : "s");
    std::istringstream plan_lines(format_plan(plan_, topo_));
    for (std::string line; std::getline(plan_lines, line);) std::fprintf(stderr, "dgenfs: %s\n", line.c_str());
    for (Mount& m : mounts_) {
        std::string error;
        if (!answer_init(m, &error)) {
            std::fprintf(stderr, "dgenfs: %s: %s\n", m.mountpoint.c_str(), error.c_str());
            return 1;
        }
    }
    // Pools first (reserved and bound, untouched), then workers, with the signals this
    // thread handles blocked so that they are delivered here.
    for (const NodeGroup& g : plan_.groups) {
        pools_.push_back(std::make_unique<NodePool>(g.node, g.pool_size));
        if (!pools_.back()->warning().empty())
            std::fprintf(stderr, "dgenfs: node %u pool: %s\n", g.node, pools_.back()->warning().c_str());
    }
    sigset_t block, old;
    sigemptyset(&block);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, sig);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (unsigned gi = 0; gi < plan_.groups.size(); ++gi) {
        const NodeGroup& g = plan_.groups[gi];
        const Mount& m = mounts_[plan_.per_node_mount ? gi : 0];
        for (unsigned wi = 0; wi < g.workers.size(); ++wi) {
            reports_.push_back(std::make_unique<WorkerReport>());
            threads_.emplace_back(run_worker, std::cref(m), std::cref(g), gi, wi,
                                  std::cref(*pools_[gi]), config_.dataset.max_read,
                                  std::ref(*reports_.back()), notify_main, std::cref(g_stopping));
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    // Every worker reports Ready, or Done if it could not start. Nothing is unmounted
    // before all have cloned their fd.
    size_t ready = 0;
    while (ready + done_ < threads_.size()) {
        const char c = next_event(-1);
        if (c == static_cast<char>(WorkerEvent::Ready)) ++ready;
        if (c == static_cast<char>(WorkerEvent::Done)) ++done_;
    }
    if (done_ > 0) return 1;
    for (size_t i = 0; i < mounts_.size(); ++i) contexts_[i]->bdi = mount_device(mounts_[i].mountpoint);
    return 0;
}

int Server::serve() {
    // A signal, or a worker whose loop ended: its mount was unmounted or aborted.
    char c = 0;
    while (c != 's' && c != static_cast<char>(WorkerEvent::Done)) c = next_event(-1);
    if (c == static_cast<char>(WorkerEvent::Done)) ++done_;
    stop();
    for (const auto& r : reports_)
        if (!r->error.empty()) return 1;
    return 0;
}

// Unmount everything, end the connections, and make sure every worker returns: a busy
// lazy unmount or a missing fusectl could leave one blocked in read, so after two
// seconds the stragglers are interrupted directly.
void Server::stop() {
    if (stopped_) return;
    stopped_ = true;
    g_stopping.store(true);
    for (size_t i = 0; i < sessions_.size(); ++i) {
        fuse_session_unmount(sessions_[i].get());
        abort_connection(contexts_[i]->bdi);
    }
    while (done_ < threads_.size()) {
        const char c = next_event(2000);
        if (c == static_cast<char>(WorkerEvent::Done)) {
            ++done_;
        } else if (c == 0) {
            for (auto& r : reports_) interrupt_worker(*r, SIGUSR1);
        }
    }
    for (std::thread& t : threads_) t.join();
    for (const auto& r : reports_)
        if (!r->error.empty())
            std::fprintf(stderr, "dgenfs: worker %u.%u: %s\n", r->group, r->index, r->error.c_str());
}

// A user's -o max_read would make libfuse refuse INIT (it must equal what init() asks
// for); the config's max_read is the one place to set it.
bool user_sets_max_read(const std::vector<std::string>& args) {
    for (const std::string& a : args)
        if (a.find("max_read=") != std::string::npos) return true;
    return false;
}

}  // namespace

int show_plan(const std::string& path) {
    Config config;
    if (!load(path, config)) return 2;
    const Topology topo = discover_topology();
    const Plan plan = make_plan(topo, plan_request(config.dataset));
    std::fputs(format_plan(plan, topo).c_str(), plan.error.empty() ? stdout : stderr);
    return plan.error.empty() ? 0 : 2;
}

int run_daemon(const DaemonOptions& opts) {
    DaemonOptions o = opts;
    if (user_sets_max_read(o.fuse_args)) {
        std::fprintf(stderr, "dgenfs: -o max_read: set max_read in the config's [dataset] instead\n");
        return 2;
    }
    // An absolute, resolved mountpoint: the daemon changes to "/" and must unmount what it
    // mounted; resolving after mounting would wait on our own unanswered INIT.
    char real[PATH_MAX];
    if (!::realpath(o.mountpoint.c_str(), real)) {
        std::fprintf(stderr, "dgenfs: mountpoint %s: %s\n", o.mountpoint.c_str(), std::strerror(errno));
        return 1;
    }
    o.mountpoint = real;
    Config config;
    if (!load(o.config, config)) return 2;
    const Topology topo = discover_topology();
    const Plan plan = make_plan(topo, plan_request(config.dataset));
    if (!plan.error.empty()) {
        std::fprintf(stderr, "dgenfs: NUMA plan: %s; nothing mounted\n", plan.error.c_str());
        return 2;
    }
    std::vector<std::string> points, made;  // made: node<N> directories to remove at exit
    if (plan.per_node_mount) {
        for (const NodeGroup& g : plan.groups) {
            const std::string p = o.mountpoint + "/node" + std::to_string(g.node);
            if (::mkdir(p.c_str(), 0755) == 0) made.push_back(p);  // EEXIST is fine
            points.push_back(p);
        }
    } else {
        points.push_back(o.mountpoint);
    }

    Daemonizer daemon;
    int parent_exit = 0;
    if (!o.foreground && !daemon.start(&parent_exit)) return parent_exit;
    if (::pipe2(g_wake, O_CLOEXEC) != 0) return 1;
    install_signal_handlers();
    int rc = 1;
    try {
        Server server(o, config, plan, topo);
        if (!server.mount(points)) {
            daemon.report(1);
            return 1;
        }
        rc = server.start();
        daemon.report(rc);
        if (rc == 0) rc = server.serve();
    } catch (const std::exception& e) {  // e.g. a pool that cannot be mapped
        std::fprintf(stderr, "dgenfs: %s\n", e.what());
        daemon.report(1);
        rc = 1;
    }
    for (const std::string& p : made) ::rmdir(p.c_str());  // unmounted by now; only if empty
    return rc;
}

}  // namespace dgen::fs
