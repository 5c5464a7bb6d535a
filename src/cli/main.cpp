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
    if (default_size.empty())
        s->required();
    else
        s->default_str(default_size);
    if (!default_size.empty()) size = default_size;
    app.add_option("--dedup", dedup, "Dedup ratio D >= 1 (units / distinct units)")->type_name("D")->capture_default_str();
    app.add_option("--compress", compress, "Compression ratio C, 1 to 16 (calibrated up to 8)")->type_name("C")->capture_default_str();
    app.add_option("--unit", unit, "Unit size: a power of two from 512 B to 1 MiB")->type_name("SIZE")->capture_default_str();
    app.add_option("--stream", name, "Stream identity (a file's path in a dataset)")->type_name("NAME")->capture_default_str();
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
