// dgenfs CONFIG [MOUNTPOINT] [-f] [-d] [-o OPTIONS]: the shape mount.fuse3 uses, so an
// fstab line works:  /etc/dgenfs/dgenfs.ini  /mnt/dgen  fuse.dgenfs  allow_other  0 0
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "daemon.h"
#include "dgen/config.h"
#include "dgen/fileset.h"
#include "dgen/kernel.h"
#include "dgen/namespace.h"
#include "log.h"
#include "options.h"

namespace {

int check_only(const std::string& path) {
    std::vector<dgen::ConfigError> errors;
    const dgen::Config config = dgen::load_config(path, errors);
    for (const auto& e : errors) std::fprintf(stderr, "dgenfs: %s\n", e.str().c_str());
    if (!errors.empty()) return 2;
    // What mounting checks before it allocates anything, so that --check passing means
    // the mount will not fail on its plan.
    if (const std::string e = dgen::fs::plan_error(config.dataset); !e.empty()) {
        std::fprintf(stderr, "dgenfs: %s: NUMA plan: %s\n", path.c_str(), e.c_str());
        return 2;
    }
    for (const auto& n : dgen::slow_total_notes(config, path)) std::fprintf(stderr, "dgenfs: %s\n", n.str().c_str());
    const dgen::Namespace ns(config);
    // The parser has bounded the total; many drawn sizes are summed by the mount, later.
    const auto total = ns.total_bytes_if_known();
    const std::string size = total ? std::to_string(*total) + " bytes"
                                   : "size summed when mounted (" + std::to_string(ns.deferred_total_files()) +
                                         " drawn sizes; dgen ls --summary sums them now)";
    std::printf("%s: ok: %llu files in %llu directories, %s\n", path.c_str(),
                static_cast<unsigned long long>(ns.total_files()),
                static_cast<unsigned long long>(ns.total_dirs()), size.c_str());
    if (config.dataset.host_seed != dgen::HostSeed::None)
        std::printf("%s: %s\n", path.c_str(), dgen::describe_host(config.dataset).c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace dgen::fs;
    // A daemon closes what it inherited and does not own: `dgenfs CONFIG MNT 3>&1 | cat`
    // would otherwise never end, the daemon holding the pipe's write end. libfuse's one
    // inherited descriptor, "/dev/fd/N" as MOUNTPOINT, is refused (mountpoint.cpp).
    ::close_range(3, ~0u, 0);
    // One malloc arena per CPU, not glibc's eight: each thread that mallocs (workers, the
    // verify area's, io_uring queues) would otherwise reserve 64 MiB of address space for
    // an arena of its own, which ulimit -v counts; the request path allocates little
    // (libfuse's request structs come from the thread cache).
    if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN))));
    log_init();
    const CommandLine cl = parse_command_line(argc, argv);
    if (!cl.error.empty()) {
        std::fprintf(stderr, "dgenfs: %s\n", cl.error.c_str());
        std::fprintf(stderr, "usage: dgenfs CONFIG [MOUNTPOINT] [-f] [-d] [-o OPTIONS] (dgenfs --help)\n");
        return 2;
    }
    switch (cl.action) {
    case Action::Help: print_help(stdout); return 0;
    case Action::Version: print_version(stdout); return 0;
    case Action::Check: return check_only(cl.config);
    case Action::ShowPlan: return show_plan(cl.config);
    case Action::Mount: break;
    }
    set_log_level(cl.log_level >= 0 ? cl.log_level : cl.daemon.debug ? LOG_DEBUG : LOG_INFO);
    try {
        (void)dgen::active_kernel();  // a bad DGEN_SIMD is a usage error, before mounting
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dgenfs: %s\n", e.what());
        return 2;
    }
    return run_daemon(cl.daemon);
}
