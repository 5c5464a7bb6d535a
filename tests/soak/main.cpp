// dgen_soak: N reader threads and M reader processes read every kind of file of a mounted
// dataset for a set time, every byte checked against libdgen, while the daemon's RSS,
// threads and open fds are sampled; after the warm-up they must stay flat. Exit 0 only
// if nothing differed, nothing failed, nothing grew, and the log has no warning or error.
//
//   dgen_soak --config C --mount M --pid PID --log LOG [--seconds 30] [--threads 4]
//             [--procs 2] [--interval 5] [--warmup 10] [--rss-tolerance 16MiB] [--seed 1]
//   dgen_soak --check-log LOG      the log check alone (soak.sh runs it after unmounting)
#include <getopt.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "daemon_watch.h"
#include "dgen/config.h"
#include "dgen/values.h"
#include "soak.h"

namespace dgen::soak {
namespace {

struct Options {
    std::string config, mount, log, check_log;
    int pid = 0;
    uint64_t seconds = 30, threads = 4, procs = 2, interval = 5, warmup = 10, seed = 1;
    uint64_t rss_tolerance = 16u << 20;  // why 16 MiB: docs/SOAK.md
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "dgen_soak: %s\nusage: dgen_soak --config C --mount M --pid PID --log LOG "
                 "[--seconds S] [--threads N] [--procs M] [--interval S] [--warmup S] "
                 "[--rss-tolerance SIZE] [--seed N]\n       dgen_soak --check-log LOG\n", message.c_str());
    std::exit(2);
}

uint64_t number(const char* flag, const char* text, bool size = false) {
    std::string error;
    const auto v = size ? parse_size(text, &error) : parse_u64(text, &error);
    if (!v) usage_error(std::string(flag) + ": " + error);
    return *v;
}

Options parse(int argc, char** argv) {
    static const option longs[] = {
        {"config", required_argument, nullptr, 'c'},  {"mount", required_argument, nullptr, 'm'},
        {"pid", required_argument, nullptr, 'p'},     {"log", required_argument, nullptr, 'l'},
        {"seconds", required_argument, nullptr, 's'}, {"threads", required_argument, nullptr, 't'},
        {"procs", required_argument, nullptr, 'P'},   {"interval", required_argument, nullptr, 'i'},
        {"warmup", required_argument, nullptr, 'w'},  {"rss-tolerance", required_argument, nullptr, 'r'},
        {"seed", required_argument, nullptr, 'S'},    {"check-log", required_argument, nullptr, 'L'},
        {nullptr, 0, nullptr, 0}};
    Options o;
    for (int c; (c = getopt_long(argc, argv, "", longs, nullptr)) != -1;) {
        switch (c) {
        case 'c': o.config = optarg; break;
        case 'm': o.mount = optarg; break;
        case 'p': o.pid = static_cast<int>(number("--pid", optarg)); break;
        case 'l': o.log = optarg; break;
        case 's': o.seconds = number("--seconds", optarg); break;
        case 't': o.threads = number("--threads", optarg); break;
        case 'P': o.procs = number("--procs", optarg); break;
        case 'i': o.interval = number("--interval", optarg); break;
        case 'w': o.warmup = number("--warmup", optarg); break;
        case 'r': o.rss_tolerance = number("--rss-tolerance", optarg, true); break;
        case 'S': o.seed = number("--seed", optarg); break;
        case 'L': o.check_log = optarg; break;
        default: usage_error("unknown option");
        }
    }
    if (optind != argc) usage_error(std::string("unexpected argument '") + argv[optind] + "'");
    if (!o.check_log.empty()) return o;
    if (o.config.empty() || o.mount.empty() || o.pid <= 0 || o.log.empty())
        usage_error("--config, --mount, --pid and --log are required");
    if (o.threads + o.procs == 0 || o.threads + o.procs > 256) usage_error("--threads + --procs must be 1..256");
    if (o.interval == 0) usage_error("--interval must be at least 1 second");
    if (o.warmup + o.interval > o.seconds)
        usage_error("--seconds must leave at least one --interval after --warmup");
    return o;
}

// The dataset's regular files, one kind per [file] and per [set].
std::vector<FileKind> list_kinds(const Namespace& ns) {
    const std::vector<FileGroup> groups = ns.groups();
    std::vector<FileKind> kinds(groups.size());
    walk_tree(ns, kRootIno, "", [&](const std::string& path, const NodeAttr& a) {
        if (a.dir) return true;
        const auto src = ns.open(a.ino);
        FileKind& k = kinds[src->group()];
        if (k.name.empty())
            k.name = std::string(groups[src->group()].set ? "[set] " : "[file] ") + groups[src->group()].name +
                     (src->zero() ? " (pattern = zero)" : "");
        k.files.push_back({path, a.ino, a.size});
        return true;
    });
    std::erase_if(kinds, [](const FileKind& k) { return k.files.empty(); });
    return kinds;
}

struct Row {
    double t;
    uint64_t reads, bytes, mismatches, errors;
    DaemonSample d;
};

Row take_row(double t, const ReaderTotals* totals, size_t n, const DaemonSample& d) {
    Row r{t, 0, 0, 0, 0, d};
    for (size_t i = 0; i < n; ++i) {
        r.reads += totals[i].reads.load();
        r.bytes += totals[i].bytes.load();
        r.mismatches += totals[i].mismatches.load();
        r.errors += totals[i].errors.load();
    }
    return r;
}

void print_row(const Row& r, const Row& prev) {
    const double mib = double(r.bytes) / (1 << 20);
    const double rate = r.t > prev.t ? double(r.bytes - prev.bytes) / (1 << 20) / (r.t - prev.t) : 0;
    std::printf("%7.1f %12llu %12.0f %9.1f %10llu %8llu %5llu %10llu %7llu\n", r.t, (unsigned long long)r.reads, mib,
                rate, r.d.rss_kib, r.d.threads, r.d.fds, (unsigned long long)r.mismatches,
                (unsigned long long)r.errors);
    std::fflush(stdout);
}

// After the warm-up: threads and fds exactly as at the first sample past it, RSS at most
// `tolerance` above it. Returns the number of failures printed.
int check_flat(const std::vector<Row>& rows, const Options& o) {
    const Row* base = nullptr;
    int failures = 0;
    for (const Row& r : rows) {
        if (r.t + 0.5 < double(o.warmup)) continue;
        if (!base) {
            base = &r;
            continue;
        }
        const auto fail = [&](const char* what, unsigned long long was, unsigned long long now) {
            std::fprintf(stderr, "dgen_soak: daemon %s at %.0f s: %llu, was %llu at %.0f s (end of warm-up)\n", what,
                         r.t, now, was, base->t);
            ++failures;
        };
        if (r.d.threads != base->d.threads) fail("thread count changed", base->d.threads, r.d.threads);
        if (r.d.fds != base->d.fds) fail("open fd count changed", base->d.fds, r.d.fds);
        if (r.d.rss_kib > base->d.rss_kib + o.rss_tolerance / 1024)
            fail("RSS grew past the tolerance (KiB)", base->d.rss_kib, r.d.rss_kib);
    }
    if (!base) {
        std::fprintf(stderr, "dgen_soak: no sample after the warm-up\n");
        ++failures;
    }
    return failures;
}

int print_log_problems(const std::string& log) {
    const std::vector<std::string> problems = log_problems(log);
    for (size_t i = 0; i < problems.size() && i < 20; ++i)
        std::fprintf(stderr, "dgen_soak: daemon log: %s\n", problems[i].c_str());
    if (problems.size() > 20) std::fprintf(stderr, "dgen_soak: daemon log: ... and %zu more\n", problems.size() - 20);
    return static_cast<int>(problems.size());
}

int soak(const Options& o) {
    std::vector<ConfigError> errors;
    const Config config = load_config(o.config, errors);
    for (const ConfigError& e : errors) std::fprintf(stderr, "dgen_soak: %s\n", e.str().c_str());
    if (!errors.empty()) return 2;
    const Namespace ns(config);
    ReaderPlan plan{&ns, list_kinds(ns), o.mount, o.seed, 0};
    if (plan.kinds.empty()) usage_error(o.config + " has no files to read");
    for (const FileKind& k : plan.kinds) {
        uint64_t bytes = 0;
        for (const SoakFile& f : k.files) bytes += f.size;
        std::printf("kind %s: %zu file%s, %s\n", k.name.c_str(), k.files.size(), k.files.size() == 1 ? "" : "s",
                    format_size(bytes).c_str());
    }
    if (!sample_daemon(o.pid)) usage_error("no process " + std::to_string(o.pid) + " to watch (--pid)");

    // Counters and the stop flag live in a shared mapping, so the reader processes
    // (forked before any thread starts) count into the same place.
    const size_t readers = o.threads + o.procs;
    const size_t bytes = sizeof(SharedState) + readers * sizeof(ReaderTotals);
    void* mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return std::perror("dgen_soak: mmap"), 1;
    auto* shared = new (mem) SharedState;
    auto* totals = new (static_cast<char*>(mem) + sizeof(SharedState)) ReaderTotals[readers];

    const int64_t start = monotonic_ns();
    plan.deadline_ns = start + int64_t(o.seconds) * 1000000000;
    std::printf("soak: %llu threads, %llu processes, %llu s (warm-up %llu s), daemon pid %d, mount %s\n",
                (unsigned long long)o.threads, (unsigned long long)o.procs, (unsigned long long)o.seconds,
                (unsigned long long)o.warmup, o.pid, o.mount.c_str());
    std::fflush(stdout);
    std::vector<pid_t> children;
    for (unsigned i = 0; i < o.procs; ++i) {
        const pid_t child = ::fork();
        if (child < 0) return std::perror("dgen_soak: fork"), 1;
        if (child == 0) {
            run_reader(plan, unsigned(o.threads) + i, totals[o.threads + i], *shared);
            std::fflush(stderr);
            ::_exit(0);
        }
        children.push_back(child);
    }
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < o.threads; ++i)
        threads.emplace_back([&, i] { run_reader(plan, i, totals[i], *shared); });

    std::printf("%7s %12s %12s %9s %10s %8s %5s %10s %7s\n", "t_s", "reads", "MiB_checked", "MiB/s", "rss_KiB",
                "threads", "fds", "mismatches", "errors");
    std::vector<Row> rows;
    int failures = 0;
    Row prev{0, 0, 0, 0, 0, {}};
    for (int64_t next = start;;) {
        next = std::min(next + int64_t(o.interval) * 1000000000, plan.deadline_ns);
        while (monotonic_ns() < next) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const auto d = sample_daemon(o.pid);
        if (!d) {
            std::fprintf(stderr, "dgen_soak: the daemon (pid %d) is gone\n", o.pid);
            shared->stop.store(true);
            ++failures;
            break;
        }
        rows.push_back(take_row(double(monotonic_ns() - start) / 1e9, totals, readers, *d));
        print_row(rows.back(), prev);
        prev = rows.back();
        if (next == plan.deadline_ns) break;
    }
    for (std::thread& t : threads) t.join();
    for (pid_t c : children) {
        int status = 0;
        if (::waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::fprintf(stderr, "dgen_soak: reader process %d did not exit 0 (status 0x%x)\n", int(c), status);
            ++failures;
        }
    }
    const Row end = take_row(double(monotonic_ns() - start) / 1e9, totals, readers, prev.d);
    failures += check_flat(rows, o);
    const int log_lines = print_log_problems(o.log);
    std::printf("soak: %llu reads, %llu bytes checked (%s), %llu mismatches, %llu read errors, %d daemon log "
                "problems, %d flatness failures\n",
                (unsigned long long)end.reads, (unsigned long long)end.bytes, format_size(end.bytes).c_str(),
                (unsigned long long)end.mismatches, (unsigned long long)end.errors, log_lines, failures);
    const bool ok = end.mismatches == 0 && end.errors == 0 && log_lines == 0 && failures == 0;
    std::printf("soak: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}

}  // namespace
}  // namespace dgen::soak

int main(int argc, char** argv) {
    const dgen::soak::Options o = dgen::soak::parse(argc, argv);
    if (!o.check_log.empty()) return dgen::soak::print_log_problems(o.check_log) == 0 ? 0 : 1;
    return dgen::soak::soak(o);
}
