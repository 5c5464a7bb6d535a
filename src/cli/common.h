// Shared pieces of the `dgen` subcommands: the stream options every command takes, and
// the usage-error convention (message on stderr, exit code 2).
#pragma once

#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include <memory>

#include "dgen/format.h"
#include "dgen/namespace.h"

namespace dgen::cli {

inline constexpr int kExitUsage = 2;

// Bad input the user can fix; main() prints "dgen CMD: MESSAGE" and exits 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Raw text of the stream options, parsed after CLI11 so errors quote what was typed.
struct StreamOptions {
    std::string config;  // --config CONFIG: the stream is PATH of that dataset
    std::string path;
    std::string seed = "0";
    std::string size;
    std::string dedup = "1";
    std::string compress = "1";
    std::string unit = "4KiB";
    std::string name = "stream";
    std::string simd;

    void add_to(CLI::App& app, const std::string& default_size);
    StreamParams parse() const;  // throws UsageError
    // With --config: the dataset's file PATH (kept alive by `holder`); without: nullptr.
    std::unique_ptr<FileSource> open_config_file(const CLI::App& app) const;
    void apply_simd() const;     // throws UsageError
};

uint64_t parse_size_or_throw(const std::string& text, const char* option);

// A subcommand's own exit status (0 ok, 1 failed check or I/O error), read by main().
int& exit_status();

void add_cat(CLI::App& app);
void add_check(CLI::App& app);
void add_bench(CLI::App& app);
void add_ls(CLI::App& app);

// Loads CONFIG or throws UsageError listing every error (file:line).
Config load_config_or_throw(const std::string& path);

}  // namespace dgen::cli
