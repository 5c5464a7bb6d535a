#include "daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <system_error>
#include <thread>

#include "dgen/values.h"
#include "fs.h"
#include "init_flags.h"
#include "log.h"
#include "metrics_http.h"
#include "mount_guard.h"
#include "mountpoint.h"
#include "stats.h"
#include "uring_proto.h"
#include "uring_queues.h"
#include "verify_area.h"
#include "workers.h"

namespace dgen::fs {
namespace {

// The start line's word on how files are served (fs.h: uses_direct_io).
std::string io_policy(const Config& config) {
    const DatasetConfig& d = config.dataset;
    if (skips_open(config)) return "page cache, no OPEN requests";
    if (!d.direct_io) return "page cache";
    if (d.page_cache_max == 0) return "direct I/O";
    return "page cache up to " + format_size(d.page_cache_max) + ", direct I/O above";
}

// Signals and worker events wake the main thread through this pipe: 's' stop, 'u'
// reload (SIGUSR2), and the WorkerEvent characters.
int g_wake[2] = {-1, -1};
std::atomic<bool> g_stopping{false};

void on_signal(int sig) {
    const char c = sig == SIGUSR2 ? 'u' : 's';
    (void)!::write(g_wake[1], &c, 1);
}

void on_interrupt(int) {}  // SIGUSR1: only makes a worker's blocking read return EINTR

void notify_main(WorkerReport& r, WorkerEvent e) {
    if (e == WorkerEvent::Ready) r.said_ready.store(true);
    if (e == WorkerEvent::Done) r.said_done.store(true);
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
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, nullptr);
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
            log(LOG_ERR, "cannot daemonize: pipe: %s; nothing mounted", error_text(errno).c_str());
            *exit_code = 1;
            return false;
        }
        const pid_t pid = ::fork();
        if (pid < 0) {
            log(LOG_ERR, "cannot daemonize: fork: %s; nothing mounted", error_text(errno).c_str());
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
    // In the child: tell the parent how it went; once serving, drop the terminal and log
    // to syslog from now on.
    void report(int status) {
        if (pipe_[1] < 0) return;
        const char c = static_cast<char>(status);
        (void)!::write(pipe_[1], &c, 1);
        ::close(pipe_[1]);
        pipe_[1] = -1;
        if (status != 0) return;
        log_to_syslog();
        (void)!::chdir("/");
        const int null = ::open("/dev/null", O_RDWR);
        for (int fd : {0, 1, 2}) ::dup2(null, fd);
        if (null > 2) ::close(null);
    }

private:
    int pipe_[2] = {-1, -1};
};

// What a probe of a mount found: the mount's device, and whether a lookup through it
// was answered (error: the errno of the first stat that failed).
struct Probe {
    dev_t dev = 0;
    int error = EIO;
    const char* failed = nullptr;  // set if the probe itself could not run: "pipe", "fork"
};

// Stats MOUNTPOINT, then MOUNTPOINT/NAME (a LOOKUP a worker must answer), from a child
// process, never from a thread of the daemon: once a worker has read such a request, the
// kernel waits for its answer uninterruptibly, so a kill -9 at that moment would leave a
// daemon that cannot die, holding its own connection open (seen in the kill -9 rounds of
// test-fs-lifecycle). The child holds no /dev/fuse descriptor: if the daemon dies, the
// connection ends and the child's request fails with it.
Probe probe_mount(const std::string& mountpoint, const std::string& name) {
    Probe result;
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        result.error = errno;
        result.failed = "pipe";
        return result;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        result.error = errno;
        result.failed = "fork";
    } else if (pid == 0) {
        ::close_range(0, static_cast<unsigned>(out[1]) - 1, 0);
        ::close_range(static_cast<unsigned>(out[1]) + 1, ~0u, 0);
        Probe r;
        struct stat st {};
        if (::stat(mountpoint.c_str(), &st) != 0) {
            r.error = errno;
        } else {
            r.dev = st.st_dev;
            r.error = ::stat((mountpoint + "/" + name).c_str(), &st) == 0 ? 0 : errno;
        }
        (void)!::write(out[1], &r, sizeof r);
        ::_exit(0);
    }
    ::close(out[1]);
    // 30 s for the answer, through signals: a SIGTERM now (poll never restarts) is for
    // serve() to act on, once the probe is done, not a failed probe.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int ready = -1;
    while (pid > 0 && ready < 0) {
        using std::chrono::milliseconds;
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{out[0], POLLIN, 0};
        ready = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
        if (ready < 0 && errno != EINTR) break;
    }
    if (ready == 1 && ::read(out[0], &result, sizeof result) == sizeof result) {
        ::waitpid(pid, nullptr, 0);
    } else if (pid > 0) {
        result.error = ETIMEDOUT;
        ::kill(pid, SIGKILL);  // reaped, if ever, by init: it may be stuck until we exit
    }
    ::close(out[0]);
    return result;
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
    r.memory_available = memory_available();
    return r;
}

bool load(const std::string& path, Config& config) {
    std::vector<ConfigError> errors;
    config = load_config(path, errors);
    if (errors.empty()) {
        for (const ConfigError& n : slow_total_notes(config, path)) log(LOG_NOTICE, "%s", n.str().c_str());
        return true;
    }
    for (const ConfigError& e : errors) log(LOG_ERR, "%s", e.str().c_str());
    if (errors.size() > kMaxConfigErrors)  // the list was cut; its last line says by how many
        log(LOG_ERR, "more than %zu errors in %s; nothing mounted", kMaxConfigErrors, path.c_str());
    else
        log(LOG_ERR, "%zu error%s in %s; nothing mounted", errors.size(), errors.size() == 1 ? "" : "s",
            path.c_str());
    return false;
}

struct ServedTotals {
    uint64_t bytes = 0, reads = 0;
};

struct SessionDeleter {
    void operator()(fuse_session* se) const { fuse_session_destroy(se); }
};

// The dataset, its plan and the mounts; everything the worker threads refer to lives here
// and outlives them.
class Server {
public:
    Server(const DaemonOptions& o, const Config& config, const Plan& plan, const Topology& topo)
        : o_(o), config_(config), plan_(plan), topo_(topo), ns_(config) {
        if (config.dataset.verify_area) verify_ = std::make_unique<VerifyArea>(ns_, config.dataset.mtime);
    }
    ~Server() {
        stop();
        for (int fd : wake_fds_) ::close(fd);
    }

    // Mount every mountpoint, and the verify area at `verify_point` ("" = none); false
    // (and everything undone) on failure.
    bool mount(const std::vector<std::string>& points, const std::string& verify_point);
    // Answer INIT, start the workers, wait until each serves. Returns an exit code
    // (0 = serving).
    int start();
    // Serve until a signal, or until a mount goes away; then stop. Returns the exit code.
    int serve();

private:
    bool allocate_pools();
    bool choose_transport();
    bool prepare_queues();
    void release_queues(bool go);
    void log_queues() const;
    bool connection_aborted();
    bool a_server_ended() const;
    void stop();
    std::string first_entry() const;
    void sum_total_later();
    ServedTotals served() const;
    void notify_status(std::chrono::steady_clock::time_point now);

    const DaemonOptions& o_;
    const Config& config_;
    const Plan& plan_;
    const Topology& topo_;
    const Namespace ns_;
    std::unique_ptr<VerifyArea> verify_;  // shared by every mount
    std::unique_ptr<Stats> stats_;       // before http_, which serves it
    std::vector<std::unique_ptr<Context>> contexts_;
    std::vector<std::unique_ptr<fuse_session, SessionDeleter>> sessions_;
    std::vector<Mount> mounts_;
    std::vector<dev_t> devs_;  // each mount's device, from the mount table (0: not found)
    std::vector<std::unique_ptr<NodePool>> pools_;
    struct BufferFree {
        void operator()(uint8_t* p) const { std::free(p); }
    };
    std::vector<std::unique_ptr<uint8_t, BufferFree>> verify_buffers_;  // the verify area's workers'
    std::vector<std::unique_ptr<WorkerReport>> reports_;
    // After everything a scrape reads, so that it is destroyed (MHD_stop_daemon joins its
    // thread) before any of it: stats_, the workers' counters in reports_ (stats_ holds
    // pointers to them) and verify_. Declared before reports_, it outlived them, and a
    // scrape during shutdown read freed counters (ThreadSanitizer: the MHD thread in
    // Stats::snapshot against ~Server deleting a WorkerReport).
    std::unique_ptr<MetricsHttp> http_;
    std::vector<std::thread> threads_;
    // The transport (docs/dgenfs.md "Transport"): whether the dataset's mounts ask for
    // io_uring, and if not, why; each io_uring queue's thread is woken by its eventfd.
    bool uring_ = false;
    std::string uring_why_not_;
    std::vector<int> wake_fds_;
    std::promise<bool> queues_go_;  // tells the queues' threads whether INIT took io_uring
    bool queues_released_ = false;
    size_t done_ = 0;
    bool stop_asked_ = false;  // a signal came while starting: serve() stops at once
    bool served_and_ended_ = false;  // a worker or queue ended while starting: so does serve()
    bool stopped_ = false;
    std::chrono::steady_clock::time_point started_, last_status_;
    uint64_t last_bytes_ = 0;
};

// The pools first: memory that cannot be had (a pool_size beyond what the machine
// gives, ulimit -v) fails here, naming the pool, before anything is mounted.
bool Server::allocate_pools() {
    for (const NodeGroup& g : plan_.groups) {
        try {
            pools_.push_back(std::make_unique<NodePool>(g.node, g.pool_size));
        } catch (const std::system_error& e) {
            log(LOG_ERR, "%s%s; nothing mounted", e.what(), limit_hint(e.code().value()).c_str());
            return false;
        }
        if (!pools_.back()->warning().empty())
            log(LOG_WARNING, "node %u pool: %s", g.node, pools_.back()->warning().c_str());
    }
    return true;
}

// transport = uring needs what auto only prefers: refused before anything is mounted.
bool Server::choose_transport() {
    if (config_.dataset.transport == Transport::Classic) {
        uring_why_not_ = "transport = classic";
        return true;
    }
    uring_why_not_ = uring_unavailable();
    uring_ = uring_why_not_.empty();
    if (!uring_ && config_.dataset.transport == Transport::Uring) {
        log(LOG_ERR, "transport = uring: %s; nothing mounted", uring_why_not_.c_str());
        return false;
    }
    return true;
}

bool Server::mount(const std::vector<std::string>& points, const std::string& verify_point) {
    if (!choose_transport() || !allocate_pools()) return false;
    // The dataset's mounts are read-only, the verify area's is not (-o ro or rw, given,
    // still override): special.h says why they are apart.
    auto session_args = [&](bool writable) {
        std::vector<std::string> args = {"dgenfs", "-o",
                                         "fsname=dgenfs,subtype=dgenfs,max_read=" +
                                             std::to_string(config_.dataset.max_read) + (writable ? "" : ",ro")};
        if (o_.debug) args.push_back("-d");
        args.insert(args.end(), o_.fuse_args.begin(), o_.fuse_args.end());
        return args;
    };
    char config_path[PATH_MAX];
    StatsInfo info{DGEN_VERSION, active_kernel().name, "classic /dev/fuse",
                   ::realpath(o_.config.c_str(), config_path) ? config_path : o_.config, points};
    stats_ = std::make_unique<Stats>(std::move(info), ns_.groups());
    if (verify_) stats_->verify_totals = [area = verify_.get()] { return area->totals(); };
    // Before mounting: an address that cannot be listened on leaves nothing mounted.
    if (!config_.dataset.metrics_listen.empty()) {
        std::string error;
        const auto address = parse_listen_address(config_.dataset.metrics_listen, &error);
        if (address) http_ = MetricsHttp::start(*address, *stats_, &error);
        if (!http_) {
            log(LOG_ERR, "%s; nothing mounted", error.c_str());
            return false;
        }
        log(LOG_INFO, "metrics at http://%s/metrics", config_.dataset.metrics_listen.c_str());
    }
    const std::vector<int> sockets_before = socket_descriptors();
    std::vector<std::string> all_points = points;
    if (verify_) all_points.push_back(verify_point);
    for (const std::string& point : all_points) {
        const bool verifies = verify_ && &point == &all_points.back();
        const std::vector<std::string> args = session_args(verifies);
        const fuse_lowlevel_ops& ops = verifies ? verify_operations() : operations();
        auto ctx = std::make_unique<Context>();
        ctx->ns = &ns_;
        ctx->stats = stats_.get();
        ctx->dataset = config_.dataset;
        ctx->uid = getuid();
        ctx->gid = getgid();
        ctx->verify = verify_.get();
        if (verify_ && !verifies) ctx->verify_link = verify_point;
        ctx->init.want_uring = uring_ && !verifies;  // the verify area stays on /dev/fuse
        ctx->skip_open = skips_open(config_);
        std::unique_ptr<fuse_session, SessionDeleter> se(new_session(args, ctx.get(), ops));
        if (!se || fuse_session_mount(se.get(), point.c_str()) != 0) {
            const int err = errno;  // libfuse said why, but not always what the errno means here
            log(LOG_ERR, "%s: mounting failed (libfuse's message above)%s; nothing mounted", point.c_str(),
                limit_hint(err).c_str());
            return false;
        }
        // Before INIT is read: the reply may then take what libfuse 3.14 cannot ask for.
        if (!take_later_init_flags(se.get()))
            log(LOG_WARNING, "%s: cannot hook the INIT reply (%s): shared mmap of direct_io files stays off",
                point.c_str(), std::strerror(errno));
        const auto entry = mount_at(point);  // ours now: the top mount there
        devs_.push_back(entry ? entry->dev : 0);
        mounts_.push_back({point, se.get(), -1, {}, ctx.get(), args, &ops});
        contexts_.push_back(std::move(ctx));
        sessions_.push_back(std::move(se));
    }
    // fusermount3's sockets: the ones mounting added. Still one thread: the guard is a fork.
    std::vector<int> sockets;
    for (int fd : socket_descriptors())
        if (std::find(sockets_before.begin(), sockets_before.end(), fd) == sockets_before.end())
            sockets.push_back(fd);
    if (const std::string e = start_mount_guard(all_points, sockets); !e.empty())
        log(LOG_WARNING, "mount guard: %s; auto_unmount may miss a killed daemon", e.c_str());
    return true;
}

// Before INIT, while /dev/fuse can still be chosen: one thread per possible CPU for each
// dataset mount, each making its ring and buffers on its CPU (each woken at stop by an
// eventfd of its own). If one cannot (no thread, no memory: ulimit -v, ulimit -u), INIT
// is answered without io_uring: auto serves over /dev/fuse and says why, uring fails.
bool Server::prepare_queues() {
    const std::shared_future<bool> go = queues_go_.get_future().share();
    const size_t payload = queue_payload(config_.dataset.max_read);
    const unsigned verify_mount = verify_ ? static_cast<unsigned>(mounts_.size() - 1) : ~0u;
    std::string why;
    size_t started = 0;
    sigset_t block, old;  // the signals this thread handles are delivered here, not there
    sigemptyset(&block);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR2}) sigaddset(&block, sig);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (unsigned mi = 0; mi < mounts_.size() && why.empty(); ++mi) {
        if (mi == verify_mount) continue;
        for (unsigned cpu : possible_cpus()) {
            const int wake = ::eventfd(0, EFD_CLOEXEC);
            if (wake < 0) {
                why = "queue " + std::to_string(cpu) + ": eventfd: " + error_text(errno);
                break;
            }
            wake_fds_.push_back(wake);
            reports_.push_back(std::make_unique<WorkerReport>());
            WorkerReport& r = *reports_.back();
            r.mount = mi;
            r.queue = static_cast<int>(cpu);
            const std::vector<unsigned> cpus = queue_cpus(plan_, cpu);
            for (const NodeGroup& g : plan_.groups)
                for (const Worker& w : g.workers)
                    if (std::find(w.cpus.begin(), w.cpus.end(), cpus.front()) != w.cpus.end()) r.node = g.node;
            try {
                threads_.emplace_back(run_queue, std::cref(mounts_[mi]), cpu, cpus, payload, wake, std::ref(r),
                                      notify_main, std::cref(g_stopping), go);
                ++started;
            } catch (const std::system_error& e) {
                reports_.pop_back();
                why = "queue " + std::to_string(cpu) + ": cannot start its thread: " + error_text(e.code().value());
                break;
            }
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    for (size_t heard = 0; heard < started;) {  // each says Prepared, or Done if it cannot
        const char c = next_event(-1);
        if (c == static_cast<char>(WorkerEvent::Prepared)) ++heard;
        if (c == static_cast<char>(WorkerEvent::Done)) ++heard, ++done_;
        if (c == 's') stop_asked_ = true;
    }
    for (const auto& r : reports_) {
        std::lock_guard<std::mutex> g(r->lock);
        if (r->error.empty()) continue;
        if (why.empty()) why = "queue " + std::to_string(r->queue) + ": " + r->error;
        r->error.clear();  // its thread has ended: the transport's failure, not the start's
    }
    if (why.empty()) return true;
    uring_ = false;
    uring_why_not_ = why;
    for (auto& c : contexts_) c->init.want_uring = false;
    // The queues end now, giving back their stacks, rings and descriptors for the workers
    // (their Done events are counted with the workers' later).
    release_queues(false);
    for (std::thread& t : threads_) t.join();
    for (int fd : wake_fds_) ::close(fd);
    wake_fds_.clear();
    if (config_.dataset.transport == Transport::Uring) {
        log(LOG_ERR, "transport = uring: %s", why.c_str());
        return false;
    }
    return true;
}

// Once: whether INIT took io_uring, to every queue's thread waiting for it (and, at stop
// before that, false).
void Server::release_queues(bool go) {
    if (queues_released_) return;
    queues_released_ = true;
    queues_go_.set_value(go);
}

// Where each queue's requests were answered: on the CPU that issued them, or elsewhere.
void Server::log_queues() const {
    for (const auto& r : reports_) {
        if (!uring_) return;
        if (r->queue < 0) continue;
        const uint64_t own = r->own_cpu.load(), other = r->other_cpu.load();
        log(LOG_INFO, "queue %d: %llu requests, %llu on its own cpu (%.1f%%)", r->queue,
            static_cast<unsigned long long>(own + other), static_cast<unsigned long long>(own),
            own + other ? 100.0 * own / (own + other) : 100.0);
    }
}

int Server::start() {
    size_t workers = 0;
    for (const NodeGroup& g : plan_.groups) workers += g.workers.size();
    // A total of many drawn sizes is summed after the mount answers (serve_total_later).
    const auto total = ns_.total_bytes_if_known();
    const std::string size = total ? format_size(*total) : "size summed after mounting";
    log(LOG_INFO, "dgenfs %s: %s on %s: %llu files, %s, kernel %s, %s, %zu worker%s", DGEN_VERSION,
        o_.config.c_str(), o_.mountpoint.c_str(), static_cast<unsigned long long>(ns_.total_files()),
        size.c_str(), active_kernel().name,
        io_policy(config_).c_str(), workers, workers == 1 ? "" : "s");
    if (config_.dataset.host_seed != HostSeed::None) log(LOG_INFO, "%s", describe_host(config_.dataset).c_str());
    std::istringstream plan_lines(format_plan(plan_, topo_));
    for (std::string line; std::getline(plan_lines, line);) log(LOG_INFO, "%s", line.c_str());
    if (uring_ && !prepare_queues()) return 1;
    for (Mount& m : mounts_) {
        std::string error;
        if (!answer_init(m, &error)) {
            log(LOG_ERR, "%s: %s", m.mountpoint.c_str(), error.c_str());
            return 1;
        }
        const InitFlags f = later_init_flags(*m.context);
        log(LOG_INFO, "%s: shared mmap of direct_io files: %s", m.mountpoint.c_str(),
            (f.taken & kDirectIoAllowMmap) ? "on"
            : (f.offered & kDirectIoAllowMmap) ? "off (the INIT reply could not take it)"
                                               : "off (this kernel does not offer it; Linux 6.6+ does)");
        if (m.context->init.want_uring && !(f.taken & uring::kInitFlag)) {
            uring_ = false;
            uring_why_not_ = (f.offered & uring::kInitFlag) ? "the INIT reply could not take it"
                                                              : "the kernel's INIT did not offer it";
            if (config_.dataset.transport == Transport::Uring) {
                log(LOG_ERR, "%s: transport = uring: %s", m.mountpoint.c_str(), uring_why_not_.c_str());
                return 1;
            }
        }
    }
    // INIT is answered: the queues serve (their counters set up first), or end (it went
    // without io_uring).
    for (const auto& r : reports_)
        if (uring_ && r->queue >= 0) stats_->add_queue(r->node, static_cast<unsigned>(r->queue), &r->served, &r->own_cpu, &r->other_cpu);
    release_queues(uring_);
    // The workers, with the signals this thread handles blocked so that they are
    // delivered here.
    sigset_t block, old;
    sigemptyset(&block);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGUSR2}) sigaddset(&block, sig);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    bool unstarted = false;  // a thread could not be created (ulimit -v, ulimit -u)
    // Each node group serves the dataset's mount (or, per node, its own) from its pool,
    // and the verify area's mount with as many workers again, each with a buffer of its
    // own: the area takes writes from as many writers as the dataset has readers.
    const size_t buffer = config_.dataset.max_read;
    const unsigned verify_mount = verify_ ? static_cast<unsigned>(mounts_.size() - 1) : ~0u;
    for (unsigned mi = 0; mi < mounts_.size() && !unstarted; ++mi) {
        for (unsigned gi = 0; gi < plan_.groups.size() && !unstarted; ++gi) {
            if (mi != verify_mount && plan_.per_node_mount && mi != gi) continue;
            const NodeGroup& g = plan_.groups[gi];
            for (unsigned wi = 0; wi < g.workers.size() && !unstarted; ++wi) {
                uint8_t* memory = nullptr;
                if (mi != verify_mount) {
                    memory = pools_[gi]->slice(wi, buffer);
                } else {
                    memory = static_cast<uint8_t*>(std::aligned_alloc(4096, buffer));
                    if (!memory) {
                        log(LOG_ERR, "verify area worker %u.%u: cannot allocate its buffer%s", gi, wi,
                            limit_hint(ENOMEM).c_str());
                        unstarted = true;
                        break;
                    }
                    verify_buffers_.emplace_back(memory);
                }
                reports_.push_back(std::make_unique<WorkerReport>());
                WorkerReport& r = *reports_.back();
                r.mount = mi;
                if (mi != verify_mount) stats_->add_worker(g.node, wi, &r.served);
                try {
                    threads_.emplace_back(run_worker, std::cref(mounts_[mi]), std::cref(g), gi, wi, memory, buffer,
                                          std::ref(r), notify_main, std::cref(g_stopping));
                } catch (const std::system_error& e) {
                    r.error = "cannot start its thread: " + error_text(e.code().value());
                    log(LOG_ERR, "worker %u.%u: %s", gi, wi, r.error.c_str());
                    unstarted = true;
                }
            }
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    // Every worker started reports Ready, or Done if it could not serve. Nothing is
    // unmounted before all have cloned their fd. A SIGTERM read here is kept, not
    // dropped: a stop sent right after the mount appeared was lost, and the daemon
    // served on (seen under ThreadSanitizer, whose slow thread starts widen the window).
    // Each thread counts once, at its first Ready or Done: one that serves and then ends
    // (its mount unmounted meanwhile) sends both, and counting events let the start go
    // on while another worker was still starting (seen under ThreadSanitizer).
    auto settled = [&] {
        size_t n = 0;
        for (const auto& r : reports_) n += r->said_ready.load() || r->said_done.load();
        return n;
    };
    while (settled() < threads_.size()) {
        const char c = next_event(-1);
        if (c == static_cast<char>(WorkerEvent::Done)) ++done_;
        if (c == 's') stop_asked_ = true;
    }
    // One that served and has ended already (its Done read here): serve() stops at once.
    served_and_ended_ = a_server_ended();
    // A worker or a queue that could not serve fails the start. Once INIT has taken
    // io_uring the kernel holds every request until all queues have registered, so
    // without one the mount could not serve, under auto too.
    bool failed = unstarted;
    for (const auto& r : reports_) {
        std::lock_guard<std::mutex> g(r->lock);
        if (r->error.empty()) continue;
        failed = true;
        if (r->queue >= 0)
            log(LOG_ERR, "io_uring queue %d could not start (%s): the kernel serves no request until every "
                         "queue has; transport = classic serves without them", r->queue, r->error.c_str());
    }
    if (failed) return 1;
    const size_t queues = uring_ ? possible_cpus().size() : 0;
    const std::string transport = uring_ ? "io_uring, " + std::to_string(queues) + " queue" + (queues == 1 ? "" : "s") +
                                               " (one per CPU)"
                                         : "classic /dev/fuse";
    log(LOG_INFO, "transport: %s%s", transport.c_str(), uring_ ? "" : (" (io_uring: " + uring_why_not_ + ")").c_str());
    stats_->set_transport(transport);
    for (size_t i = 0; i < mounts_.size(); ++i) {
        const Probe probe = probe_mount(mounts_[i].mountpoint, first_entry());
        if (probe.failed) {
            log(LOG_ERR, "%s: cannot probe the mount: %s: %s", mounts_[i].mountpoint.c_str(), probe.failed,
                error_text(probe.error).c_str());
            return 1;
        }
        if (probe.error != 0) {
            log(LOG_ERR, "%s: the mount does not answer a lookup: %s", mounts_[i].mountpoint.c_str(),
                std::strerror(probe.error));
            return 1;
        }
        // The connection is the one the mount table showed just after mounting: by the time
        // of the probe, the mount may be gone already (an early fusermount3 -u), and its
        // path then leads to whatever it had covered, another dgenfs (-o overmount) among
        // them, whose connection stop() would then abort.
        const dev_t dev = devs_[i] ? devs_[i] : probe.dev;
        contexts_[i]->bdi = std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
        contexts_[i]->bdi_known.store(true, std::memory_order_release);  // publishes bdi
    }
    started_ = std::chrono::steady_clock::now();
    if (verify_)
        log(LOG_INFO, "serving at %s, its verify area at %s (%s/%s links there)", o_.mountpoint.c_str(),
            mounts_.back().mountpoint.c_str(), o_.mountpoint.c_str(), kVerifyDirName);
    else
        log(LOG_INFO, "serving at %s", o_.mountpoint.c_str());
    sum_total_later();
    return 0;
}

// Sets of many sizes drawn one by one would hold the mount back for minutes (2^32 of
// them: about 4 minutes of one core), for the one answer that needs their total, statfs.
// They are summed once serving, at the lowest priority; a statfs meanwhile sums what is
// left at its own, and waits for it (docs/dgenfs.md "Huge sets").
void Server::sum_total_later() {
    if (ns_.total_bytes_if_known()) return;
    log(LOG_INFO, "summing the sizes of %llu files drawn one by one, at low priority; statfs (df) waits for it",
        static_cast<unsigned long long>(ns_.deferred_total_files()));
    ns_.sum_total_in_background([](uint64_t total, double seconds) {
        log(LOG_INFO, "dataset size: %s (%llu bytes), summed in %.1f s", format_size(total).c_str(),
            static_cast<unsigned long long>(total), seconds);
    });
}

// READY=1 means "usable": a lookup of the root's first entry, answered by a worker
// (probe_mount). A dataset always has one.
std::string Server::first_entry() const {
    std::string first;
    ns_.readdir(kRootIno, 0, [&](const std::string& name, const NodeAttr&, uint64_t) {
        first = name;
        return false;
    });
    return first;
}

ServedTotals Server::served() const {
    ServedTotals t;
    for (const auto& r : reports_) {
        t.bytes += r->served.bytes.load(std::memory_order_relaxed);
        t.reads += r->served.reads.load(std::memory_order_relaxed);
    }
    return t;
}

// systemd's status line: what is served, how much, and how fast over the last interval.
void Server::notify_status(std::chrono::steady_clock::time_point now) {
    const ServedTotals t = served();
    const double seconds = std::chrono::duration<double>(now - last_status_).count();
    const double rate = seconds > 0 ? (t.bytes - last_bytes_) / seconds / 1e9 : 0.0;
    last_status_ = now;
    last_bytes_ = t.bytes;
    sd_notifyf(0, "STATUS=serving %llu files at %s; %.2f GB read in %llu requests; %.2f GB/s now",
               static_cast<unsigned long long>(ns_.total_files()), o_.mountpoint.c_str(), t.bytes / 1e9,
               static_cast<unsigned long long>(t.reads), rate);
}

int Server::serve() {
    // Under systemd the status line is refreshed every second; otherwise the loop only
    // wakes for a signal, or for a worker whose loop ended (its mount was unmounted or
    // aborted, or it failed).
    const bool notify = std::getenv("NOTIFY_SOCKET") != nullptr;
    last_status_ = started_;
    if (notify) notify_status(started_);
    sd_notify(0, "READY=1");
    bool worker_ended = served_and_ended_;  // rather than a signal: an unmount, an abort, or a failure
    while (!stop_asked_ && !worker_ended) {
        const char c = next_event(notify ? 1000 : -1);
        if (notify) notify_status(std::chrono::steady_clock::now());
        if (c == 's') break;
        if (c == static_cast<char>(WorkerEvent::Done)) {
            ++done_;
            // Not a queue that never served (INIT went without io_uring), ending late.
            if (a_server_ended()) {
                worker_ended = true;
                break;
            }
        }
        if (c == 'u') {
            log(LOG_NOTICE, "reload: nothing re-read: a mounted dataset never changes under its "
                            "readers; restart dgenfs to serve a changed %s", o_.config.c_str());
        }
    }
    sd_notify(0, "STOPPING=1");
    const bool aborted = worker_ended && connection_aborted();
    const ServedTotals t = served();
    log(LOG_INFO, "stopping: served %.2f GB in %llu requests", t.bytes / 1e9,
        static_cast<unsigned long long>(t.reads));
    stop();
    for (const auto& r : reports_)
        if (!r->error.empty()) return 1;
    return aborted ? 1 : 0;
}

// Whether a worker or queue that served has ended (its mount gone, or a failure).
bool Server::a_server_ended() const {
    for (const auto& r : reports_)
        if (r->said_ready.load() && r->said_done.load()) return true;
    return false;
}

// Workers (and io_uring queues) end when their connection does. After an unmount the
// mount is gone from the mount table; after an abort (fusectl's abort file, umount -f) it
// is still there, answering ENOTCONN: an error, said here; stop() then detaches it. Only
// mounts whose workers or queues ended, without an error of their own, are looked at: in
// per-node mode the others are still serving.
bool Server::connection_aborted() {
    bool aborted = false;
    for (size_t i = 0; i < mounts_.size(); ++i) {
        bool ended = false;
        for (const auto& r : reports_) {
            std::lock_guard<std::mutex> g(r->lock);
            const bool returned = r->queue < 0 ? !r->session : r->finished.load();
            if (r->mount == i && returned && r->error.empty()) ended = true;
        }
        const auto entry = devs_[i] ? mount_of(devs_[i]) : std::nullopt;
        if (!ended || !entry || entry->point != mounts_[i].mountpoint) continue;
        log(LOG_ERR, "%s: the FUSE connection was aborted while mounted (/sys/fs/fuse/connections/%u/abort, "
                     "or umount -f); nothing more can be served there",
            mounts_[i].mountpoint.c_str(), minor(devs_[i]));
        aborted = true;
    }
    return aborted;
}

// Unmount everything, end the connections, and make sure every worker returns: a busy
// lazy unmount or a missing fusectl could leave one blocked in read, so after two
// seconds the stragglers are interrupted directly.
void Server::stop() {
    if (stopped_) return;
    stopped_ = true;
    g_stopping.store(true);
    release_queues(false);  // queues still waiting for INIT (a start that failed before it)
    for (size_t i = 0; i < sessions_.size(); ++i) {
        // Aborted only while still alive: a connection the kernel has ended (its mount
        // gone) has given its number back, and a new mount, another daemon's, may have it
        // already (seen: a parallel test's mount aborted before its INIT). A copy of the
        // fd tells, after the unmount, whether ours lives on (a busy mount, lazily
        // unmounted, whose number is still ours).
        const int fd = ::dup(fuse_session_fd(sessions_[i].get()));
        fuse_session_unmount(sessions_[i].get());
        pollfd p{fd, 0, 0};
        if (fd >= 0 && ::poll(&p, 1, 0) == 0) abort_connection(contexts_[i]->bdi);
        if (fd >= 0) ::close(fd);
    }
    const uint64_t one = 1;
    for (int fd : wake_fds_)
        if (::write(fd, &one, sizeof one) != sizeof one) log(LOG_WARNING, "cannot wake a queue: %s", std::strerror(errno));
    while (done_ < threads_.size()) {
        const char c = next_event(2000);
        if (c == static_cast<char>(WorkerEvent::Done)) {
            ++done_;
        } else if (c == 0) {
            for (auto& r : reports_) interrupt_worker(*r, SIGUSR1);
        }
    }
    for (std::thread& t : threads_)
        if (t.joinable()) t.join();
    log_queues();
    // libfuse does not unmount a mount whose connection was aborted (fuse_kern_unmount
    // sees POLLERR on its fd and returns): it would stay, answering ENOTCONN. Detach it;
    // with auto_unmount fusermount3 would too, once this process ends, but not without.
    for (size_t i = 0; i < mounts_.size(); ++i) {
        const auto entry = devs_[i] ? mount_of(devs_[i]) : std::nullopt;
        if (!entry || entry->point != mounts_[i].mountpoint) continue;
        const std::string& point = mounts_[i].mountpoint;
        if (const std::string e = detach(point); !e.empty())
            log(LOG_ERR, "%s: cannot detach the dead mount: %s (fusermount3 -u -z %s removes it)", point.c_str(),
                e.c_str(), point.c_str());
        else
            log(LOG_NOTICE, "%s: detached the dead mount", point.c_str());
    }
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

std::string plan_error(const DatasetConfig& dataset) {
    return make_plan(discover_topology(), plan_request(dataset)).error;
}

namespace {

// Everything after the checks, in the process that serves: mount `points` (checked),
// serve, unmount. `daemon` hears how the start went.
int mount_and_serve(Daemonizer& daemon, const DaemonOptions& o, const Config& config, const Plan& plan,
                    const Topology& topo, const std::vector<std::string>& points, const std::string& verify_point) {
    if (::pipe2(g_wake, O_CLOEXEC) != 0) {
        log(LOG_ERR, "cannot create the signal pipe: %s; nothing mounted", error_text(errno).c_str());
        daemon.report(1);
        return 1;
    }
    install_signal_handlers();
    int rc = 1;
    try {
        Server server(o, config, plan, topo);
        if (!server.mount(points, verify_point)) {
            daemon.report(1);
            return 1;
        }
        rc = server.start();
        daemon.report(rc);
        if (rc == 0) mark_serving();
        if (rc == 0) rc = server.serve();
    } catch (const std::bad_alloc&) {
        log(LOG_ERR, "out of memory%s", limit_hint(ENOMEM).c_str());
        daemon.report(1);
        rc = 1;
    } catch (const std::exception& e) {
        log(LOG_ERR, "%s", e.what());
        daemon.report(1);
        rc = 1;
    }
    return rc;
}

}  // namespace

// Descriptors: a worker holds a clone of its mount's /dev/fuse fd, an io_uring queue
// three (a clone, its ring, its eventfd), one per possible CPU: about 960 on a machine of
// 192 CPUs, near the soft limit of 1,024 that systemd (and most shells) start services
// with. The soft limit is raised to the hard one, as systemd asks of a program that needs
// more (nothing here uses select(): the metrics server polls). `ulimit -n N` sets both.
void raise_open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    const rlim_t was = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0)
        log(LOG_DEBUG, "open-file limit raised from %llu to %llu (the hard limit)", static_cast<unsigned long long>(was),
            static_cast<unsigned long long>(limit.rlim_max));
}

int run_daemon(const DaemonOptions& opts) {
    raise_open_file_limit();
    DaemonOptions o = opts;
    Config config;
    if (!load(o.config, config)) return 2;
    if (o.mountpoint.empty() && config.dataset.mountpoint.empty() && o.default_mountpoint.empty()) {
        // Bad usage, as a missing argument is: exit 2, not a mount failure.
        log(LOG_ERR, "no MOUNTPOINT: give one, or set mountpoint in %s's [dataset]; nothing mounted",
            o.config.c_str());
        return 2;
    }
    o.mountpoint = choose_mountpoint(o, config.dataset);
    if (o.mountpoint.empty()) return 1;
    const Topology topo = discover_topology();
    const Plan plan = make_plan(topo, plan_request(config.dataset));
    if (!plan.error.empty()) {
        log(LOG_ERR, "NUMA plan: %s; nothing mounted", plan.error.c_str());
        return 2;
    }
    std::vector<std::string> points, made;  // made: directories to remove at exit
    if (plan.per_node_mount) {
        if (!check_directory(o.mountpoint)) return 1;
        for (const NodeGroup& g : plan.groups) {
            const std::string p = o.mountpoint + "/node" + std::to_string(g.node);
            if (::mkdir(p.c_str(), 0755) == 0) made.push_back(p);  // EEXIST is fine
            points.push_back(p);
        }
    } else {
        points.push_back(o.mountpoint);
    }
    auto remove_made = [&] {  // unmounted by now; only if empty, innermost first
        for (auto p = made.rbegin(); p != made.rend(); ++p) ::rmdir(p->c_str());
    };
    if (!std::all_of(points.begin(), points.end(), [&](const std::string& p) { return check_mountpoint(p, o.overmount); })) {
        remove_made();
        return 1;
    }
    std::string verify_point;
    if (config.dataset.verify_area) {
        verify_point = choose_verify_mountpoint(o.mountpoint, config.dataset, &made);
        const auto inside = [](const std::string& a, const std::string& b) {  // a at or below b
            return a == b || (a.size() > b.size() && a.compare(0, b.size(), b) == 0 && (b == "/" || a[b.size()] == '/'));
        };
        if (!verify_point.empty() && (inside(verify_point, o.mountpoint) || inside(o.mountpoint, verify_point))) {
            log(LOG_ERR, "verify_mountpoint %s: the verify area needs a place of its own, neither in nor above "
                         "the mountpoint %s; nothing mounted", verify_point.c_str(), o.mountpoint.c_str());
            verify_point.clear();
        }
        if (verify_point.empty() || !check_mountpoint(verify_point, o.overmount)) {
            remove_made();
            return 1;
        }
    }
    Daemonizer daemon;
    int parent_exit = 0;
    if (!o.foreground && !daemon.start(&parent_exit)) return parent_exit;  // the child reported, or no child
    const int rc = mount_and_serve(daemon, o, config, plan, topo, points, verify_point);
    remove_made();
    return rc;
}

}  // namespace dgen::fs
