// dgenfs CONFIG MOUNTPOINT [-f] [-d] [-s] [-o OPTIONS]
// The shape mount.fuse3 uses, so an fstab line works:
//   /etc/dgenfs/dgenfs.ini  /mnt/dgen  fuse.dgenfs  ro,allow_other  0 0
#include <cstdio>
#include <cstring>
#include <string>

#include "daemon.h"
#include "dgen/kernel.h"
#include "fs.h"

namespace {

void usage(FILE* out) {
    std::fprintf(out,
        "usage: dgenfs CONFIG MOUNTPOINT [-f] [-d] [-o OPTION[,OPTION...]]\n"
        "       dgenfs --check CONFIG\n"
        "       dgenfs --show-plan CONFIG\n"
        "\n"
        "Mounts the dataset described by CONFIG (an INI file, docs/CONFIG.md) read-only at\n"
        "MOUNTPOINT. Every byte is generated on read; nothing is stored.\n"
        "\n"
        "  -f               stay in the foreground (default: become a daemon once mounted)\n"
        "  -d               foreground with libfuse debug output\n"
        "  -s               accepted for mount.fuse3; workers_per_node in the config decides\n"
        "  -o OPTIONS       mount options: ro, allow_other, auto_unmount, ... (below)\n"
        "  --check CONFIG   validate CONFIG, print what it describes, mount nothing\n"
        "  --show-plan CONFIG  print the NUMA plan (one line per node group), mount nothing\n"
        "  -h, --help       this help\n"
        "  -V, --version    version and format\n"
        "\n"
        "Exit: 0 unmounted cleanly (SIGINT, SIGTERM or fusermount3 -u), 1 mount or I/O\n"
        "failure, 2 bad usage or an invalid CONFIG (every error listed with file:line).\n"
        "\nlibfuse options:\n");
    std::fflush(out);
}

int check_only(const std::string& path) {
    std::vector<dgen::ConfigError> errors;
    const dgen::Config config = dgen::load_config(path, errors);
    for (const auto& e : errors) std::fprintf(stderr, "dgenfs: %s\n", e.str().c_str());
    if (!errors.empty()) return 2;
    const dgen::Namespace ns(config);
    std::printf("%s: ok: %llu files in %llu directories, %llu bytes\n", path.c_str(),
                static_cast<unsigned long long>(ns.total_files()),
                static_cast<unsigned long long>(ns.total_dirs()),
                static_cast<unsigned long long>(ns.total_bytes()));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    dgen::fs::DaemonOptions o;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            usage(stdout);
            fuse_cmdline_help();
            fuse_lowlevel_help();
            return 0;
        }
        if (a == "-V" || a == "--version") {
            std::printf("dgenfs %s, formats dgen1 dgen2 (default dgen2), libfuse %s\n", DGEN_VERSION, fuse_pkgversion());
            return 0;
        }
        if (a == "--show-plan" || a == "--check") {
            if (i + 1 >= argc) return std::fprintf(stderr, "dgenfs: %s needs CONFIG\n", a.c_str()), 2;
            if (argc != i + 2 || i != 1) {  // alone: anything else would be silently ignored
                const char* extra = argv[i == 1 ? i + 2 : 1];
                std::fprintf(stderr, "dgenfs: %s takes only CONFIG; unexpected '%s'\n", a.c_str(), extra);
                return 2;
            }
            return a == "--check" ? check_only(argv[i + 1]) : dgen::fs::show_plan(argv[i + 1]);
        }
        if (a == "-f") {
            o.foreground = true;
        } else if (a == "-d") {
            o.foreground = o.debug = true;
        } else if (a == "-s") {
            // accepted for mount.fuse3; workers_per_node in the config sets the workers
        } else if (a == "-o" || a.rfind("-o", 0) == 0) {
            const std::string opts = a == "-o" ? (i + 1 < argc ? argv[++i] : "") : a.substr(2);
            if (opts.empty()) return std::fprintf(stderr, "dgenfs: -o needs options\n"), 2;
            o.fuse_args.push_back("-o");
            o.fuse_args.push_back(opts);
        } else if (!a.empty() && a[0] == '-') {
            std::fprintf(stderr, "dgenfs: unknown option '%s' (see dgenfs --help)\n", a.c_str());
            return 2;
        } else {
            positional.push_back(a);
        }
    }
    if (positional.size() != 2) {
        std::fprintf(stderr, "dgenfs: expected CONFIG and MOUNTPOINT, got %zu argument%s\n",
                     positional.size(), positional.size() == 1 ? "" : "s");
        usage(stderr);
        return 2;
    }
    o.config = positional[0];
    o.mountpoint = positional[1];
    try {
        (void)dgen::active_kernel();  // a bad DGEN_SIMD is a usage error, before mounting
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dgenfs: %s\n", e.what());
        return 2;
    }
    return dgen::fs::run_daemon(o);
}
