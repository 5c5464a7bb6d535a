// dgen: produce, check and benchmark dgen1 streams without mounting anything.
#include <cstdio>
#include <exception>

#include "common.h"
#include "dgen/kernel.h"
#include "dgen/size_parse.h"

namespace dgen::cli {

void StreamOptions::add_to(CLI::App& app, const std::string& default_size) {
    app.add_option("--seed", seed, "Dataset seed, an unsigned 64-bit integer")->type_name("N")->capture_default_str();
    auto* s = app.add_option("--size", size, "Stream size: 4096, 4KiB, 1MiB, 1GiB, 1TiB, 1KB, 1GB")->type_name("SIZE");
    if (!default_size.empty()) {
        s->default_str(default_size);
        size = default_size;
    }
    app.add_option("--dedup", dedup, "Dedup ratio D >= 1 (units / distinct units)")->type_name("D")->capture_default_str();
    app.add_option("--compress", compress, "Compression ratio C, 1 to 16 (calibrated up to 8)")->type_name("C")->capture_default_str();
    app.add_option("--unit", unit, "Unit size: a power of two from 512 B to 1 MiB")->type_name("SIZE")->capture_default_str();
    app.add_option("--stream", name, "Stream identity (a file's path in a dataset)")->type_name("NAME")->capture_default_str();
    app.add_option("--config", config, "Take the stream from this dataset config (with PATH)")
        ->type_name("CONFIG");
    app.add_option("path", path, "With --config: the file's path in the dataset")->type_name("PATH");
    app.add_option("--simd", simd,
                   "Force a kernel: " + available_kernel_names() + " (default: fastest; env DGEN_SIMD)")
        ->type_name("KERNEL");
}

uint64_t parse_size_or_throw(const std::string& text, const char* option) {
    std::string err;
    const auto v = parse_size(text, &err);
    if (!v) throw UsageError(std::string(option) + ": " + err);
    return *v;
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

std::unique_ptr<FileSource> StreamOptions::open_config_file(const CLI::App& app) const {
    if (config.empty()) {
        if (!path.empty()) throw UsageError("PATH '" + path + "' needs --config CONFIG");
        return nullptr;
    }
    for (const char* opt : {"--seed", "--size", "--dedup", "--compress", "--unit", "--stream"})
        if (app.count(opt) > 0)
            throw UsageError(std::string(opt) + " cannot be combined with --config: the config sets it");
    if (path.empty()) throw UsageError("--config needs the PATH of a file in the dataset");
    const Config c = load_config_or_throw(config);
    const Namespace ns(c);
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    const auto ino = ns.resolve(rel);
    if (!ino) throw UsageError("'" + path + "' is not in the dataset of " + config);
    auto src = ns.open(*ino);
    if (!src) throw UsageError("'" + path + "' is a directory");
    return src;
}

StreamParams StreamOptions::parse() const {
    StreamParams p;
    std::string err;
    try {
        size_t used = 0;
        p.seed = std::stoull(seed, &used, 0);
        if (used != seed.size() || seed.front() == '-') throw std::invalid_argument(seed);
    } catch (const std::exception&) {
        throw UsageError("--seed '" + seed + "': expected an unsigned 64-bit integer");
    }
    if (size.empty()) throw UsageError("--size is required (or --config CONFIG PATH)");
    p.size = parse_size_or_throw(size, "--size");
    const auto d = parse_ratio(dedup, &err);
    if (!d) throw UsageError("--dedup: " + err);
    const auto c = parse_ratio(compress, &err);
    if (!c) throw UsageError("--compress: " + err);
    p.dedup = *d;
    p.compress = *c;
    const uint64_t u = parse_size_or_throw(unit, "--unit");
    if (u > kMaxUnit) throw UsageError("--unit " + unit + ": must be a power of two from 512 B to 1 MiB");
    p.unit = static_cast<uint32_t>(u);
    p.name = name;
    if (std::string e = validate(p); !e.empty()) throw UsageError(e);
    return p;
}

void StreamOptions::apply_simd() const {
    if (!simd.empty() && !force_kernel(simd))
        throw UsageError("--simd " + simd + ": unknown or unsupported here (available: " +
                         available_kernel_names() + ")");
}

}  // namespace dgen::cli

int main(int argc, char** argv) {
    using namespace dgen::cli;
    CLI::App app{"dgen: deterministic synthetic storage test data (format dgen1)\n"
                 "Every byte is a pure function of (seed, stream, offset)."};
    app.name("dgen");
    app.set_version_flag("--version", std::string("dgen ") + DGEN_VERSION + ", format dgen1");
    app.require_subcommand(1);
    add_cat(app);
    add_check(app);
    add_bench(app);
    add_ls(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : kExitUsage;
    } catch (const UsageError& e) {
        const auto subs = app.get_subcommands();
        std::fprintf(stderr, "dgen %s: %s\n", subs.empty() ? "" : subs[0]->get_name().c_str(),
                     e.what());
        return kExitUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dgen: %s\n", e.what());
        return 1;
    }
    return exit_status();
}
