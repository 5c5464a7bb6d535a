// Shared pieces of the `dgen` subcommands: options bound to config keys, the stream options
// every stream command takes, and the usage-error convention (message on stderr, exit 2).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "dgen/config.h"
#include "dgen/format.h"
#include "dgen/namespace.h"

namespace dgen::cli {

inline constexpr int kExitUsage = 2;

// Bad input the user can fix; main() prints "dgen CMD: MESSAGE" and exits 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// --FLAG bound to config key KEY (key_options.cpp): its help and range come from the key
// table, and the value goes through the key's own setter into `target`, so `--seed 010`
// means exactly what `seed = 010` means in a config. A bad value is a CLI11 validation
// error: "--seed: '0x1G' is not an unsigned integer (decimal, or 0x hex)".
CLI::Option* add_key_option(CLI::App& app, const std::string& flag, const char* key,
                            KeyTarget target, const std::string& type_name);

// Options of the same value types that no config key has (--offset, --sample, --runs):
// the same grammar (values.h), parsed into `out`.
CLI::Option* add_size_option(CLI::App& app, const std::string& flag, uint64_t& out,
                             const std::string& help);
CLI::Option* add_u64_option(CLI::App& app, const std::string& flag, uint64_t& out, uint64_t lo,
                            uint64_t hi, const std::string& help);
CLI::Option* add_real_option(CLI::App& app, const std::string& flag, double& out,
                             const std::string& help);

// A stream, given by its parameters or as a file of a dataset config.
struct StreamOptions {
    std::string config;  // --config CONFIG: the stream is PATH of that dataset
    std::string path;
    std::string name = "stream";
    std::string simd;
    std::string host;    // --host NAME: this host identity instead of the local one
    // How the command takes a stream from a config, for "--size is required (or ...)".
    const char* config_form = "--config CONFIG PATH";
    FileConfig file;     // --seed, --size, --unit, --dedup, --compress, --dedup-run, --format

    // default_size: 0 = --size is required. with_path: the positional PATH (a command
    // with positionals of its own leaves it out).
    void add_to(CLI::App& app, uint64_t default_size, bool with_path = true);
    StreamParams params(const CLI::App& app) const;  // throws UsageError
    // With --config: the dataset's file PATH; without: nullptr.
    std::unique_ptr<FileSource> open_config_file(const CLI::App& app) const;
    // The --config dataset, with --host applied; throws UsageError if a parameter option
    // (--seed, --size, ...) was given too.
    Config dataset(const CLI::App& app) const;
    void apply_simd() const;  // throws UsageError
};

// A subcommand's own exit status (0 ok, 1 failed check or I/O error), read by main().
int& exit_status();

void add_cat(CLI::App& app);
void add_check(CLI::App& app);
void add_bench(CLI::App& app);
void add_ls(CLI::App& app);
void add_verify(CLI::App& app);
void add_stat(CLI::App& app);

// The whole `dgen` command line (main.cpp uses it; so do the tests).
void build_app(CLI::App& app);
// Runs `dgen` on argv as main() does; returns the exit status.
int run_main(CLI::App& app, int argc, const char* const* argv);

// Loads CONFIG or throws UsageError listing every error (file:line).
Config load_config_or_throw(const std::string& path);

// A dataset path typed on the command line, resolved in `ns` with the one path grammar
// (values.h): throws UsageError if it is malformed, absent, or ends in '/' but names a file.
uint64_t resolve_path_or_throw(const Namespace& ns, const std::string& path, const std::string& config);

}  // namespace dgen::cli
