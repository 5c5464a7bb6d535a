// The options that name a stream, shared by cat and check: its parameters (each bound to
// the config key of the same name), or a file of a dataset config.
#include "common.h"
#include <cstdio>

#include "dgen/fileset.h"
#include "dgen/kernel.h"
#include "dgen/values.h"

namespace dgen::cli {

void StreamOptions::add_to(CLI::App& app, uint64_t default_size, bool with_path) {
    const KeyTarget t = KeyTarget::of(file);
    file.size = default_size;
    add_key_option(app, "--seed", "seed", t, "N");
    CLI::Option* size = add_key_option(app, "--size", "size", t, "SIZE");
    size->description("Stream size, up to 2^63-1 bytes: 4096, 4KiB, 1MiB, 1GiB, 1TiB, 1KB, 1GB [config key size]");
    if (default_size != 0) {
        std::string shown = format_size(default_size);  // "64 MiB" -> "64MiB", as typed
        shown.erase(shown.find(' '), 1);
        size->default_str(shown);
    }
    add_key_option(app, "--dedup", "dedup", t, "D");
    add_key_option(app, "--compress", "compress", t, "C");
    add_key_option(app, "--unit", "unit", t, "SIZE");
    add_key_option(app, "--dedup-run", "dedup_run", t, "SIZE");
    add_key_option(app, "--format", "format", t, "N");
    app.add_option("--stream", name, "Stream identity (a file's path in a dataset)")->type_name("NAME")->capture_default_str();
    app.add_option_function<std::string>(
           "--host",
           [this](const std::string& v) {
               const size_t a = v.find_first_not_of(" \t");
               if (a == std::string::npos) throw CLI::ValidationError("--host", "the host identity is empty");
               host = v.substr(a, v.find_last_not_of(" \t") + 1 - a);
           },
           "Host identity to mix into the seed, as host_seed finds it on that host (its hostname, "
           "IPv4 address or name:TEXT's TEXT): that host's bytes, from anywhere. With --config, "
           "the dataset's host_seed must not be none")
        ->type_name("NAME");
    app.add_option("--config", config, "Take the stream from this dataset config (with PATH)")
        ->type_name("CONFIG");
    if (with_path) app.add_option("path", path, "With --config: the file's path in the dataset")->type_name("PATH");
    app.add_option("--simd", simd,
                   "Force a kernel: " + available_kernel_names() + " (default: fastest; env DGEN_SIMD)")
        ->type_name("KERNEL");
}

int& exit_status() {
    static int status = 0;
    return status;
}

Config load_config_or_throw(const std::string& path) {
    std::vector<ConfigError> errors;
    Config c = load_config(path, errors);
    if (errors.empty()) return c;
    std::string msg = std::to_string(errors.size()) + " error(s) in the config:";
    for (const ConfigError& e : errors) msg += "\n  " + e.str();
    throw UsageError(msg);
}

uint64_t resolve_path_or_throw(const Namespace& ns, const std::string& path, const std::string& config) {
    std::string err;
    const auto p = parse_dataset_path(path, &err);
    if (!p) throw UsageError(err);
    const auto ino = ns.resolve(p->path);
    if (!ino) throw UsageError(quote_text(path) + " is not in the dataset of " + config);
    if (p->trailing_slash && !ns.attr(*ino)->dir)
        throw UsageError(quote_text(path) + " ends in '/', but " + quote_text(p->path) + " is a file, not a directory");
    return *ino;
}

Config StreamOptions::dataset(const CLI::App& app) const {
    for (const char* opt : {"--seed", "--size", "--dedup", "--compress", "--unit", "--dedup-run",
                            "--format", "--stream"})
        if (app.count(opt) > 0)
            throw UsageError(std::string(opt) + " cannot be combined with --config: the config sets it");
    Config c = load_config_or_throw(config);
    if (!host.empty()) {
        if (c.dataset.host_seed == HostSeed::None)
            throw UsageError("--host: " + config + " has host_seed = none, so every host serves "
                             "the same bytes and --host would change nothing");
        c.dataset.host = host;  // in place of the identity this host has
    }
    return c;
}

std::unique_ptr<FileSource> StreamOptions::open_config_file(const CLI::App& app) const {
    if (config.empty()) {
        if (!path.empty()) throw UsageError("PATH " + quote_text(path) + " needs --config CONFIG");
        return nullptr;
    }
    if (path.empty()) throw UsageError("--config needs the PATH of a file in the dataset");
    const Namespace ns(dataset(app));
    auto src = ns.open(resolve_path_or_throw(ns, path, config));
    if (!src) throw UsageError(quote_text(path) + " is a directory");
    return src;
}

StreamParams StreamOptions::params(const CLI::App& app) const {
    if (file.size == 0 && app.count("--size") == 0)
        throw UsageError(std::string("--size is required (or ") + config_form + ")");
    if (name.empty()) throw UsageError("--stream: the stream name is empty");
    StreamParams p = effective_params(DatasetConfig{}, file.over);
    p.size = file.size;
    p.name = name;
    p.host = host;
    if (std::string e = validate(p); !e.empty()) throw UsageError(e);
    return p;
}

void StreamOptions::apply_simd() const {
    if (!simd.empty() && !force_kernel(simd))
        throw UsageError("--simd " + simd + ": unknown or unsupported here (available: " +
                         available_kernel_names() + ")");
}

}  // namespace dgen::cli
