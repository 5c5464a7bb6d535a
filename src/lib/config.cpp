// The config parser: inih splits lines, the key table (config_keys.cpp) says what every key
// means, and the value parsers (values.h) read every value.
//
//   text ──read_line()──▶ inih ──on_key()──▶ ConfigKey::set ──▶ DatasetConfig / FileConfig / SetConfig
//         counts lines,         (section,          parses one value and
//         sees [headers],        key, value)       checks its range
//         flags bad lines
//
// then finish() checks what needs the whole file: required keys, set sizes, totals, and
// paths that collide. Every problem becomes one ConfigError; nothing stops at the first.
#include "dgen/config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <ini.h>

#include "dgen/fileset.h"
#include "dgen/values.h"

namespace dgen {
namespace {

constexpr Section kDataset = Section::Dataset, kFile = Section::File, kSet = Section::Set;

// "dataset file set" -> "[dataset], [file] or [set]": where a key may go, for messages.
std::string bracketed(const ConfigKey& k) {
    std::string out;
    std::vector<const char*> in;
    for (Section s : {kDataset, kFile, kSet})
        if (k.allowed_in(s)) in.push_back(section_name(s));
    for (size_t i = 0; i < in.size(); ++i)
        out.append(i == 0 ? "" : i + 1 == in.size() ? " or " : ", ").append("[").append(in[i]).append("]");
    return out;
}

// "; did you mean 'seed'?" when a candidate is close (values.h: closest_word), else "".
// Names are case-sensitive, so "[FILE]" is wrong but close.
std::string suggestion(const std::string& typed, const std::vector<std::string>& candidates,
                       const char* open, const char* close) {
    const std::string best = closest_word(typed, candidates);
    if (best.empty()) return "";
    const bool case_only = best != typed && is_word(typed, best);
    return "; did you mean " + std::string(open) + best + close + "?" + (case_only ? " (names are lower case)" : "");
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

    KeyTarget target(const SectionState& s) {
        if (s.kind == kFile) return KeyTarget::of(cfg.files[s.index]);
        if (s.kind == kSet) return KeyTarget::of(cfg.sets[s.index]);
        return KeyTarget::of(cfg.dataset);
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
            const std::string shown = quote_text(name);  // 'name', cut and escaped: shown as [name]
            error(line, "unknown section [" + shown.substr(1, shown.size() - 2) + "]" +
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
                {
                // Its keys belong to no section: skipped, not reported one by one.
                error(line, "section header " + quote_text(l) + " has no closing ']'; the keys under it are ignored");
                SectionState lost;
                lost.known = false;
                lost.line = line;
                sections.push_back(std::move(lost));
            } else
                begin_section(std::string(l.substr(1, end - 1)));
        } else if (find_end(0, "=:") == std::string_view::npos) {
            error(line, "expected 'key = value', a [section] or a comment, not " + quote_text(l));
        }
    }

    void on_key(const std::string& name, const std::string& value) {
        SectionState* s = current();
        if (!s) {
            error(line, "key " + quote_text(name) + " comes before any section; put it under [dataset], [file] or [set]");
            return;
        }
        if (!s->known) return;  // its header was reported once; its keys would only add noise
        const std::string where = std::string("[") + section_name(s->kind) + "]";
        const ConfigKey* k = find_config_key(name);
        if (!k) {
            std::vector<std::string> here;
            for (const ConfigKey& d : config_keys())
                if (d.allowed_in(s->kind)) here.push_back(d.name);
            error(line, "unknown key " + quote_text(name) + " in " + where + suggestion(name, here, "'", "'"));
            return;
        }
        if (!k->allowed_in(s->kind)) {
            error(line, "key " + quote_text(name) + " is not allowed in " + where + "; it belongs in " + bracketed(*k));
            return;
        }
        if (const auto it = s->keys.find(name); it != s->keys.end()) {
            error(line, "key " + quote_text(name) + " given twice in this " + where + " (first at line " +
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
    // parse_config sizes inih's line buffer to the longest line; only a line past
    // kMaxLine would not fit, and inih would cut it in two.
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
    const int draw = at("size_draw");
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
    // File k's name grows with k's digits, so the last file's is the longest. A name is at
    // most 255 bytes, as a path component is (values.h) and as statfs says (f_namemax).
    std::string e;
    if (const auto names = NamePattern::parse(set.name, &e); names && set.count > 0) {
        const size_t longest = names->format(set.count - 1).size();
        if (longest > 255)
            return fail(s.keys.count("name") ? s.keys.at("name") : s.line,
                        "name pattern makes names of up to " + std::to_string(longest) +
                            " bytes (file " + std::to_string(set.count - 1) + "); a file name is at most 255");
    }
    if (size && set.size_dist != SizeDist::Fixed)
        return fail(dist, "size_dist must be fixed with 'size'; uniform and loguniform take "
                          "size_min and size_max");
    if (size && set.size_draw == SizeDrawMode::Stratified)
        return fail(draw, "size_draw = stratified lays out sizes drawn from size_min..size_max; "
                          "'size' (line " + std::to_string(size) + ") gives every file the same size");
    if (lo && hi) {
        if (!dist) set.size_dist = SizeDist::Uniform;
        if (set.size_dist == SizeDist::Fixed)
            return fail(dist, "size_dist = fixed takes 'size', not size_min/size_max");
        if (set.size_min > set.size_max)
            return fail(lo, "size_min " + format_size(set.size_min) + " is larger than size_max " +
                                format_size(set.size_max) + " (line " + std::to_string(hi) + ")");
    }
}

// The line to blame for validate()'s message, which starts with the field's name: that
// key's line if this section gives it, else the section's header (the value came from
// [dataset], or from two keys together).
int line_of(const SectionState& s, const std::string& message) {
    const auto it = s.keys.find(message.substr(0, message.find(' ')));
    return it != s.keys.end() ? it->second : s.line;
}

// A file's size, or a set's total or an upper bound of it (then `set` is kept, to sum
// exactly later if the bound is too big to settle the dataset's total).
struct Part {
    uint64_t bytes = 0;
    const SetConfig* set = nullptr;
    uint64_t seed = 0;
};

// count * largest settles most sets at once; set_total_size draws every file's size,
// O(count) with size_draw = independent, and 2^32 drawn files would take minutes, so it
// runs only when the bounds (count * smallest .. count * largest) straddle 2^63 - 1
// (stratified sizes total in O(4096) files). nullopt: the set is too big.
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
        for (const ConfigKey& k : config_keys())
            if (k.required(s.kind) && !s.keys.count(k.name)) {
                error(s.line, std::string("[") + section_name(s.kind) + "] is missing required key '" +
                                  k.name + "'");
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
                error(line_of(s, e), "[file] " + quote_text(f.path) + ": " + e);
            parts.push_back({f.size});
            continue;
        }
        const SetConfig& set = cfg.sets[s.index];
        StreamParams p = effective_params(cfg.dataset, set.over);
        p.name = set.dir;
        if (const std::string e = validate(p); !e.empty()) {
            error(line_of(s, e), "[set] " + quote_text(set.dir) + ": " + e);
            continue;
        }
        // A group's contents must stay below 2^40 (fileset.h): 1024 files of at most
        // 2^30 units, less one dedup run for the run the last file's tail rounds up to.
        const bool fixed = set.size_dist == SizeDist::Fixed;
        const uint64_t largest = fixed ? set.size : set.size_max;
        const uint64_t run = p.run_units();
        const uint64_t limit = (kMaxSetFileUnits - (run > 1 ? run : 0)) * p.unit;
        if (run >= kMaxSetFileUnits) {
            error(s.line, "[set] " + quote_text(set.dir) + ": dedup_run " + format_size(p.dedup_run) +
                              " is too long for a set (at most 2^30 units less one)");
            continue;
        }
        if (largest > limit) {
            const char* key = fixed ? "size" : "size_max";
            error(s.keys.at(key), "[set] " + std::string(key) + " " + format_size(largest) +
                                      " is above the largest file a set may hold, " +
                                      (run > 1 ? "2^30 units less one dedup run" : "2^30 units") +
                                      " of " + format_size(p.unit) + " = " + format_size(limit));
            continue;
        }
        if (const auto part = set_part(set, p.seed))
            parts.push_back(*part);
        else
            error(s.line, "set " + quote_text(set.dir) + " totals more than 2^63-1 bytes");
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
    auto what = [](const Entry& e) { return std::string(e.is_set ? "set dir " : "file ") + quote_text(e.path); };
    // The mount shows its own trees beside the dataset's (docs/dgenfs.md).
    for (const Entry& e : entries) {
        const std::string first = e.path.substr(0, e.path.find('/'));
        if (first == kControlDirName || first == kVerifyDirName)
            error(e.line, what(e) + " starts with '" + first + "', which dgenfs reserves for " +
                              (first == kControlDirName ? "its statistics" : "its verify area"));
    }
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
                error(e.line, what(e) + " needs directory " + quote_text(outer.path) + ", which is " + of(outer));
            break;
        }
    }
}

}  // namespace

std::string ConfigError::str() const {
    // printable(): whatever a message quotes, no byte of it reaches a terminal raw.
    const std::string where = printable(file) + (line > 0 ? ":" + std::to_string(line) : "");
    return where + ": " + printable(message);
}

StreamParams effective_params(const DatasetConfig& d, const Overrides& o) {
    StreamParams p;
    p.seed = o.seed.value_or(d.seed);
    p.unit = o.unit.value_or(d.unit);
    p.dedup = o.dedup.value_or(d.dedup);
    p.compress = o.compress.value_or(d.compress);
    p.dedup_run = o.dedup_run.value_or(d.dedup_run);
    p.format = o.format.value_or(d.format);
    p.host = d.host;
    return p;
}

Pattern effective_pattern(const DatasetConfig& d, const Overrides& o) {
    return o.pattern.value_or(d.pattern);
}

// ---------------------------------------------------------------------------------------
// Host identity (host_seed): found once, when the config is loaded, so a daemon and a
// `dgen` run on one host agree, and a later change of hostname or address changes nothing
// a running mount serves.

std::optional<std::string> pick_host_ip(std::vector<InterfaceAddress> addresses) {
    std::stable_sort(addresses.begin(), addresses.end(),
                     [](const InterfaceAddress& a, const InterfaceAddress& b) { return a.index < b.index; });
    for (const InterfaceAddress& a : addresses) {
        const bool host_scope = (a.ipv4 >> 24) == 127;           // 127.0.0.0/8
        const bool link_scope = (a.ipv4 >> 16) == 0xA9FE;        // 169.254.0.0/16
        if (!a.up || a.loopback || host_scope || link_scope) continue;
        char text[INET_ADDRSTRLEN];
        const in_addr in{htonl(a.ipv4)};
        return std::string(inet_ntop(AF_INET, &in, text, sizeof text));
    }
    return std::nullopt;
}

std::optional<std::string> local_host_identity(HostSeed how, std::string* error) {
    if (how == HostSeed::Hostname) {
        char name[256] = {};  // HOST_NAME_MAX is 64 on Linux
        if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
            *error = std::string("this host has no hostname (gethostname: ") + std::strerror(errno) + ")";
            return std::nullopt;
        }
        return std::string(name);
    }
    if (how != HostSeed::Ip) throw std::logic_error("local_host_identity: nothing to find");
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        *error = std::string("cannot list this host's addresses (getifaddrs: ") + std::strerror(errno) + ")";
        return std::nullopt;
    }
    std::vector<InterfaceAddress> found;
    for (const ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
        found.push_back({i->ifa_name, ::if_nametoindex(i->ifa_name), (i->ifa_flags & IFF_UP) != 0,
                         (i->ifa_flags & IFF_LOOPBACK) != 0, ntohl(in->sin_addr.s_addr)});
    }
    ::freeifaddrs(list);
    auto ip = pick_host_ip(std::move(found));
    if (!ip)
        *error = "this host has no IPv4 address to use (on an interface that is up, not loopback, "
                 "outside 127.0.0.0/8 and 169.254.0.0/16); use hostname or name:TEXT";
    return ip;
}

std::string describe_host(const DatasetConfig& d) {
    switch (d.host_seed) {
    case HostSeed::None: return "host_seed = none (every host serves the same bytes)";
    case HostSeed::Hostname: return "host_seed = hostname, host identity " + quote_text(d.host, d.host.size());
    case HostSeed::Ip: return "host_seed = ip, host identity " + quote_text(d.host, d.host.size());
    case HostSeed::Name: break;
    }
    return "host_seed = name:" + printable(d.host) + ", host identity " + quote_text(d.host, d.host.size());
}

namespace {

constexpr size_t kMaxLine = 1u << 20;  // bytes; a path line is at most 4 KiB or so

// Runs inih with a line buffer that fits the longest line of `text`. libinih's buffer is
// 200 bytes as Debian builds it (INI_MAX_LINE), too short for a path of 255-byte
// components; Debian's libinih 55 reads its settings from globals at run time
// (ini_use_stack, ini_max_line, ...), so they are set for this parse and put back.
int ini_parse_sized(const std::string& text, ini_reader reader, ini_handler handler, void* user) {
    size_t longest = 0;
    for (size_t at = 0; at < text.size();) {
        const size_t end = std::min(text.find('\n', at), text.size());
        longest = std::max(longest, end - at);
        at = end + 1;
    }
    static std::mutex m;  // the globals are process-wide
    const std::lock_guard<std::mutex> lock(m);
    const bool stack = ini_use_stack, grow = ini_allow_realloc;
    const int max_line = ini_max_line, initial = ini_initial_alloc;
    const int size = static_cast<int>(std::clamp<size_t>(longest + 3, 200, kMaxLine + 1));
    ini_use_stack = false;
    ini_allow_realloc = false;
    ini_max_line = ini_initial_alloc = size;
    const int r = ini_parse_stream(reader, user, handler, user);
    ini_use_stack = stack;
    ini_allow_realloc = grow;
    ini_max_line = max_line;
    ini_initial_alloc = initial;
    return r;
}

}  // namespace

Config parse_config(const std::string& text, const std::string& source,
                    std::vector<ConfigError>& errors) {
    const size_t first = errors.size();
    Parser p{text, 0, 0, {}, {}, 0, errors};
    p.cfg.source = source;
    const int r = ini_parse_sized(text, read_line, on_key, &p);
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
    // A broken or wrong file (a binary, a 10 MB log) would give an error per line.
    const size_t found = errors.size() - first;
    if (found > kMaxConfigErrors) {
        errors.resize(first + kMaxConfigErrors);
        const size_t more = found - kMaxConfigErrors;
        p.error(0, "\u2026 and " + std::to_string(more) + " more error" + (more == 1 ? "" : "s"));
    }
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
    const size_t before = errors.size();
    Config c = parse_config(text, path, errors);
    // Valid but empty, it would mount an empty tree: almost surely the wrong file.
    if (errors.size() == before && c.files.empty() && c.sets.empty())
        errors.push_back({path, 0, "no files: add a [file] or [set] section (docs/CONFIG.md)"});
    return c;
}

}  // namespace dgen
