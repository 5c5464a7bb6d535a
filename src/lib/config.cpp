// The config parser: inih splits lines, one key table (kKeys) says what every key means.
//
//   text ──read_line()──▶ inih ──on_key()──▶ KeyDef::set ──▶ DatasetConfig / FileConfig / SetConfig
//         counts lines,         (section,          parses one value and
//         sees [headers],        key, value)       checks its range
//         flags bad lines
//
// then finish() checks what needs the whole file: required keys, set sizes, totals, and
// paths that collide. Every problem becomes one ConfigError; nothing stops at the first.
#include "dgen/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string_view>
#include <utility>

#include <ini.h>

#include "dgen/fileset.h"
#include "dgen/size_parse.h"

namespace dgen {
namespace {

// ---------------------------------------------------------------------------------------
// Value parsers: nullopt and *e set to a message that quotes the value.

std::optional<uint64_t> parse_u64(const std::string& v, std::string* e) {
    const bool hex = v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
    const uint64_t base = hex ? 16 : 10;
    const std::string digits = hex ? "0123456789abcdef" : "0123456789";
    uint64_t x = 0;
    for (size_t i = hex ? 2 : 0; i < v.size(); ++i) {
        const size_t d = digits.find(static_cast<char>(std::tolower(static_cast<unsigned char>(v[i]))));
        if (d == std::string::npos) break;
        if (x > (UINT64_MAX - d) / base) {
            *e = "'" + v + "' does not fit in 64 bits";
            return std::nullopt;
        }
        x = x * base + d;
        if (i + 1 == v.size()) return x;
    }
    *e = "'" + v + "' is not an unsigned integer (decimal, or 0x hex)";
    return std::nullopt;
}

std::optional<uint64_t> parse_u64_in(const std::string& v, uint64_t lo, uint64_t hi,
                                     std::string* e) {
    const auto x = parse_u64(v, e);
    if (x && (*x < lo || *x > hi)) {
        *e = "'" + v + "' is outside " + std::to_string(lo) + ".." + std::to_string(hi);
        return std::nullopt;
    }
    return x;
}

std::optional<uint64_t> parse_size_in(const std::string& v, uint64_t lo, uint64_t hi,
                                      std::string* e) {
    const auto x = parse_size(v, e);
    if (x && (*x < lo || *x > hi)) {
        *e = "size '" + v + "' is outside " + format_size(lo) + ".." + format_size(hi);
        return std::nullopt;
    }
    return x;
}

std::optional<uint32_t> parse_unit(const std::string& v, std::string* e) {
    const auto x = parse_size(v, e);
    if (x && (*x < kMinUnit || *x > kMaxUnit || (*x & (*x - 1)) != 0)) {
        *e = "size '" + v + "' is not a power of two from 512 B to 1 MiB";
        return std::nullopt;
    }
    return x ? std::optional<uint32_t>(static_cast<uint32_t>(*x)) : std::nullopt;
}

std::optional<double> parse_ratio_to(const std::string& v, double max, std::string* e) {
    const auto x = parse_ratio(v, e);
    if (x && *x > max) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", max);
        *e = "ratio '" + v + "' is above the largest supported, " + buf;
        return std::nullopt;
    }
    return x;
}

std::optional<int> parse_format(const std::string& v, std::string* e) {
    const auto x = parse_u64(v, e);
    if (x && *x != static_cast<uint64_t>(kFormatVersion)) {
        *e = "format '" + v + "' is not supported (this build has only 1, dgen1)";
        return std::nullopt;
    }
    return x ? std::optional<int>(kFormatVersion) : std::nullopt;
}

template <class E, size_t N>
std::optional<E> parse_enum(const std::string& v, const std::pair<const char*, E> (&names)[N],
                            std::string* e) {
    std::string all;
    for (const auto& [name, value] : names) {
        if (v == name) return value;
        all += all.empty() ? name : std::string(", ") + name;
    }
    *e = "'" + v + "' is not one of: " + all;
    return std::nullopt;
}

constexpr std::pair<const char*, Pattern> kPatterns[] = {{"dgen", Pattern::Dgen},
                                                         {"zero", Pattern::Zero}};
constexpr std::pair<const char*, SizeDist> kDists[] = {
    {"fixed", SizeDist::Fixed}, {"uniform", SizeDist::Uniform},
    {"loguniform", SizeDist::LogUniform}};

std::optional<bool> parse_bool(const std::string& v, std::string* e) {
    std::string l = v;
    for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* t : {"true", "yes", "on", "1"})
        if (l == t) return true;
    for (const char* f : {"false", "no", "off", "0"})
        if (l == f) return false;
    *e = "'" + v + "' is not a boolean (true/false, yes/no, on/off, 1/0)";
    return std::nullopt;
}

constexpr int64_t kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil), so no time zone or libc locale can shift the result.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = y / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> parse_time(const std::string& v, std::string* e) {
    const std::string bad = "'" + v + "' is not a time (epoch seconds, or YYYY-MM-DDTHH:MM:SSZ in UTC)";
    if (!v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        const auto x = parse_u64(v, e);
        if (x && *x > static_cast<uint64_t>(kMaxTime)) {
            *e = "'" + v + "' is after 9999-12-31T23:59:59Z";
            return std::nullopt;
        }
        return x ? std::optional<int64_t>(static_cast<int64_t>(*x)) : std::nullopt;
    }
    static const std::string kShape = "dddd-dd-ddTdd:dd:ddZ";  // d: a digit
    bool shaped = v.size() == kShape.size();
    for (size_t i = 0; shaped && i < v.size(); ++i)
        shaped = kShape[i] == 'd' ? v[i] >= '0' && v[i] <= '9' : v[i] == kShape[i];
    if (!shaped) {
        *e = bad;
        return std::nullopt;
    }
    auto num = [&](size_t at, size_t n) {
        unsigned x = 0;
        for (size_t i = at; i < at + n; ++i) x = x * 10 + static_cast<unsigned>(v[i] - '0');
        return x;
    };
    const unsigned y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
                   s = num(17, 2);
    static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap) ||
        h > 23 || mi > 59 || s > 59) {
        *e = "'" + v + "' is not a valid UTC time from 1970 to 9999";
        return std::nullopt;
    }
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

// A path below the mount root. NUL cannot come through inih, but parse_config's text might
// come from anywhere, and a NUL would silently cut the name at the FUSE boundary.
std::optional<std::string> parse_path(const std::string& v, std::string* e) {
    const std::string q = "path '" + v + "' ";
    const char* why = nullptr;
    if (v.empty()) why = "is empty";
    else if (v.find('\0') != std::string::npos) why = "contains a NUL byte";
    else if (v.front() == '/') why = "must be relative to the mount root (no leading '/')";
    else if (v.back() == '/') why = "must not end in '/'";
    for (size_t at = 0; !why && at <= v.size();) {
        size_t end = v.find('/', at);
        if (end == std::string::npos) end = v.size();
        const std::string_view c(v.data() + at, end - at);
        if (c.empty()) why = "has an empty component ('//')";
        else if (c == "." || c == "..") why = "has a '.' or '..' component";
        else if (c.size() > 255) why = "has a component longer than 255 bytes";
        at = end + 1;
    }
    if (!why) return v;
    *e = q + why;
    return std::nullopt;
}

std::optional<std::string> parse_name(const std::string& v, std::string* e) {
    if (!NamePattern::parse(v, e)) return std::nullopt;
    return v;
}

// ---------------------------------------------------------------------------------------
// The key table. Each row is documentation (ConfigKey) plus what the parser does with it.

enum Section : unsigned { kDataset = 1, kFile = 2, kSet = 4 };

// Where one key's value goes: the dataset, or one file or set and its overrides.
struct Target {
    DatasetConfig* dataset = nullptr;
    FileConfig* file = nullptr;
    SetConfig* set = nullptr;
    Overrides* over = nullptr;  // of file or set
};

// Parses and range-checks one value; returns "" or a message that quotes it.
using Setter = std::string (*)(const Target&, const std::string&);

struct KeyDef {
    ConfigKey doc;
    const char* required_in;  // sections in which the key must be given
    Setter set;
};

// For keys that [dataset] sets and [file]/[set] override.
template <class T>
void assign(const Target& t, T v, T DatasetConfig::*d, std::optional<T> Overrides::*o) {
    if (t.dataset) t.dataset->*d = v;
    else t.over->*o = v;
}

#define DGEN_PATH_RANGE "relative, '/'-separated; no empty, '.' or '..' component; each <= 255 bytes"

const KeyDef kKeys[] = {
    {{"seed", "dataset file set", "u64", "0", "0..2^64-1, decimal or 0x hex",
      "Seed of the data; with a file's path (a set's dir) it fixes every byte"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_u64(v, &e)) assign(t, *x, &DatasetConfig::seed, &Overrides::seed);
         return e;
     }},
    {{"unit", "dataset file set", "size", "4KiB", "power of two, 512B..1MiB",
      "Dedup unit: duplicates repeat, and compressibility is laid out, in blocks of this size"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_unit(v, &e)) assign(t, *x, &DatasetConfig::unit, &Overrides::unit);
         return e;
     }},
    {{"dedup", "dataset file set", "ratio", "1", "1..1000000",
      "Dedup ratio: units / distinct units (1: every unit unique)"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_ratio_to(v, kMaxDedup, &e))
             assign(t, *x, &DatasetConfig::dedup, &Overrides::dedup);
         return e;
     }},
    {{"compress", "dataset file set", "ratio", "1", "1..16",
      "Compression ratio: bytes / compressed bytes (1: incompressible)"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_ratio_to(v, kMaxCompress, &e))
             assign(t, *x, &DatasetConfig::compress, &Overrides::compress);
         return e;
     }},
    {{"format", "dataset file set", "u64", "1", "1 (dgen1)",
      "Generator format; a format's bytes never change (docs/FORMAT.md)"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_format(v, &e)) assign(t, *x, &DatasetConfig::format, &Overrides::format);
         return e;
     }},
    {{"pattern", "dataset file set", "enum", "dgen", "dgen, zero",
      "dgen: generated data; zero: all-zero bytes, to measure the FUSE path alone"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_enum(v, kPatterns, &e))
             assign(t, *x, &DatasetConfig::pattern, &Overrides::pattern);
         return e;
     }},
    {{"mtime", "dataset", "time", "2026-01-01T00:00:00Z",
      "0..253402300799 epoch seconds, or YYYY-MM-DDTHH:MM:SSZ (UTC, 1970..9999)",
      "Modification, access and change time of every file and directory"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_time(v, &e)) t.dataset->mtime = *x;
         return e;
     }},
    {{"direct_io", "dataset", "bool", "true", "true/false, yes/no, on/off, 1/0",
      "Serve reads with direct_io, bypassing the page cache"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_bool(v, &e)) t.dataset->direct_io = *x;
         return e;
     }},
    {{"readahead", "dataset", "size", "1MiB", "0..64MiB",
      "The mount's kernel readahead, used when direct_io is off"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_size_in(v, 0, 64u << 20, &e)) t.dataset->readahead = *x;
         return e;
     }},
    {{"workers_per_node", "dataset", "u64", "auto", "auto or 1..256",
      "FUSE worker threads per NUMA node group, each pinned to one core of its node; auto: "
      "one per usable core"}, "",
     [](const Target& t, const std::string& v) {
         if (v == "auto") {
             t.dataset->workers_per_node = 0;
             return std::string();
         }
         std::string e;
         if (auto x = parse_u64_in(v, 1, 256, &e)) t.dataset->workers_per_node = static_cast<uint32_t>(*x);
         return e;
     }},
    {{"numa_nodes", "dataset", "list", "all", "all, or NUMA node numbers like 0,2",
      "NUMA nodes whose cores serve requests; all: every node with usable cores"}, "",
     [](const Target& t, const std::string& v) {
         t.dataset->numa_nodes.clear();
         if (v == "all") return std::string();
         size_t pos = 0;
         while (pos <= v.size()) {
             const size_t comma = v.find(',', pos);
             const std::string item = v.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
             std::string e;
             const auto x = parse_u64_in(item, 0, 4095, &e);
             if (!x) return "numa_nodes '" + v + "': expected all or a comma list of node numbers 0..4095";
             if (std::find(t.dataset->numa_nodes.begin(), t.dataset->numa_nodes.end(), *x) !=
                 t.dataset->numa_nodes.end())
                 return "numa_nodes '" + v + "': node " + item + " is listed twice";
             t.dataset->numa_nodes.push_back(static_cast<unsigned>(*x));
             if (comma == std::string::npos) break;
             pos = comma + 1;
         }
         return std::string();
     }},
    {{"pool_size", "dataset", "size", "auto", "auto or 4KiB..64GiB",
      "Buffer pool per NUMA node, bound to that node; auto: workers x max_read"}, "",
     [](const Target& t, const std::string& v) {
         if (v == "auto") {
             t.dataset->pool_size = 0;
             return std::string();
         }
         std::string e;
         if (auto x = parse_size_in(v, 4096, 64ull << 30, &e)) t.dataset->pool_size = *x;
         return e;
     }},
    {{"per_node_mount", "dataset", "bool", "false", "true/false, yes/no, on/off, 1/0",
      "One mount per NUMA node group at MOUNTPOINT/node<N>, served only by that node's workers"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_bool(v, &e)) t.dataset->per_node_mount = *x;
         return e;
     }},
    {{"max_read", "dataset", "size", "1MiB", "4KiB..1MiB, a multiple of 4KiB",
      "Largest read request the kernel sends to the filesystem"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         auto x = parse_size_in(v, 4096, 1u << 20, &e);
         if (x && *x % 4096 != 0) return "size '" + v + "' is not a multiple of 4 KiB";
         if (x) t.dataset->max_read = static_cast<uint32_t>(*x);
         return e;
     }},
    {{"path", "file", "path", "", DGEN_PATH_RANGE, "The file's path below the mount root (required)"}, "file",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_path(v, &e)) t.file->path = *x;
         return e;
     }},
    {{"size", "file set", "size", "", "[file] 0..2^63-1 bytes; [set] at most 2^30 units",
      "[file]: the file's length (required). [set]: every file's length; or give size_min and size_max"},
     "file",
     [](const Target& t, const std::string& v) {
         std::string e;
         const auto x = parse_size(v, &e);
         if (x && t.file && *x > kMaxStreamSize)
             return "size '" + v + "' is above the largest file, 2^63-1 bytes";
         // A set's limit depends on its unit, known only at the end: finish() checks it.
         if (x) (t.file ? t.file->size : t.set->size) = *x;
         return e;
     }},
    {{"dir", "set", "path", "", DGEN_PATH_RANGE,
      "Directory that holds the whole set, and nothing else (required)"}, "set",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_path(v, &e)) t.set->dir = *x;
         return e;
     }},
    {{"name", "set", "pattern", "f%08u", "one %u, %Nu or %0Nu (N <= 20); %% for a '%'; no '/'",
      "File name pattern; %u is the file's index, from 0"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_name(v, &e)) t.set->name = *x;
         return e;
     }},
    {{"count", "set", "u64", "", "1..4294967296", "Number of files in the set (required)"}, "set",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_u64_in(v, 1, kMaxSetFiles, &e)) t.set->count = *x;
         return e;
     }},
    {{"size_min", "set", "size", "", "0..size_max",
      "Smallest file size, with size_max, for sizes drawn per file"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_size(v, &e)) t.set->size_min = *x;
         return e;
     }},
    {{"size_max", "set", "size", "", "size_min..2^30 units",
      "Largest file size, with size_min, for sizes drawn per file"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_size(v, &e)) t.set->size_max = *x;
         return e;
     }},
    {{"size_dist", "set", "enum", "fixed", "fixed, uniform, loguniform",
      "fixed goes with size; uniform (the default with size_min/size_max) or loguniform draws "
      "each file's size from size_min..size_max"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_enum(v, kDists, &e)) t.set->size_dist = *x;
         return e;
     }},
    {{"files_per_dir", "set", "u64", "1000", "1..4294967296", "Files in each leaf directory"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_u64_in(v, 1, kMaxSetFiles, &e)) t.set->files_per_dir = *x;
         return e;
     }},
    {{"dirs_per_dir", "set", "u64", "100", "2..65536", "Subdirectories in each inner directory"}, "",
     [](const Target& t, const std::string& v) {
         std::string e;
         if (auto x = parse_u64_in(v, 2, 65536, &e)) t.set->dirs_per_dir = *x;
         return e;
     }},
};

#undef DGEN_PATH_RANGE

const char* section_name(Section s) {
    return s == kDataset ? "dataset" : s == kFile ? "file" : "set";
}

// "dataset file set" -> {"dataset", "file", "set"}
std::vector<std::string_view> words(std::string_view list) {
    std::vector<std::string_view> out;
    for (size_t at = 0; at < list.size();) {
        const size_t end = std::min(list.find(' ', at), list.size());
        if (end > at) out.push_back(list.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

bool lists(const char* list, Section s) {
    const auto w = words(list);
    return std::find(w.begin(), w.end(), section_name(s)) != w.end();
}

// "[dataset]", "[file] or [set]": where a key may go, for messages.
std::string bracketed(const char* list) {
    const auto w = words(list);
    std::string out;
    for (size_t i = 0; i < w.size(); ++i) {
        out += i == 0 ? "" : i + 1 == w.size() ? " or " : ", ";
        out.append("[").append(w[i]).append("]");
    }
    return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

// "; did you mean 'seed'?" when one candidate is within two edits, else "".
std::string suggestion(const std::string& typed, const std::vector<std::string>& candidates,
                       const char* open, const char* close) {
    const std::string* best = nullptr;
    size_t best_d = 3;
    for (const std::string& c : candidates) {
        const size_t d = edit_distance(typed, c);
        if (d < best_d) best = &c, best_d = d;
    }
    return best ? "; did you mean " + std::string(open) + *best + close + "?" : "";
}

// ---------------------------------------------------------------------------------------
// The parse: one Parser lives for one parse_config call and is inih's reader and handler
// context at once, so the handler knows the line the reader just returned.

struct SectionState {
    Section kind{};
    bool known = true;               // false: an unknown [name]; its keys are ignored
    size_t index = 0;                // into Config::files or Config::sets
    int line = 0;                    // of the [header]
    std::map<std::string, int> keys; // key -> line it was given on
    bool bad = false;                // a value or line in it failed: skip whole-section checks
    bool lost_line = false;          // a line could not be read: a "missing" key may be there
};

struct Parser {
    const std::string& text;
    size_t pos = 0;
    int line = 0;
    Config cfg;
    std::vector<SectionState> sections;
    int dataset_line = 0;
    std::vector<ConfigError>& errors;

    void error(int at, std::string msg) { errors.push_back({cfg.source, at, std::move(msg)}); }
    SectionState* current() { return sections.empty() ? nullptr : &sections.back(); }

    Target target(const SectionState& s) {
        Target t;
        if (s.kind == kDataset) t.dataset = &cfg.dataset;
        if (s.kind == kFile) t.file = &cfg.files[s.index], t.over = &t.file->over;
        if (s.kind == kSet) t.set = &cfg.sets[s.index], t.over = &t.set->over;
        return t;
    }

    void begin_section(const std::string& name) {
        SectionState s;
        s.line = line;
        if (name == "dataset") {
            s.kind = kDataset;
            if (dataset_line != 0)
                error(line, "[dataset] given twice (first at line " + std::to_string(dataset_line) +
                                "); put all its keys in one section");
            else
                dataset_line = line;
        } else if (name == "file") {
            s.kind = kFile;
            s.index = cfg.files.size();
            cfg.files.emplace_back().line = line;
        } else if (name == "set") {
            s.kind = kSet;
            s.index = cfg.sets.size();
            cfg.sets.emplace_back().line = line;
            // Inode numbers carry the set's number in 16 bits (namespace.h).
            if (cfg.sets.size() == kMaxSets + 1)
                error(line, "more than " + std::to_string(kMaxSets) + " [set] sections");
        } else {
            s.known = false;
            error(line, "unknown section [" + name + "]" +
                            suggestion(name, {"dataset", "file", "set"}, "[", "]") +
                            " (sections: [dataset], [file], [set])");
        }
        sections.push_back(std::move(s));
    }

    // Sees every line as inih will: finds [headers] (inih does not report them) and lines
    // inih would reject, so that all syntax errors are reported, not just inih's first.
    void classify(std::string_view l) {
        if (l.empty() || l.front() == ';' || l.front() == '#') return;
        // inih ends a header or key at ']' / '=' / ':', or at an inline ';' after a blank.
        auto find_end = [&](size_t from, std::string_view chars) {
            for (size_t i = from; i < l.size(); ++i) {
                if (chars.find(l[i]) != std::string_view::npos) return i;
                if (l[i] == ';' && i > 0 && std::isspace(static_cast<unsigned char>(l[i - 1])))
                    return std::string_view::npos;
            }
            return std::string_view::npos;
        };
        if (l.front() == '[') {
            const size_t end = find_end(1, "]");
            if (end == std::string_view::npos)
                error(line, "section header '" + std::string(l) + "' has no closing ']'");
            else
                begin_section(std::string(l.substr(1, end - 1)));
        } else if (find_end(0, "=:") == std::string_view::npos) {
            error(line, "expected 'key = value', a [section] or a comment, not '" + std::string(l) + "'");
        }
    }

    void on_key(const std::string& name, const std::string& value) {
        SectionState* s = current();
        if (!s) {
            error(line, "key '" + name + "' comes before any section; put it under [dataset], [file] or [set]");
            return;
        }
        if (!s->known) return;  // its header was reported once; its keys would only add noise
        const std::string where = std::string("[") + section_name(s->kind) + "]";
        const KeyDef* k = nullptr;
        for (const KeyDef& d : kKeys)
            if (name == d.doc.name) k = &d;
        if (!k) {
            std::vector<std::string> here;
            for (const KeyDef& d : kKeys)
                if (lists(d.doc.sections, s->kind)) here.push_back(d.doc.name);
            error(line, "unknown key '" + name + "' in " + where + suggestion(name, here, "'", "'"));
            return;
        }
        if (!lists(k->doc.sections, s->kind)) {
            error(line, "key '" + name + "' is not allowed in " + where + "; it belongs in " +
                            bracketed(k->doc.sections));
            return;
        }
        if (const auto it = s->keys.find(name); it != s->keys.end()) {
            error(line, "key '" + name + "' given twice in this " + where + " (first at line " +
                            std::to_string(it->second) + ")");
            return;
        }
        s->keys[name] = line;
        if (std::string e = k->set(target(*s), value); !e.empty()) {
            error(line, where + " " + name + ": " + e);
            s->bad = true;
        }
    }

    void finish();
    void finish_set(SectionState& s);
    void check_collisions();
};

// inih's reader callback: one call per physical line, so inih's line numbers are ours.
char* read_line(char* buf, int size, void* stream) {
    Parser& p = *static_cast<Parser*>(stream);
    if (p.pos >= p.text.size()) return nullptr;
    size_t end = p.text.find('\n', p.pos);
    if (end == std::string::npos) end = p.text.size();
    std::string_view l(p.text.data() + p.pos, end - p.pos);
    p.pos = end + 1;
    ++p.line;
    if (p.line == 1 && l.substr(0, 3) == "\xEF\xBB\xBF") l.remove_prefix(3);  // UTF-8 BOM
    // Leading blanks are layout. Left in, inih would join an indented line to the value of
    // the key before it (multi-line values); no dgenfs value spans lines.
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    while (!l.empty() && std::isspace(static_cast<unsigned char>(l.back()))) l.remove_suffix(1);
    const char* lost = nullptr;
    if (l.find('\0') != std::string_view::npos) lost = "contains a NUL byte";
    // inih's line buffer is fixed when libinih is built (200 bytes in Debian's); it would
    // cut a longer line in two and parse the rest as a line of its own.
    else if (l.size() + 1 > static_cast<size_t>(size))
        lost = "is too long";
    if (lost) {
        p.error(p.line, "line " + std::string(lost) + " (at most " + std::to_string(size - 1) +
                            " bytes, no NUL); it was skipped");
        if (SectionState* s = p.current()) s->bad = s->lost_line = true;
        buf[0] = '\0';
        return buf;
    }
    std::memcpy(buf, l.data(), l.size());
    buf[l.size()] = '\0';
    p.classify(l);
    return buf;
}

// inih's handler. It always returns 1 ("handled"): our own errors are already recorded,
// so inih's return value stays what it is documented to be, the first syntax error.
int on_key(void* user, const char* /*section: we track it ourselves*/, const char* name,
           const char* value) {
    static_cast<Parser*>(user)->on_key(name, value);
    return 1;
}

void Parser::finish_set(SectionState& s) {
    SetConfig& set = cfg.sets[s.index];
    auto at = [&](const char* key) { return s.keys.count(key) ? s.keys.at(key) : 0; };
    const int size = at("size"), lo = at("size_min"), hi = at("size_max"), dist = at("size_dist");
    auto fail = [&](int l, const std::string& msg) {
        error(l, "[set] " + msg);
        s.bad = true;
    };
    if (size && (lo || hi))
        fail(lo ? lo : hi, "'size' (line " + std::to_string(size) +
                               ") and 'size_min'/'size_max' exclude each other: give size for "
                               "equal sizes, or size_min and size_max for drawn ones");
    else if (!size && !lo && !hi && !s.lost_line)
        fail(s.line, "needs 'size', or 'size_min' and 'size_max'");
    else if (!size && (!lo || !hi) && !s.lost_line)
        fail(s.line, lo ? "has 'size_min' but no 'size_max'" : "has 'size_max' but no 'size_min'");
    if (s.bad) return;
    if (size && set.size_dist != SizeDist::Fixed)
        return fail(dist, "size_dist must be fixed with 'size'; uniform and loguniform take "
                          "size_min and size_max");
    if (lo && hi) {
        if (!dist) set.size_dist = SizeDist::Uniform;
        if (set.size_dist == SizeDist::Fixed)
            return fail(dist, "size_dist = fixed takes 'size', not size_min/size_max");
        if (set.size_min > set.size_max)
            return fail(lo, "size_min " + format_size(set.size_min) + " is larger than size_max " +
                                format_size(set.size_max) + " (line " + std::to_string(hi) + ")");
    }
}

// A file's size, or a set's total or an upper bound of it (then `set` is kept, to sum
// exactly later if the bound is too big to settle the dataset's total).
struct Part {
    uint64_t bytes = 0;
    const SetConfig* set = nullptr;
    uint64_t seed = 0;
};

// count * largest settles most sets at once; set_total_size draws every file's size,
// O(count), and 2^32 drawn files would take minutes, so it runs only when the bounds
// (count * smallest .. count * largest) straddle 2^63 - 1. nullopt: the set is too big.
std::optional<Part> set_part(const SetConfig& s, uint64_t seed) {
    const bool fixed = s.size_dist == SizeDist::Fixed;
    const uint64_t lo = fixed ? s.size : s.size_min, hi = fixed ? s.size : s.size_max;
    auto fits = [&](uint64_t per) { return per == 0 || s.count <= kMaxStreamSize / per; };
    if (fits(hi)) return Part{hi * s.count, lo == hi ? nullptr : &s, seed};
    if (!fits(lo)) return std::nullopt;
    if (const auto t = set_total_size(s, seed)) return Part{*t};
    return std::nullopt;
}

bool sum_fits(std::vector<Part>& parts, bool exact) {
    uint64_t total = 0;
    for (Part& p : parts) {
        if (exact && p.set) p.bytes = set_total_size(*p.set, p.seed).value_or(p.bytes);
        if (p.bytes > kMaxStreamSize - total) return false;
        total += p.bytes;
    }
    return true;
}

void Parser::finish() {
    for (SectionState& s : sections) {
        if (!s.known || s.lost_line) continue;
        for (const KeyDef& k : kKeys)
            if (lists(k.required_in, s.kind) && !s.keys.count(k.doc.name)) {
                error(s.line, std::string("[") + section_name(s.kind) + "] is missing required key '" +
                                  k.doc.name + "'");
                s.bad = true;
            }
    }
    for (SectionState& s : sections)
        if (s.known && s.kind == kSet) finish_set(s);

    // Stream-level checks, and totals. validate() is the generator's own gate: any
    // StreamParams this config yields must pass it, whatever the key checks above let by.
    std::vector<Part> parts;
    for (SectionState& s : sections) {
        if (!s.known || s.bad || s.kind == kDataset) continue;
        if (s.kind == kFile) {
            const FileConfig& f = cfg.files[s.index];
            StreamParams p = effective_params(cfg.dataset, f.over);
            p.name = f.path;
            p.size = f.size;
            if (const std::string e = validate(p); !e.empty())
                error(s.line, "[file] '" + f.path + "': " + e);
            parts.push_back({f.size});
            continue;
        }
        const SetConfig& set = cfg.sets[s.index];
        StreamParams p = effective_params(cfg.dataset, set.over);
        p.name = set.dir;
        if (const std::string e = validate(p); !e.empty()) {
            error(s.line, "[set] '" + set.dir + "': " + e);
            continue;
        }
        const bool fixed = set.size_dist == SizeDist::Fixed;
        const uint64_t largest = fixed ? set.size : set.size_max;
        const uint64_t limit = kMaxSetFileUnits * p.unit;
        if (largest > limit) {
            const char* key = fixed ? "size" : "size_max";
            error(s.keys.at(key), "[set] " + std::string(key) + " " + format_size(largest) +
                                      " is above the largest file a set may hold, 2^30 units of " +
                                      format_size(p.unit) + " = " + format_size(limit));
            continue;
        }
        if (const auto part = set_part(set, p.seed))
            parts.push_back(*part);
        else
            error(s.line, "set '" + set.dir + "' totals more than 2^63-1 bytes");
    }
    // Bounds first; exact sums only if the bounds alone do not fit.
    if (!sum_fits(parts, false) && !sum_fits(parts, true))
        error(0, "the dataset's files and sets together total more than 2^63-1 bytes");
    check_collisions();
}

// Paths must name distinct things: a file is a leaf, and a set owns its dir and all below.
void Parser::check_collisions() {
    struct Entry {
        std::string path;
        bool is_set;
        int line;  // of its path/dir key
    };
    std::vector<Entry> entries;
    for (const SectionState& s : sections) {
        if (!s.known || s.kind == kDataset) continue;
        const bool is_set = s.kind == kSet;
        const std::string& path = is_set ? cfg.sets[s.index].dir : cfg.files[s.index].path;
        const char* key = is_set ? "dir" : "path";
        if (!path.empty()) entries.push_back({path, is_set, s.keys.at(key)});
    }
    auto what = [](const Entry& e) { return std::string(e.is_set ? "set dir '" : "file '") + e.path + "'"; };
    auto of = [](const Entry& e) {
        return std::string(e.is_set ? "the dir of [set] at line " : "the path of [file] at line ") +
               std::to_string(e.line);
    };
    std::map<std::string, size_t> by_path;
    std::vector<bool> dup(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto [it, fresh] = by_path.emplace(entries[i].path, i);
        if (fresh) continue;
        dup[i] = true;
        error(entries[i].line, what(entries[i]) + " is also " + of(entries[it->second]));
    }
    for (size_t i = 0; i < entries.size(); ++i) {
        if (dup[i]) continue;
        const Entry& e = entries[i];
        for (size_t slash = e.path.find('/'); slash != std::string::npos;
             slash = e.path.find('/', slash + 1)) {
            const auto it = by_path.find(e.path.substr(0, slash));
            if (it == by_path.end()) continue;
            const Entry& outer = entries[it->second];
            if (outer.is_set)
                error(e.line, what(e) + " is inside " + what(outer) + " (line " +
                                  std::to_string(outer.line) + "); a set owns its whole directory");
            else
                error(e.line, what(e) + " needs directory '" + outer.path + "', which is " + of(outer));
            break;
        }
    }
}

}  // namespace

std::string ConfigError::str() const {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

StreamParams effective_params(const DatasetConfig& d, const Overrides& o) {
    StreamParams p;
    p.seed = o.seed.value_or(d.seed);
    p.unit = o.unit.value_or(d.unit);
    p.dedup = o.dedup.value_or(d.dedup);
    p.compress = o.compress.value_or(d.compress);
    p.format = o.format.value_or(d.format);
    return p;
}

Pattern effective_pattern(const DatasetConfig& d, const Overrides& o) {
    return o.pattern.value_or(d.pattern);
}

Config parse_config(const std::string& text, const std::string& source,
                    std::vector<ConfigError>& errors) {
    const size_t first = errors.size();
    Parser p{text, 0, 0, {}, {}, 0, errors};
    p.cfg.source = source;
    const int r = ini_parse_stream(read_line, &p, on_key, &p);
    const bool known = std::any_of(errors.begin() + static_cast<std::ptrdiff_t>(first), errors.end(),
                                   [&](const ConfigError& e) { return e.line == r; });
    if (r > 0 && !known) p.error(r, "syntax error");
    if (r < 0) p.error(0, "the INI parser failed (" + std::to_string(r) + ")");
    p.finish();
    // In line order, whatever check found them; whole-file problems (line 0) last.
    std::stable_sort(errors.begin() + static_cast<std::ptrdiff_t>(first), errors.end(),
                     [](const ConfigError& a, const ConfigError& b) {
                         return (a.line == 0 ? INT32_MAX : a.line) < (b.line == 0 ? INT32_MAX : b.line);
                     });
    return std::move(p.cfg);
}

Config load_config(const std::string& path, std::vector<ConfigError>& errors) {
    std::string text;
    std::FILE* f = std::fopen(path.c_str(), "rb");
    int err = f ? 0 : errno;
    if (f) {
        char buf[1 << 16];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
        if (std::ferror(f)) err = errno ? errno : EIO;
        std::fclose(f);
    }
    if (err != 0) {
        errors.push_back({path, 0, "cannot read the config file: " + std::string(std::strerror(err))});
        Config c;
        c.source = path;
        return c;
    }
    return parse_config(text, path, errors);
}

const std::vector<ConfigKey>& config_keys() {
    static const std::vector<ConfigKey> keys = [] {
        std::vector<ConfigKey> out;
        for (const KeyDef& k : kKeys) out.push_back(k.doc);
        return out;
    }();
    return keys;
}

}  // namespace dgen
