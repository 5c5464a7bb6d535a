#include "dgen/namespace.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <array>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "dgen/values.h"

namespace dgen {
namespace {

constexpr uint64_t kFileInoBase = 1ull << 40;
constexpr int kSetShift = 48;
constexpr uint64_t kSetDirBit = 1ull << 47;
constexpr int kLevelShift = 40;
constexpr uint64_t kIndexMask = (1ull << kLevelShift) - 1;

uint64_t set_file_ino(size_t s, uint64_t k) { return (static_cast<uint64_t>(s + 1) << kSetShift) | k; }
uint64_t set_dir_ino(size_t s, int level, uint64_t index) {
    return (static_cast<uint64_t>(s + 1) << kSetShift) | kSetDirBit |
           (static_cast<uint64_t>(level) << kLevelShift) | index;
}

// The inverses, for an inode of a set (set_number >= 0 only then).
int64_t set_number(uint64_t ino) { return static_cast<int64_t>(ino >> kSetShift) - 1; }
uint64_t set_payload(uint64_t ino) { return ino & ((1ull << kSetShift) - 1); }  // file: its index
int set_dir_level(uint64_t ino) { return static_cast<int>((set_payload(ino) & ~kSetDirBit) >> kLevelShift); }
uint64_t set_dir_index(uint64_t ino) { return ino & kIndexMask; }

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        const size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > start) parts.emplace_back(path.substr(start, end - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return parts;
}

std::string format_ratio(double v) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    return os.str();
}

}  // namespace

struct Namespace::Dir {
    uint64_t parent = kRootIno;
    std::vector<std::pair<std::string, uint64_t>> children;  // sorted by name
    uint32_t subdirs = 0;
    int set = -1;  // the set this directory holds, if any
};

struct Namespace::Set {
    SetConfig cfg;
    std::optional<SizeDraw> draw;  // set once params are known
    StreamParams params;  // effective; name = dir
    Pattern pattern = Pattern::Dgen;
    NamePattern names;
    SetTree tree;
    uint64_t dir_ino = 0;
    uint64_t total = 0;
};

// The units before each file of the groups opened last (set_group_prefix_units), for
// sets with drawn sizes: opening one file needs its whole group's sizes, 1,024 draws of
// up to ~0.1 us each, and readers (cp -r, rsync, tar) open a group's files one after
// another. Direct-mapped: a group evicts whichever group shared its slot.
class Namespace::GroupCache {
public:
    using Prefix = std::shared_ptr<const std::vector<uint64_t>>;
    template <class Make>
    Prefix get(size_t set, uint64_t group, Make&& make) {
        Slot& slot = slots_[(set * 0x9E3779B97F4A7C15ull + group) % slots_.size()];
        {
            std::lock_guard<std::mutex> hold(lock_);
            if (slot.prefix && slot.set == set && slot.group == group) return slot.prefix;
        }
        Prefix made = std::make_shared<const std::vector<uint64_t>>(make());  // outside the lock
        std::lock_guard<std::mutex> hold(lock_);
        slot = Slot{set, group, made};
        return made;
    }

private:
    struct Slot {
        size_t set = 0;
        uint64_t group = 0;
        Prefix prefix;
    };
    std::mutex lock_;
    std::array<Slot, 64> slots_;
};

FileSource::FileSource(std::unique_ptr<Stream> stream, uint64_t size, uint32_t group)
    : stream_(std::move(stream)), size_(size), group_(group) {}

size_t FileSource::read(uint64_t offset, size_t len, uint8_t* out) const {
    if (stream_) return stream_->read(offset, len, out);
    if (offset >= size_) return 0;
    len = static_cast<size_t>(std::min<uint64_t>(len, size_ - offset));
    std::memset(out, 0, len);
    return len;
}

Namespace::Namespace(const Config& config)
    : files_(config.files), dataset_(config.dataset), group_cache_(std::make_unique<GroupCache>()) {
    mtime_ = dataset_.mtime;
    dirs_.emplace_back();  // root, ino 1
    std::map<std::string, uint64_t> dir_by_path{{"", kRootIno}};

    auto add_child = [&](uint64_t dir_ino, const std::string& name, uint64_t ino, bool is_dir) {
        Dir& d = dirs_[dir_ino - 1];
        d.children.emplace_back(name, ino);
        d.subdirs += is_dir;
    };
    // Creates the directories of `parts[0..n)` and returns the innermost one's inode.
    auto make_dirs = [&](const std::vector<std::string>& parts, size_t n) {
        uint64_t cur = kRootIno;
        std::string path;
        for (size_t i = 0; i < n; ++i) {
            path += (i ? "/" : "") + parts[i];
            auto it = dir_by_path.find(path);
            if (it == dir_by_path.end()) {
                dirs_.emplace_back();
                const uint64_t ino = dirs_.size();
                dirs_.back().parent = cur;
                add_child(cur, parts[i], ino, true);
                it = dir_by_path.emplace(path, ino).first;
            }
            cur = it->second;
        }
        return cur;
    };

    for (size_t i = 0; i < files_.size(); ++i) {
        const auto parts = split_path(files_[i].path);
        if (parts.empty()) throw std::logic_error("empty file path");
        add_child(make_dirs(parts, parts.size() - 1), parts.back(), kFileInoBase + i, false);
        total_bytes_ += files_[i].size;
        ++total_files_;
    }
    for (size_t s = 0; s < config.sets.size(); ++s) {
        Set set;
        set.cfg = config.sets[s];
        set.params = effective_params(dataset_, set.cfg.over);
        set.params.name = set.cfg.dir;
        set.pattern = effective_pattern(dataset_, set.cfg.over);
        std::string err;
        auto names = NamePattern::parse(set.cfg.name, &err);
        if (!names) throw std::logic_error(err);
        set.names = *names;
        set.tree = SetTree::make(set.cfg);
        set.draw.emplace(set.cfg, set.params.seed);
        if (total_is_deferred(set.cfg)) {
            if (!deferred_) deferred_ = std::make_unique<DrawnTotal>();
            deferred_->add(set.cfg, set.params.seed);
        } else {
            const auto total = set_total_size(set.cfg, set.params.seed);
            if (!total) throw std::logic_error("set total overflows");
            set.total = *total;
        }
        const auto parts = split_path(set.cfg.dir);
        set.dir_ino = make_dirs(parts, parts.size());
        dirs_[set.dir_ino - 1].set = static_cast<int>(s);
        dirs_[set.dir_ino - 1].subdirs = set.tree.depth > 0
            ? static_cast<uint32_t>(std::min<uint64_t>(set.tree.level_count[1], UINT32_MAX - 2)) : 0;
        total_bytes_ += set.total;
        total_files_ += set.cfg.count;
        for (int l = 1; l <= set.tree.depth; ++l) total_dirs_ += set.tree.level_count[l];
        sets_.push_back(std::move(set));
    }
    for (Dir& d : dirs_) {
        std::sort(d.children.begin(), d.children.end());
        for (size_t i = 1; i < d.children.size(); ++i)
            if (d.children[i].first == d.children[i - 1].first)
                throw std::logic_error("two entries named '" + d.children[i].first + "'");
    }
    total_dirs_ += dirs_.size();
}

Namespace::~Namespace() {
    if (deferred_) deferred_->cancel();
    if (background_sum_.joinable()) background_sum_.join();
}

// The parser has checked that the dataset's total fits kMaxStreamSize (config.cpp: sum_fits),
// by bounds or by summing, so neither sum below can overflow.
uint64_t Namespace::total_bytes() const {
    if (!deferred_) return total_bytes_;
    const auto drawn = deferred_->finish(std::min(usable_cpus(), 64u));
    if (!drawn || *drawn > kMaxStreamSize - total_bytes_) throw std::logic_error("dataset total overflows");
    return total_bytes_ + *drawn;
}

std::optional<uint64_t> Namespace::total_bytes_if_known() const {
    if (!deferred_) return total_bytes_;
    const auto drawn = deferred_->known();
    if (!drawn) return std::nullopt;
    return total_bytes_ + *drawn;
}

uint64_t Namespace::deferred_total_files() const { return deferred_ ? deferred_->files() : 0; }

void Namespace::sum_total_in_background(std::function<void(uint64_t, double)> on_done) const {
    if (!deferred_ || background_sum_.joinable()) return;
    background_sum_ = std::thread([this, on_done = std::move(on_done)] {
        // Per thread on Linux, and inherited by the helpers finish() starts: the sum takes
        // only CPU time that serving leaves.
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 19);
        const auto start = std::chrono::steady_clock::now();
        const auto drawn = deferred_->finish(std::min(usable_cpus(), 64u));
        if (!drawn || !on_done) return;
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        on_done(total_bytes_ + *drawn, took.count());
    });
}

NodeAttr Namespace::set_dir_attr(const Set& s, int level, uint64_t index) const {
    NodeAttr a;
    a.dir = true;
    a.ino = level == 0 ? s.dir_ino : set_dir_ino(&s - sets_.data(), level, index);
    const uint64_t sub = level < s.tree.depth ? s.tree.child_count(s.cfg, level, index) : 0;
    a.nlink = static_cast<uint32_t>(2 + std::min<uint64_t>(sub, UINT32_MAX - 2));
    return a;
}

NodeAttr Namespace::set_file_attr(const Set& s, uint64_t k) const {
    NodeAttr a;
    a.ino = set_file_ino(&s - sets_.data(), k);
    a.size = (*s.draw)(k);
    return a;
}

// The directory above set directory (level, index): level 1's parent is the set dir.
uint64_t Namespace::parent_of_set_dir(const Set& s, int level, uint64_t index) const {
    if (level <= 1) return s.dir_ino;
    return set_dir_ino(&s - sets_.data(), level - 1, index / s.tree.per_dir(s.cfg, level - 1));
}

std::optional<NodeAttr> Namespace::set_node(const Set& s, uint64_t ino) const {
    const uint64_t payload = set_payload(ino);
    if (!(payload & kSetDirBit)) {
        if (payload >= s.cfg.count) return std::nullopt;
        return set_file_attr(s, payload);
    }
    const int level = set_dir_level(ino);
    const uint64_t index = set_dir_index(ino);
    if (level < 1 || level > s.tree.depth || index >= s.tree.level_count[level]) return std::nullopt;
    return set_dir_attr(s, level, index);
}

std::optional<NodeAttr> Namespace::attr(uint64_t ino) const {
    if (ino >= kRootIno && ino <= dirs_.size()) {
        const Dir& d = dirs_[ino - 1];
        if (d.set >= 0) return set_dir_attr(sets_[d.set], 0, 0);
        NodeAttr a;
        a.ino = ino;
        a.dir = true;
        a.nlink = 2 + d.subdirs;
        return a;
    }
    if (ino >= kFileInoBase && ino - kFileInoBase < files_.size()) {
        NodeAttr a;
        a.ino = ino;
        a.size = files_[ino - kFileInoBase].size;
        return a;
    }
    const int64_t s = set_number(ino);
    if (s >= 0 && static_cast<uint64_t>(s) < sets_.size()) return set_node(sets_[s], ino);
    return std::nullopt;
}

std::optional<NodeAttr> Namespace::lookup(uint64_t parent, std::string_view name) const {
    const auto pa = attr(parent);
    if (!pa || !pa->dir) return std::nullopt;
    const std::string n(name);
    // A directory of a set: the set dir itself (level 0) or one of its d.. directories.
    const Set* s = nullptr;
    int level = 0;
    uint64_t index = 0;
    if (parent <= dirs_.size()) {
        const Dir& d = dirs_[parent - 1];
        if (d.set < 0) {
            auto it = std::lower_bound(d.children.begin(), d.children.end(),
                                       std::make_pair(n, uint64_t{0}));
            if (it == d.children.end() || it->first != n) return std::nullopt;
            return attr(it->second);
        }
        s = &sets_[d.set];
    } else {
        s = &sets_[set_number(parent)];
        level = set_dir_level(parent);
        index = set_dir_index(parent);
    }
    const uint64_t first = s->tree.first_child(s->cfg, level, index);
    const uint64_t count = s->tree.child_count(s->cfg, level, index);
    if (level == s->tree.depth) {
        const auto k = s->names.index_of(n);
        if (!k || *k < first || *k >= first + count) return std::nullopt;
        return set_file_attr(*s, *k);
    }
    if (n.size() != 1 + static_cast<size_t>(s->tree.dir_name_width) || n[0] != 'd') return std::nullopt;
    uint64_t local = 0;
    for (char c : n.substr(1)) {
        if (c < '0' || c > '9') return std::nullopt;
        local = local * 10 + static_cast<uint64_t>(c - '0');
    }
    if (local >= count) return std::nullopt;
    return set_dir_attr(*s, level + 1, first + local);
}

bool Namespace::readdir_set(const Set& s, int level, uint64_t index, uint64_t parent_ino,
                            uint64_t self_ino, uint64_t offset, const DirEmit& emit) const {
    NodeAttr self = set_dir_attr(s, level, index);
    self.ino = self_ino;
    if (offset == 0 && !emit(".", self, 1)) return true;
    if (offset <= 1 && !emit("..", *attr(parent_ino), 2)) return true;
    const uint64_t first = s.tree.first_child(s.cfg, level, index);
    const uint64_t count = s.tree.child_count(s.cfg, level, index);
    for (uint64_t i = offset < 2 ? 0 : offset - 2; i < count; ++i) {
        const bool leaf = level == s.tree.depth;
        const NodeAttr a = leaf ? set_file_attr(s, first + i) : set_dir_attr(s, level + 1, first + i);
        const std::string name = leaf ? s.names.format(first + i) : s.tree.dir_name(i);
        if (!emit(name, a, i + 3)) break;
    }
    return true;
}

bool Namespace::readdir(uint64_t ino, uint64_t offset, const DirEmit& emit) const {
    const auto self = attr(ino);
    if (!self || !self->dir) return false;
    if (ino <= dirs_.size()) {
        const Dir& d = dirs_[ino - 1];
        if (d.set >= 0) return readdir_set(sets_[d.set], 0, 0, d.parent, ino, offset, emit);
        if (offset == 0 && !emit(".", *self, 1)) return true;
        if (offset <= 1 && !emit("..", *attr(d.parent), 2)) return true;
        for (uint64_t i = offset < 2 ? 0 : offset - 2; i < d.children.size(); ++i)
            if (!emit(d.children[i].first, *attr(d.children[i].second), i + 3)) break;
        return true;
    }
    const Set& s = sets_[set_number(ino)];
    const int level = set_dir_level(ino);
    const uint64_t index = set_dir_index(ino);
    return readdir_set(s, level, index, parent_of_set_dir(s, level, index), ino, offset, emit);
}

std::unique_ptr<FileSource> Namespace::open(uint64_t ino) const {
    const auto a = attr(ino);
    if (!a || a->dir) return nullptr;
    if (ino >= kFileInoBase && ino - kFileInoBase < files_.size()) {
        const uint64_t i = ino - kFileInoBase;
        const FileConfig& f = files_[i];
        const auto group = static_cast<uint32_t>(i);
        if (effective_pattern(dataset_, f.over) == Pattern::Zero)
            return std::make_unique<FileSource>(nullptr, f.size, group);
        StreamParams p = effective_params(dataset_, f.over);
        p.name = f.path;
        p.size = f.size;
        return std::make_unique<FileSource>(std::make_unique<Stream>(p), f.size, group);
    }
    const auto group = static_cast<uint32_t>(files_.size() + set_number(ino));
    const Set& s = sets_[set_number(ino)];
    const uint64_t k = set_payload(ino);
    if (s.pattern == Pattern::Zero) return std::make_unique<FileSource>(nullptr, a->size, group);
    StreamParams p = s.params;
    p.size = a->size;
    SetPlacement pl;
    if (s.cfg.size_dist == SizeDist::Fixed) {
        pl = set_placement(s.cfg, p.seed, p.unit, k);
    } else {
        pl.group = k / kSetGroupFiles;
        const auto prefix = group_cache_->get(set_number(ino), pl.group, [&] {
            return set_group_prefix_units(s.cfg, *s.draw, p.unit, pl.group);
        });
        pl.prefix_units = (*prefix)[k - pl.group * kSetGroupFiles];
        pl.group_units = prefix->back();
    }
    return std::make_unique<FileSource>(
        std::make_unique<Stream>(p, SetMember{pl.group, pl.prefix_units, pl.group_units}), a->size,
        group);
}

std::vector<FileGroup> Namespace::groups() const {
    std::vector<FileGroup> g;
    for (const FileConfig& f : files_) g.push_back({f.path, false});
    for (const Set& s : sets_) g.push_back({s.cfg.dir.empty() ? "/" : s.cfg.dir, true});
    return g;
}

std::vector<std::pair<std::string, std::string>> Namespace::xattrs(uint64_t ino) const {
    const auto a = attr(ino);
    if (!a || a->dir) return {};
    StreamParams p;
    Pattern pattern;
    std::string identity;
    if (ino >= kFileInoBase && ino - kFileInoBase < files_.size()) {
        const FileConfig& f = files_[ino - kFileInoBase];
        p = effective_params(dataset_, f.over);
        pattern = effective_pattern(dataset_, f.over);
        identity = f.path;
    } else {
        const Set& s = sets_[set_number(ino)];
        p = s.params;
        pattern = s.pattern;
        identity = "set:" + s.cfg.dir + "#" + std::to_string(set_payload(ino));
    }
    std::vector<std::pair<std::string, std::string>> x = {
        {"user.dgen.format", "dgen" + std::to_string(p.format)},
        {"user.dgen.seed", std::to_string(p.seed)},
        {"user.dgen.dedup", format_ratio(p.dedup)},
        {"user.dgen.compress", format_ratio(p.compress)},
        {"user.dgen.unit", std::to_string(p.unit)},
        {"user.dgen.dedup_run", std::to_string(p.run_units() * p.unit)},
        {"user.dgen.pattern", pattern == Pattern::Zero ? "zero" : "dgen"},
        {"user.dgen.stream", identity}};
    // With host_seed: the identity mixed into the seed (`dgen cat --host` takes it).
    if (!p.host.empty()) x.emplace_back("user.dgen.host", p.host);
    return x;
}

std::optional<std::string> Namespace::path(uint64_t ino) const {
    const auto a = attr(ino);
    if (!a) return std::nullopt;
    auto join = [](const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; };
    // An explicit directory: its name is its entry in its parent's list.
    auto dir_path = [&](uint64_t dir) {
        std::vector<std::string> names;
        for (uint64_t d = dir; d != kRootIno; d = dirs_[d - 1].parent)
            for (const auto& [name, child] : dirs_[dirs_[d - 1].parent - 1].children)
                if (child == d) names.push_back(name);
        std::string p;
        for (auto it = names.rbegin(); it != names.rend(); ++it) p = join(p, *it);
        return p;
    };
    if (ino <= dirs_.size()) return dir_path(ino);
    if (ino >= kFileInoBase && ino - kFileInoBase < files_.size()) return files_[ino - kFileInoBase].path;
    // In a set: walk up from the file or d.. directory, level by level, to the set dir.
    const Set& s = sets_[set_number(ino)];
    std::string tail;
    int level = s.tree.depth;
    uint64_t index = set_payload(ino);
    if (a->dir) {
        level = set_dir_level(ino);
        index = set_dir_index(ino);
    } else {
        tail = s.names.format(index);
        if (level == 0) return join(dir_path(s.dir_ino), tail);
        index /= s.tree.per_dir(s.cfg, level);  // the leaf directory that holds the file
    }
    for (; level >= 1; --level) {
        const uint64_t parent = index / s.tree.per_dir(s.cfg, level - 1);
        const uint64_t local = index - s.tree.first_child(s.cfg, level - 1, parent);
        tail = tail.empty() ? s.tree.dir_name(local) : s.tree.dir_name(local) + "/" + tail;
        index = parent;
    }
    return join(dir_path(s.dir_ino), tail);
}

std::optional<uint64_t> Namespace::resolve(std::string_view path) const {
    std::string err;
    const auto p = parse_dataset_path(path.empty() ? "/" : path, &err);  // "" is the root here
    if (!p) return std::nullopt;
    uint64_t cur = kRootIno;
    for (const std::string& part : split_path(p->path)) {
        const auto a = lookup(cur, part);
        if (!a) return std::nullopt;
        cur = a->ino;
    }
    return cur;
}

bool walk_tree(const Namespace& ns, uint64_t dir, const std::string& prefix, const WalkVisit& visit) {
    bool go_on = true;
    ns.readdir(dir, 2, [&](const std::string& name, const NodeAttr& a, uint64_t) {
        const std::string path = prefix.empty() ? name : prefix + "/" + name;
        go_on = visit(path, a) && (!a.dir || walk_tree(ns, a.ino, path, visit));
        return go_on;
    });
    return go_on;
}

}  // namespace dgen
