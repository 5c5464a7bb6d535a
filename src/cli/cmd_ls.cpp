// dgen ls: the tree a config describes, without mounting it.
#include <cstdio>
#include <memory>

#include "common.h"
#include "dgen/values.h"

namespace dgen::cli {
namespace {

struct LsOptions {
    std::string config;
    std::string path;
    bool summary = false;
};

// "N files, M directories, SIZE (B bytes)": the totals of PATH's subtree, PATH counted
// (as the root counts among the dataset's directories).
void print_summary(const Namespace& ns, uint64_t ino, const std::string& rel) {
    uint64_t files = 0, dirs = 0, bytes = 0;
    if (ino == kRootIno) {
        files = ns.total_files(), dirs = ns.total_dirs(), bytes = ns.total_bytes();  // sums drawn sizes
    } else {
        auto count = [&](const NodeAttr& e) {
            (e.dir ? dirs : files) += 1;
            bytes += e.size;
        };
        count(*ns.attr(ino));
        walk_tree(ns, ino, rel, [&](const std::string&, const NodeAttr& e) {
            count(e);
            return true;
        });
    }
    std::printf("%llu files, %llu directories, %s (%llu bytes)\n", static_cast<unsigned long long>(files),
                static_cast<unsigned long long>(dirs), format_size(bytes).c_str(),
                static_cast<unsigned long long>(bytes));
}

void run_ls(const LsOptions& o) {
    const Config c = load_config_or_throw(o.config);
    // On stderr, so stdout stays one entry per line. The tree is the same for every host.
    if (c.dataset.host_seed != HostSeed::None) std::fprintf(stderr, "dgen ls: %s\n", describe_host(c.dataset).c_str());
    const Namespace ns(c);
    const uint64_t ino = o.path.empty() ? kRootIno : resolve_path_or_throw(ns, o.path, o.config);
    std::string err;
    const std::string rel = o.path.empty() ? "" : parse_dataset_path(o.path, &err)->path;
    if (o.summary) {
        if (ino == kRootIno)  // the one place dgen sums every size
            for (const ConfigError& n : slow_total_notes(c, o.config)) std::fprintf(stderr, "dgen: %s\n", n.str().c_str());
        return print_summary(ns, ino, rel);
    }
    const auto a = ns.attr(ino);
    if (!a->dir) {
        std::printf("f %15llu %s\n", static_cast<unsigned long long>(a->size), rel.c_str());
        return;
    }
    // Depth-first, in readdir order: "d|f SIZE PATH" per entry.
    walk_tree(ns, ino, rel, [](const std::string& path, const NodeAttr& e) {
        std::printf("%c %15llu %s\n", e.dir ? 'd' : 'f', static_cast<unsigned long long>(e.size),
                    path.c_str());
        return true;
    });
}

}  // namespace

void add_ls(CLI::App& app) {
    auto o = std::make_shared<LsOptions>();
    CLI::App* cmd = app.add_subcommand(
        "ls", "List the files a config describes: 'd|f SIZE PATH', depth first");
    cmd->add_option("--config", o->config, "Dataset config (INI)")->type_name("CONFIG")->required();
    cmd->add_option("path", o->path, "Subtree to list (default: everything)")->type_name("PATH");
    cmd->add_flag("--summary", o->summary, "Print only the totals of PATH (default: the whole dataset)");
    cmd->callback([o] { run_ls(*o); });
}

}  // namespace dgen::cli
