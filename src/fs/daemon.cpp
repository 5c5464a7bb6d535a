#include "daemon.h"

#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "dgen/size_parse.h"
#include "fs.h"

namespace dgen::fs {
namespace {

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

// threads = auto: one per CPU this process may run on (its affinity mask and cpuset).
uint32_t worker_threads(const DatasetConfig& d) {
    if (d.threads != 0) return d.threads;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    return static_cast<uint32_t>(std::max(1, CPU_COUNT(&set)));
}

struct SessionDeleter {
    void operator()(fuse_session* se) const { fuse_session_destroy(se); }
};

}  // namespace

int run_daemon(const DaemonOptions& o) {
    std::vector<ConfigError> errors;
    const Config config = load_config(o.config, errors);
    if (!errors.empty()) {
        for (const ConfigError& e : errors) std::fprintf(stderr, "dgenfs: %s\n", e.str().c_str());
        std::fprintf(stderr, "dgenfs: %zu error%s in %s; nothing mounted\n", errors.size(),
                     errors.size() == 1 ? "" : "s", o.config.c_str());
        return 2;
    }
    const Namespace ns(config);
    const uint32_t threads = worker_threads(config.dataset);
    Context c;
    c.ns = &ns;
    c.dataset = config.dataset;
    c.uid = getuid();
    c.gid = getgid();

    // Our defaults first, so the user's -o options can override them.
    std::vector<std::string> argv_s{"dgenfs", "-o",
        "fsname=dgenfs,subtype=dgenfs,default_permissions,max_read=" +
            std::to_string(config.dataset.max_read)};
    if (o.debug) argv_s.push_back("-d");
    argv_s.insert(argv_s.end(), o.fuse_args.begin(), o.fuse_args.end());
    std::vector<char*> argv;
    for (std::string& s : argv_s) argv.push_back(s.data());
    fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());

    std::unique_ptr<fuse_session, SessionDeleter> se(
        fuse_session_new(&args, &operations(), sizeof(fuse_lowlevel_ops), &c));
    fuse_opt_free_args(&args);
    if (!se) return 1;  // libfuse printed why (e.g. an unknown -o option)
    if (fuse_set_signal_handlers(se.get()) != 0) return 1;
    if (fuse_session_mount(se.get(), o.mountpoint.c_str()) != 0) {
        fuse_remove_signal_handlers(se.get());
        return 1;  // libfuse printed why (bad mountpoint, no /dev/fuse, ...)
    }
    c.bdi = mount_device(o.mountpoint);
    std::fprintf(stderr,
                 "dgenfs: %s on %s: %llu files, %s, kernel %s, %s, %u thread%s\n",
                 o.config.c_str(), o.mountpoint.c_str(),
                 static_cast<unsigned long long>(ns.total_files()),
                 format_size(ns.total_bytes()).c_str(), active_kernel().name,
                 config.dataset.direct_io ? "direct I/O" : "page cache",
                 threads, threads == 1 ? "" : "s");
    if (!o.foreground && fuse_daemonize(0) != 0) {
        fuse_session_unmount(se.get());
        fuse_remove_signal_handlers(se.get());
        return 1;
    }

    int rc = 0;
    if (threads <= 1) {
        rc = fuse_session_loop(se.get());
    } else {
        fuse_loop_config* loop = fuse_loop_cfg_create();
        fuse_loop_cfg_set_clone_fd(loop, 1);
        fuse_loop_cfg_set_max_threads(loop, threads);
        fuse_loop_cfg_set_idle_threads(loop, threads);
        rc = fuse_session_loop_mt(se.get(), loop);
        fuse_loop_cfg_destroy(loop);
    }
    fuse_session_unmount(se.get());
    fuse_remove_signal_handlers(se.get());
    // libfuse's loops return the number of the signal that ended them: a clean stop.
    return rc == 0 || rc == SIGINT || rc == SIGTERM || rc == SIGHUP ? 0 : 1;
}

}  // namespace dgen::fs
