// The dataset a dgenfs mount (or `dgen --config`) serves, as read from an INI file.
//
//   [dataset]            seed, unit, dedup, compress, format, pattern, mtime, and how files
//                        are served (direct_io, readahead, max_read, NUMA workers and pools)
//   [file]               one file: path, size, per-file overrides
//   [set]                many files: dir, name pattern, count, sizes, fan-out, overrides
//
// Every key lives in one table (config_keys(), src/lib/config_keys.cpp) with its type,
// default, range, help and setter; the INI parser, the `dgen` options that share a key
// (--seed, --size, --dedup, ...) and docs/CONFIG.md all come from it, and every value goes
// through one parser per type (values.h). Errors are collected, not thrown one at a time,
// each with file:line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dgen/format.h"

namespace dgen {

enum class Pattern { Dgen, Zero };  // Zero: all-zero bytes (the FUSE ceiling in benchmarks)

enum class SizeDist { Fixed, Uniform, LogUniform };

// How a set's drawn sizes are laid out over its files (key size_draw, docs/FORMAT.md §7):
// each file on its own, or each block of 4096 files holding the distribution's 4096
// quantiles in a keyed order (a total in O(4096) however many files).
enum class SizeDrawMode { Independent, Stratified };

// How a dataset finds the identity of the host that serves it (key host_seed).
enum class HostSeed { None, Hostname, Ip, Name };
// How FUSE requests reach dgenfs (docs/dgenfs.md "Transport"): Auto is Uring where the
// kernel offers it, else Classic.
enum class Transport { Auto, Uring, Classic };

// Keys a [file] or [set] may override; unset means "inherit from [dataset]".
struct Overrides {
    std::optional<uint64_t> seed;
    std::optional<uint32_t> unit;
    std::optional<double> dedup;
    std::optional<double> compress;
    std::optional<uint64_t> dedup_run;  // bytes; 0 = one unit
    std::optional<int> format;
    std::optional<Pattern> pattern;
};

struct DatasetConfig {
    uint64_t seed = 0;
    uint32_t unit = kDefaultUnit;
    double dedup = 1.0;
    double compress = 1.0;
    uint64_t dedup_run = 0;      // bytes per run of duplicate units; 0 = one unit
    int format = kFormatVersion;
    Pattern pattern = Pattern::Dgen;
    HostSeed host_seed = HostSeed::None;
    std::string host;            // the identity host_seed found, once, at load; "" = none.
                                 // Mixed into every seed of the dataset (format.h: effective_seed)
    int64_t mtime = 1767225600;  // 2026-01-01T00:00:00Z; every inode's times
    bool direct_io = true;       // bypass the page cache (docs/PERFORMANCE.md says why)
    uint64_t page_cache_max = 1u << 20;  // files up to this size use the page cache anyway
    std::optional<bool> skip_open;  // ENOSYS to OPEN (fs.h: skips_open); nullopt = auto
    Transport transport = Transport::Auto;  // FUSE over io_uring where offered, or /dev/fuse
    uint64_t readahead = 1u << 20;  // page-cache mode: the mount's read_ahead_kb, bytes
    uint32_t workers_per_node = 0;  // 0 = auto: one per usable core of each node
    std::vector<unsigned> numa_nodes;  // empty = every node with usable cores
    uint64_t pool_size = 0;         // per node; 0 = auto: workers x max_read
    bool per_node_mount = false;    // one mount per node group at MOUNTPOINT/node<N>
    uint32_t max_read = 1u << 20;   // largest read request, bytes (libfuse 3.14: 1 MiB)
    std::string mountpoint;         // where dgenfs mounts when not told; empty = not set
    bool verify_area = true;        // MOUNTPOINT/.verify: writes there are checked (dgenfs.md)
    std::string verify_mountpoint;  // where the verify area is mounted; empty = the default
    std::string metrics_listen;     // "ADDR:PORT" serving /metrics over HTTP; empty = off
};

struct FileConfig {
    std::string path;  // canonical (values.h: parse_dataset_path): "a/b", relative to the root
    uint64_t size = 0;
    Overrides over;
    int line = 0;      // line of the [file] header, for errors
};

struct SetConfig {
    std::string dir;           // directory that holds the whole set (owned by it), canonical
    std::string name = "f%08u";  // file name pattern: one %u, optionally %0Nu or %Nu
    uint64_t count = 0;
    SizeDist size_dist = SizeDist::Fixed;
    uint64_t size = 0;         // Fixed
    uint64_t size_min = 0;     // Uniform / LogUniform, inclusive
    uint64_t size_max = 0;
    SizeDrawMode size_draw = SizeDrawMode::Independent;  // Uniform / LogUniform only
    uint64_t files_per_dir = 1000;  // files in each leaf directory
    uint64_t dirs_per_dir = 100;    // subdirectories in each inner directory
    Overrides over;
    int line = 0;
};

inline constexpr size_t kMaxSets = 32767;  // inode numbers give a set 15 bits (namespace.h)

// Names in the mount's root that no dataset path may start with: the statistics and the
// verify area (docs/dgenfs.md).
inline constexpr const char* kControlDirName = ".dgen";
inline constexpr const char* kVerifyDirName = ".verify";

struct Config {
    std::string source;  // file name, for messages
    DatasetConfig dataset;
    std::vector<FileConfig> files;
    std::vector<SetConfig> sets;
};

struct ConfigError {
    std::string file;
    int line = 0;  // 0: not tied to one line
    std::string message;
    std::string str() const;  // "file:line: message"
};

// Parses and validates (ranges, paths, collisions, overflowing totals). On any error the
// returned Config is unusable and `errors` lists the problems found, in line order: the
// first kMaxConfigErrors, then one "… and N more errors" (line 0) if there were more.
// load_config also refuses a file that describes no file at all (no [file], no [set]).
inline constexpr size_t kMaxConfigErrors = 20;
Config load_config(const std::string& path, std::vector<ConfigError>& errors);
Config parse_config(const std::string& text, const std::string& source,
                    std::vector<ConfigError>& errors);

// The effective stream parameters of a file or set: overrides over [dataset], and the
// dataset's host identity.
StreamParams effective_params(const DatasetConfig& d, const Overrides& o);
Pattern effective_pattern(const DatasetConfig& d, const Overrides& o);

// The host identity host_seed names, found on this machine (docs/CONFIG.md, host_seed):
//   Hostname  gethostname(), as is: the kernel's node name (`uname -n`)
//   Ip        the first IPv4 address, in interface index order and then the kernel's
//             order on the interface (`ip -4 -o addr`), of an interface that is up and
//             not a loopback, outside 127.0.0.0/8 and 169.254.0.0/16; dotted decimal
// nullopt and *error set if there is none. Not for None or Name (nothing to find).
std::optional<std::string> local_host_identity(HostSeed how, std::string* error);

// One IPv4 address of an interface, as getifaddrs() lists it; and the Ip rule above over
// such a list (its order: getifaddrs()'s).
struct InterfaceAddress {
    std::string interface;
    unsigned index = 0;  // if_nametoindex()
    bool up = false;
    bool loopback = false;
    uint32_t ipv4 = 0;   // host byte order: 10.0.0.1 is 0x0A000001
};
std::optional<std::string> pick_host_ip(std::vector<InterfaceAddress> addresses);

// "host_seed = hostname, host identity 'alpha'"; "host_seed = none (every host serves the
// same bytes)". What dgenfs and dgen print, so the user knows which identity was used.
std::string describe_host(const DatasetConfig& d);

enum class Section : unsigned { Dataset = 1, File = 2, Set = 4 };
const char* section_name(Section s);  // "dataset", "file", "set"

// Where one key's value goes: the dataset, or one [file] or [set] and its overrides.
struct KeyTarget {
    DatasetConfig* dataset = nullptr;
    FileConfig* file = nullptr;
    SetConfig* set = nullptr;
    Overrides* over = nullptr;  // of the file or set

    static KeyTarget of(DatasetConfig& d) { return {&d, nullptr, nullptr, nullptr}; }
    static KeyTarget of(FileConfig& f) { return {nullptr, &f, nullptr, &f.over}; }
    static KeyTarget of(SetConfig& s) { return {nullptr, nullptr, &s, &s.over}; }
    Section section() const { return dataset ? Section::Dataset : file ? Section::File : Section::Set; }
};

// One row of the key table: its documentation, and what the parser does with a value.
struct ConfigKey {
    const char* name;
    const char* sections;   // "dataset", "file", "set", or a combination like "dataset file set"
    const char* type;       // a value type of values.h: "size", "ratio", "u64", "bool", "enum", ...
    const char* def;        // default as the user would type it, "" if required/none
    const char* range;      // human-readable range
    const char* help;
    const char* required_in;  // sections in which the key must be given
    // Parses `value` as the key's type, checks its range and stores it in `target` (a
    // section the key is allowed in). Returns "" or a message that quotes the value; the
    // config prefixes it with "file:line: [section] key: ", `dgen` with "--option: ".
    std::string (*set)(const KeyTarget& target, const std::string& value);

    bool allowed_in(Section s) const;
    bool required(Section s) const;
};
const std::vector<ConfigKey>& config_keys();
const ConfigKey* find_config_key(std::string_view name);  // nullptr if there is none

}  // namespace dgen
