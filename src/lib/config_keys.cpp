// The key table: every config key, what it means, and how its value is read. The INI
// parser (config.cpp), the `dgen` options that share a key (src/cli/key_options.cpp) and
// docs/CONFIG.md all come from this one table, and each value goes through the parser of
// its type (values.h), so a value means the same wherever it is written.
#include <algorithm>
#include <string_view>

#include "dgen/config.h"
#include "dgen/fileset.h"
#include "dgen/values.h"

namespace dgen {
namespace {

// For keys that [dataset] sets and [file]/[set] override.
template <class T>
void assign(const KeyTarget& t, T v, T DatasetConfig::*d, std::optional<T> Overrides::*o) {
    if (t.dataset) t.dataset->*d = v;
    else t.over->*o = v;
}

// A path key's value, canonical; the root is refused (a file or set needs a name), and
// so is a trailing '/' where the key names a file.
std::optional<std::string> parse_entry_path(const std::string& v, bool is_file, std::string* e) {
    const auto p = parse_dataset_path(v, e);
    if (!p) return std::nullopt;
    if (p->path.empty()) {
        *e = "path " + quote_text(v) + " names the dataset root; give the " + (is_file ? "file's" : "set's") +
             " own path below it";
        return std::nullopt;
    }
    if (is_file && p->trailing_slash) {
        *e = "path " + quote_text(v) + " ends in '/', which names a directory, not a file";
        return std::nullopt;
    }
    return p->path;
}

const std::vector<std::string_view> kPatternWords = {"dgen", "zero"};
const std::vector<std::string_view> kDistWords = {"fixed", "uniform", "loguniform"};
const std::vector<std::string_view> kDrawWords = {"independent", "stratified"};
const std::vector<std::string_view> kHostWords = {"none", "hostname", "ip"};
const std::vector<std::string_view> kTransportWords = {"auto", "uring", "classic"};

// host_seed's value: a word, or name:TEXT (the prefix in any case; TEXT as is, but for
// blanks around it). hostname and ip are looked up here, once per load of the config.
std::string set_host_seed(DatasetConfig& d, const std::string& v) {
    std::string e;
    if (v.size() >= 5 && is_word(v.substr(0, 5), "name:")) {
        const size_t from = v.find_first_not_of(" \t", 5);
        if (from == std::string::npos)
            return quote_text(v) + " names no identity: write name:TEXT, as in name:rack1-node07";
        d.host_seed = HostSeed::Name;
        d.host = v.substr(from, v.find_last_not_of(" \t") + 1 - from);
        return e;
    }
    const auto x = parse_word(v, kHostWords, &e);
    if (!x) return e + ", or name:TEXT";
    const HostSeed how = *x == 0 ? HostSeed::None : *x == 1 ? HostSeed::Hostname : HostSeed::Ip;
    std::optional<std::string> id;
    if (how != HostSeed::None && !(id = local_host_identity(how, &e))) return quote_text(v) + ": " + e;
    d.host_seed = how;
    d.host = id.value_or("");
    return e;
}

#define DGEN_PATH_RANGE "below the dataset root; '/' at the start, '//' and '.' are dropped; no '..'; components <= 255 bytes"

const ConfigKey kKeys[] = {
    {"seed", "dataset file set", "u64", "0", "0..2^64-1, decimal or 0x hex",
     "Seed of the data; with a file's path (a set's dir) it fixes every byte", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_u64(v, &e)) assign(t, *x, &DatasetConfig::seed, &Overrides::seed);
         return e;
     }},
    {"unit", "dataset file set", "size", "4KiB", "power of two, 512B..1MiB",
     "Dedup unit: duplicates repeat, and compressibility is laid out, in blocks of this size", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         const auto x = parse_size(v, &e);
         if (x && (*x < kMinUnit || *x > kMaxUnit || (*x & (*x - 1)) != 0))
             return "size " + quote_text(v) + " is not a power of two from 512 B to 1 MiB";
         if (x) assign(t, static_cast<uint32_t>(*x), &DatasetConfig::unit, &Overrides::unit);
         return e;
     }},
    {"dedup", "dataset file set", "ratio", "1", "1..1000000",
     "Dedup ratio: units / distinct units (1: every unit unique)", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_ratio(v, kMaxDedup, &e)) assign(t, *x, &DatasetConfig::dedup, &Overrides::dedup);
         return e;
     }},
    {"compress", "dataset file set", "ratio", "1", "1..16",
     "Compression ratio: bytes / compressed bytes (1: incompressible)", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_ratio(v, kMaxCompress, &e))
             assign(t, *x, &DatasetConfig::compress, &Overrides::compress);
         return e;
     }},
    {"dedup_run", "dataset file set", "size", "unit", "unit, or a multiple of the unit up to 1TiB (format 2)",
     "Duplicates come as runs of consecutive units this long, so that content-defined chunkers "
     "(backup tools) see the dedup ratio; unit: single units", "",
     [](const KeyTarget& t, const std::string& v) {
         if (is_word(v, "unit")) {
             assign(t, uint64_t{0}, &DatasetConfig::dedup_run, &Overrides::dedup_run);
             return std::string();
         }
         // Whether it is a multiple of the unit is checked once the unit is known (finish).
         std::string e;
         if (auto x = parse_size_in(v, kMinUnit, kMaxDedupRun, &e))
             assign(t, *x, &DatasetConfig::dedup_run, &Overrides::dedup_run);
         return e;
     }},
    {"format", "dataset file set", "u64", "2", "1 (dgen1) or 2 (dgen2)",
     "Generator format; a format's bytes never change (docs/FORMAT.md)", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         const auto x = parse_u64(v, &e);
         if (x && (*x < static_cast<uint64_t>(kOldestFormat) || *x > static_cast<uint64_t>(kFormatVersion)))
             return "format " + quote_text(v) + " is not supported (this build has 1, dgen1, and 2, dgen2)";
         if (x) assign(t, static_cast<int>(*x), &DatasetConfig::format, &Overrides::format);
         return e;
     }},
    {"pattern", "dataset file set", "enum", "dgen", "dgen, zero",
     "dgen: generated data; zero: all-zero bytes, to measure the FUSE path alone", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_word(v, kPatternWords, &e))
             assign(t, *x == 0 ? Pattern::Dgen : Pattern::Zero, &DatasetConfig::pattern, &Overrides::pattern);
         return e;
     }},
    {"host_seed", "dataset", "host", "none", "none, hostname, ip, or name:TEXT",
     "Host identity mixed into every seed, so that each host serves its own bytes: none (every "
     "host the same), hostname, ip (its first IPv4 address) or name:TEXT; looked up once, at load", "",
     [](const KeyTarget& t, const std::string& v) { return set_host_seed(*t.dataset, v); }},
    {"mtime", "dataset", "time", "2026-01-01T00:00:00Z",
     "0..253402300799 epoch seconds, or YYYY-MM-DDTHH:MM:SSZ (UTC, 1970..9999)",
     "Modification, access and change time of every file and directory", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_time(v, &e)) t.dataset->mtime = *x;
         return e;
     }},
    {"direct_io", "dataset", "bool", "true", "true/false, yes/no, on/off, 1/0",
     "Serve reads with direct_io, bypassing the page cache", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_bool(v, &e)) t.dataset->direct_io = *x;
         return e;
     }},
    {"page_cache_max", "dataset", "size", "1MiB", "0..2^63-1 bytes",
     "Files up to this size are served through the page cache even with direct_io: a "
     "second read of them never reaches dgenfs; 0: none", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_size_in(v, 0, (1ull << 63) - 1, &e)) t.dataset->page_cache_max = *x;
         return e;
     }},
    {"skip_open", "dataset", "enum", "auto", "auto, true/false, yes/no, on/off, 1/0",
     "Answer the kernel's first OPEN with ENOSYS, so that it sends no OPEN or RELEASE again: "
     "a cached file is then read with no request at all, but every file goes through the page "
     "cache; auto: on when no file is larger than page_cache_max (or direct_io is false)", "",
     [](const KeyTarget& t, const std::string& v) {
         if (is_word(v, "auto")) {
             t.dataset->skip_open.reset();
             return std::string();
         }
         std::string e;
         if (auto x = parse_bool(v, &e)) t.dataset->skip_open = *x;
         else e = quote_text(v) + " is neither auto nor a boolean (true/false, yes/no, on/off, 1/0)";
         return e;
     }},
    {"transport", "dataset", "enum", "auto", "auto, uring, classic",
     "How requests travel between the kernel and dgenfs: auto, uring where the kernel offers it "
     "(Linux 6.14+ with the fuse module's enable_uring on), else classic; uring, FUSE over "
     "io_uring with one queue per CPU, served on the reader's own CPU; classic, /dev/fuse", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_word(v, kTransportWords, &e))
             t.dataset->transport = *x == 0 ? Transport::Auto : *x == 1 ? Transport::Uring : Transport::Classic;
         return e;
     }},
    {"readahead", "dataset", "size", "1MiB", "0..64MiB",
     "The mount's kernel readahead, used when direct_io is off", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_size_in(v, 0, 64u << 20, &e)) t.dataset->readahead = *x;
         return e;
     }},
    {"workers_per_node", "dataset", "u64", "auto", "auto or 1..256",
     "FUSE worker threads per NUMA node group, each pinned to one core of its node; auto: "
     "one per usable core", "",
     [](const KeyTarget& t, const std::string& v) {
         if (is_word(v, "auto")) {
             t.dataset->workers_per_node = 0;
             return std::string();
         }
         std::string e;
         const auto x = parse_u64_in(v, 1, 256, &e);
         if (!x) return quote_text(v) + " is neither auto nor a whole number 1..256";
         t.dataset->workers_per_node = static_cast<uint32_t>(*x);
         return e;
     }},
    {"numa_nodes", "dataset", "list", "all", "all, or NUMA node numbers like 0,2",
     "NUMA nodes whose cores serve requests; all: every node with usable cores", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_node_list(v, &e)) t.dataset->numa_nodes = *x;
         return e;
     }},
    {"pool_size", "dataset", "size", "auto", "auto or 4KiB..64GiB",
     "Buffer pool per NUMA node, bound to that node; auto: workers x max_read", "",
     [](const KeyTarget& t, const std::string& v) {
         if (is_word(v, "auto")) {
             t.dataset->pool_size = 0;
             return std::string();
         }
         std::string e;
         if (auto x = parse_size_in(v, 4096, 64ull << 30, &e)) t.dataset->pool_size = *x;
         return e;
     }},
    {"per_node_mount", "dataset", "bool", "false", "true/false, yes/no, on/off, 1/0",
     "One mount per NUMA node group at MOUNTPOINT/node<N>, served only by that node's workers", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_bool(v, &e)) t.dataset->per_node_mount = *x;
         return e;
     }},
    {"mountpoint", "dataset", "path", "", "an absolute path",
     "Where dgenfs mounts the dataset when its command line names no MOUNTPOINT (the "
     "systemd units' case); created if missing", "",
     [](const KeyTarget& t, const std::string& v) {
         if (v.empty() || v[0] != '/') return "mountpoint " + quote_text(v) + " is not an absolute path";
         t.dataset->mountpoint = v;
         return std::string();
     }},
    {"verify_area", "dataset", "bool", "true", "true/false, yes/no, on/off, 1/0",
     "A writable tree mirroring the dataset, mounted on its own at verify_mountpoint and reached "
     "as MOUNTPOINT/.verify: bytes written there are compared with the file's own and discarded; "
     "a mismatch fails the write with EIO", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_bool(v, &e)) t.dataset->verify_area = *x;
         return e;
     }},
    {"verify_mountpoint", "dataset", "path", "", "an absolute path",
     "Where the verify area is mounted, which MOUNTPOINT/.verify links to (default: "
     "/run/dgenfs/verify followed by MOUNTPOINT; for a user other than root "
     "$XDG_RUNTIME_DIR/dgenfs/verify followed by MOUNTPOINT); created if missing", "",
     [](const KeyTarget& t, const std::string& v) {
         if (v.empty() || v[0] != '/') return "verify_mountpoint " + quote_text(v) + " is not an absolute path";
         t.dataset->verify_mountpoint = v;
         return std::string();
     }},
    {"metrics_listen", "dataset", "address", "", "ADDR:PORT, ADDR numeric: 127.0.0.1:9464, [::1]:9464",
     "Serve the Prometheus metrics over HTTP at http://ADDR:PORT/metrics (default: off; the "
     "same text is always in MOUNTPOINT/.dgen/metrics)", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (!parse_listen_address(v, &e)) return e;
         t.dataset->metrics_listen = v;
         return std::string();
     }},
    {"max_read", "dataset", "size", "1MiB", "4KiB..1MiB, a multiple of 4KiB",
     "Largest read request the kernel sends to the filesystem", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         auto x = parse_size_in(v, 4096, 1u << 20, &e);
         if (x && *x % 4096 != 0) return "size " + quote_text(v) + " is not a multiple of 4 KiB";
         if (x) t.dataset->max_read = static_cast<uint32_t>(*x);
         return e;
     }},
    {"path", "file", "path", "", DGEN_PATH_RANGE, "The file's path below the mount root (required)", "file",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_entry_path(v, true, &e)) t.file->path = *x;
         return e;
     }},
    {"size", "file set", "size", "", "[file] 0..2^63-1 bytes; [set] at most 2^30 units",
     "[file]: the file's length (required). [set]: every file's length; or give size_min and size_max",
     "file",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         const auto x = parse_size(v, &e);
         if (x && t.file && *x > kMaxStreamSize)
             return "size " + quote_text(v) + " is above the largest file, 2^63-1 bytes";
         // A set's limit depends on its unit, known only at the end: finish() checks it.
         if (x) (t.file ? t.file->size : t.set->size) = *x;
         return e;
     }},
    {"dir", "set", "path", "", DGEN_PATH_RANGE,
     "Directory that holds the whole set, and nothing else (required)", "set",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_entry_path(v, false, &e)) t.set->dir = *x;
         return e;
     }},
    {"name", "set", "pattern", "f%08u", "one %u, %Nu or %0Nu (N <= 20); %% for a '%'; no '/'; names <= 255 bytes",
     "File name pattern; %u is the file's index, from 0", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (NamePattern::parse(v, &e)) t.set->name = v;
         return e;
     }},
    {"count", "set", "u64", "", "1..4294967296", "Number of files in the set (required)", "set",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_u64_in(v, 1, kMaxSetFiles, &e)) t.set->count = *x;
         return e;
     }},
    {"size_min", "set", "size", "", "0..size_max",
     "Smallest file size, with size_max, for sizes drawn per file", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_size(v, &e)) t.set->size_min = *x;
         return e;
     }},
    {"size_max", "set", "size", "", "size_min..2^30 units",
     "Largest file size, with size_min, for sizes drawn per file", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_size(v, &e)) t.set->size_max = *x;
         return e;
     }},
    {"size_dist", "set", "enum", "fixed", "fixed, uniform, loguniform",
     "fixed goes with size; uniform (the default with size_min/size_max) or loguniform draws "
     "each file's size from size_min..size_max", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_word(v, kDistWords, &e))
             t.set->size_dist = *x == 0 ? SizeDist::Fixed : *x == 1 ? SizeDist::Uniform : SizeDist::LogUniform;
         return e;
     }},
    {"size_draw", "set", "enum", "independent", "independent, stratified",
     "independent draws each file's size on its own; stratified gives each block of 4096 files "
     "the 4096 quantiles of size_dist, shuffled, so a set of any count totals at once", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_word(v, kDrawWords, &e))
             t.set->size_draw = *x == 0 ? SizeDrawMode::Independent : SizeDrawMode::Stratified;
         return e;
     }},
    {"files_per_dir", "set", "u64", "1000", "1..4294967296", "Files in each leaf directory", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_u64_in(v, 1, kMaxSetFiles, &e)) t.set->files_per_dir = *x;
         return e;
     }},
    {"dirs_per_dir", "set", "u64", "100", "2..65536", "Subdirectories in each inner directory", "",
     [](const KeyTarget& t, const std::string& v) {
         std::string e;
         if (auto x = parse_u64_in(v, 2, 65536, &e)) t.set->dirs_per_dir = *x;
         return e;
     }},
};

#undef DGEN_PATH_RANGE

bool lists(const char* list, Section s) {
    const std::string_view l(list), name(section_name(s));
    for (size_t at = 0; at < l.size();) {
        const size_t end = std::min(l.find(' ', at), l.size());
        if (l.substr(at, end - at) == name) return true;
        at = end + 1;
    }
    return false;
}

}  // namespace

const char* section_name(Section s) {
    return s == Section::Dataset ? "dataset" : s == Section::File ? "file" : "set";
}

bool ConfigKey::allowed_in(Section s) const { return lists(sections, s); }
bool ConfigKey::required(Section s) const { return lists(required_in, s); }

const std::vector<ConfigKey>& config_keys() {
    static const std::vector<ConfigKey> keys(std::begin(kKeys), std::end(kKeys));
    return keys;
}

const ConfigKey* find_config_key(std::string_view name) {
    for (const ConfigKey& k : config_keys())
        if (name == k.name) return &k;
    return nullptr;
}

}  // namespace dgen
