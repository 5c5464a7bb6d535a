// Fuzz target: the namespace. The fuzzer writes a small config (a few [file]s and [set]s
// with chosen paths, name patterns, counts up to 2^32 and fan-outs), builds the Namespace
// dgenfs would serve, and asks it about paths and inode numbers:
//
//   walk       readdir from the root, depth first, a bounded number of entries
//   paths      random bytes as paths: resolve()
//   members    file k and directories of each set, by inode number (namespace.h layout)
//   inodes     random inode numbers: attr, path, readdir, lookup, open, xattrs
//
// Properties of every entry found: its name is a usable file name (1..255 bytes, no '/',
// not . or ..); lookup(dir, name) gives the entry readdir gave; path(ino) is the dir's
// path + name and resolve(path) gives ino back; readdir resumed at an entry's offset
// starts with that entry; a fully listed directory's nlink is 2 + its subdirectories.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dgen/config.h"
#include "dgen/namespace.h"
#include "fuzz_check.h"

namespace dgen::fuzz {
namespace {

constexpr int kMaxEntries = 400;  // walked per input: keeps every run fast
constexpr int kMaxListed = 64;    // entries read per directory

std::string pick_component(FuzzedDataProvider& in) {
    const char* common[] = {"a", "b", "d0", "d00", "f00000000", "x y", "#c", "é", ".", ""};
    return in.ConsumeBool() ? in.PickValueInArray(common) : in.ConsumeRandomLengthString(12);
}

std::string pick_path(FuzzedDataProvider& in) {
    std::string p = in.ConsumeBool() ? "/" : "";
    for (int n = in.ConsumeIntegralInRange(1, 3); n > 0; --n) p += pick_component(in) + (n > 1 ? "/" : "");
    return p;
}

// A common pattern, random bytes, or a long prefix (names near the 255-byte limit).
std::string pick_pattern(FuzzedDataProvider& in) {
    const char* common[] = {"f%08u", "%u", "x%3u", "%020u", "a%%b%u.dat", "%0u", "d%u"};
    switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: return in.PickValueInArray(common);
    case 1: return in.ConsumeRandomLengthString(24);
    default: return std::string(in.ConsumeIntegralInRange(200, 300), 'n') + in.PickValueInArray(common);
    }
}

std::string pick_config(FuzzedDataProvider& in) {
    std::string ini = "[dataset]\nseed = " + std::to_string(in.ConsumeIntegral<uint32_t>()) + "\n";
    for (int n = in.ConsumeIntegralInRange(0, 4); n > 0; --n)
        ini += "[file]\npath = " + pick_path(in) + "\nsize = " + std::to_string(in.ConsumeIntegral<uint16_t>()) + "\n";
    for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) {
        const uint64_t counts[] = {1, 1000, 1001, 4096, 1ull << 20, 1ull << 32};
        const uint64_t count = in.ConsumeIntegralInRange<uint64_t>(1, in.PickValueInArray(counts));
        const uint64_t fans[] = {1, 2, 10, 1000, 65536, 1ull << 32};
        ini += "[set]\ndir = " + pick_path(in) + "\nname = " + pick_pattern(in) + "\ncount = " + std::to_string(count) +
               "\nfiles_per_dir = " + std::to_string(in.ConsumeIntegralInRange<uint64_t>(1, in.PickValueInArray(fans))) +
               "\ndirs_per_dir = " + std::to_string(in.ConsumeIntegralInRange<uint64_t>(2, 65536)) + "\n";
        // Drawn sizes cost O(count) to total (fileset.h): only for small sets.
        ini += count <= 4096 && in.ConsumeBool() ? "size_min = 0\nsize_max = 1MiB\n" : "size = 4KiB\n";
    }
    return ini;
}

std::string join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

bool same(const NodeAttr& a, const NodeAttr& b) {
    return a.ino == b.ino && a.dir == b.dir && a.size == b.size && a.nlink == b.nlink;
}

// The first child readdir gives at `offset`, if any.
std::optional<std::pair<std::string, NodeAttr>> entry_at(const Namespace& ns, uint64_t dir, uint64_t offset) {
    std::optional<std::pair<std::string, NodeAttr>> e;
    ns.readdir(dir, offset, [&](const std::string& name, const NodeAttr& a, uint64_t) {
        e.emplace(name, a);
        return false;
    });
    return e;
}

// Everything an entry (dir, name) -> a, listed at readdir offset `offset`, must satisfy.
void check_entry(const Namespace& ns, uint64_t dir, const std::string& dir_path, const std::string& name,
                 const NodeAttr& a, uint64_t offset) {
    require(!name.empty() && name.size() <= 255 && name.find('/') == std::string::npos && name != "." &&
                name != "..",
            "readdir gave a name that is no file name (empty, over 255 bytes, '/', . or ..)");
    const auto found = ns.lookup(dir, name);
    require(found && same(*found, a), "lookup(dir, name) differs from the entry readdir gave");
    const auto at = ns.attr(a.ino);
    require(at && same(*at, a), "attr(ino) differs from the entry readdir gave");
    const std::string p = join(dir_path, name);
    if (ns.path(a.ino) != p) property_failed("path(ino) of '" + p + "' is '" + ns.path(a.ino).value_or("(none)") + "'");
    require(ns.resolve(p) == a.ino, "resolve(path(ino)) != ino");
    const auto again = entry_at(ns, dir, offset);
    require(again && again->first == name && same(again->second, a), "readdir resumed at an entry's offset");
}

// Depth first from `dir`, at most `budget` entries in all.
void walk(const Namespace& ns, uint64_t dir, const std::string& dir_path, int& budget) {
    struct Child {
        std::string name;
        NodeAttr attr;
        uint64_t offset;
    };
    std::vector<Child> children;
    bool complete = true;
    require(ns.readdir(dir, 0, [&](const std::string& name, const NodeAttr& a, uint64_t next) {
        if (next <= 2) return true;  // . and ..
        if (static_cast<int>(children.size()) == kMaxListed) return complete = false;
        children.push_back({name, a, next - 1});
        return true;
    }), "readdir of a directory failed");
    uint32_t subdirs = 0;
    for (const Child& c : children) subdirs += c.attr.dir;
    if (complete) require(ns.attr(dir)->nlink == 2 + subdirs, "a directory's nlink is not 2 + its subdirectories");
    for (const Child& c : children) {
        if (--budget < 0) return;
        check_entry(ns, dir, dir_path, c.name, c.attr, c.offset);
        if (c.attr.dir) walk(ns, c.attr.ino, join(dir_path, c.name), budget);
    }
}

// Whatever `ino` is, asking about it must not crash; a path it has leads back to it.
void probe_inode(const Namespace& ns, uint64_t ino) {
    const auto a = ns.attr(ino);
    const auto p = ns.path(ino);
    require(a.has_value() == p.has_value(), "attr and path disagree on whether an inode exists");
    if (!a) {
        require(!ns.open(ino) && ns.xattrs(ino).empty() && !ns.readdir(ino, 0, [](auto&&...) { return true; }),
                "an inode without attributes opens or lists");
        return;
    }
    require(ns.resolve(*p) == ino, "resolve(path(ino)) != ino");
    if (a->dir) {
        int listed = 0;
        ns.readdir(ino, 0, [&](const std::string& name, const NodeAttr&, uint64_t) {
            if (name != "." && name != "..") require(ns.lookup(ino, name).has_value(), "a listed name does not look up");
            return ++listed < kMaxListed;
        });
        return;
    }
    const auto f = ns.open(ino);
    require(f && f->size() == a->size && !ns.xattrs(ino).empty(), "a file does not open at its size");
}

}  // namespace
}  // namespace dgen::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace dgen;
    using namespace dgen::fuzz;
    FuzzedDataProvider in(data, size);
    std::vector<ConfigError> errors;
    const Config config = parse_config(pick_config(in), "fuzz.ini", errors);
    if (!errors.empty()) return 0;
    const Namespace ns(config);

    int budget = kMaxEntries;
    walk(ns, kRootIno, "", budget);

    // Set members by inode number (namespace.h): file k, and directory `index` at `level`.
    for (size_t s = 0; s < config.sets.size(); ++s) {
        const uint64_t set = static_cast<uint64_t>(s + 1) << 48;
        probe_inode(ns, set | in.ConsumeIntegralInRange<uint64_t>(0, config.sets[s].count - 1));
        probe_inode(ns, set | 1ull << 47 | in.ConsumeIntegralInRange<uint64_t>(1, 4) << 40 |
                            in.ConsumeIntegralInRange<uint64_t>(0, 1ull << 26));
    }
    while (in.remaining_bytes() > 0) {
        const std::string p = in.ConsumeRandomLengthString(64);
        if (const auto ino = ns.resolve(p)) probe_inode(ns, *ino);
        probe_inode(ns, in.ConsumeIntegral<uint64_t>());
    }
    return 0;
}
