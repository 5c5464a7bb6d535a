// The verify area's state (verify_area.h); its FUSE operations are in verify_ops.cpp.
#include "verify_area.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>

#include "dgen/values.h"
#include "log.h"

namespace dgen::fs {
namespace {

constexpr size_t kRecentMismatches = 16;
// Offsets of a listing past the dataset's children: created entries, kCreatedOffset + i.
constexpr uint64_t kCreatedOffset = 1ull << 62;
// Created inodes: kVerifyBit | (kCreatedBase + n), below the dataset's file inodes (2^40).
constexpr uint64_t kCreatedBase = kControlBase;
constexpr uint64_t kDatasetFileBase = 1ull << 40;

}  // namespace

// What has been written to one file of the area.
struct VerifyArea::FileState {
    bool present = true;   // a mirror file: false once unlinked, until created again
    bool touched = false;  // opened for writing, created or truncated since the last reset
    uint64_t size = 0;     // what stat says: the furthest write, or the last truncate
    std::map<uint64_t, uint64_t> covered;  // [start, end) written and matching, merged
    bool failed = false;
    uint64_t failed_at = 0;  // the first mismatch's offset
    uint32_t mode = 0644;
    std::optional<int64_t> mtime;
    bool announced = false;  // "verified" has been logged

    void reset() {
        const bool was_present = present;
        *this = FileState{};
        present = was_present;
        touched = true;
    }
    void cover(uint64_t from, uint64_t to) {
        if (from >= to) return;
        auto it = covered.upper_bound(from);
        if (it != covered.begin() && std::prev(it)->second >= from) {
            --it;
            from = it->first;
            to = std::max(to, it->second);
            it = covered.erase(it);
        }
        while (it != covered.end() && it->first <= to) {
            to = std::max(to, it->second);
            it = covered.erase(it);
        }
        covered.emplace(from, to);
    }
    void clip(uint64_t end) {
        for (auto it = covered.lower_bound(end); it != covered.end();) it = covered.erase(it);
        if (!covered.empty() && covered.rbegin()->second > end) covered.rbegin()->second = end;
    }
    uint64_t covered_bytes() const {
        uint64_t n = 0;
        for (const auto& [a, b] : covered) n += b - a;
        return n;
    }
    bool verified(uint64_t expected_size) const {
        return touched && !failed && size == expected_size && covered_bytes() == expected_size;
    }
};

// A created file's writes, as (offset, length, XXH3-64): a write that continues the
// last one extends its entry, so a sequential copy is one entry whatever its size.
struct VerifyArea::Journal {
    struct Entry {
        uint64_t offset, length, hash;
    };
    std::vector<Entry> done;
    uint64_t run_offset = 0, run_length = 0;
    std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> run{XXH3_createState(), &XXH3_freeState};

    void add(uint64_t offset, const uint8_t* data, size_t len) {
        if (run_length == 0 || offset != run_offset + run_length) {
            close();
            XXH3_64bits_reset(run.get());
            run_offset = offset;
        }
        XXH3_64bits_update(run.get(), data, len);
        run_length += len;
    }
    void close() {
        if (run_length) done.push_back({run_offset, run_length, XXH3_64bits_digest(run.get())});
        run_length = 0;
    }
    void clear() {
        done.clear();
        run_length = 0;
    }
    std::vector<Entry> entries() const {
        std::vector<Entry> all = done;
        if (run_length) all.push_back({run_offset, run_length, XXH3_64bits_digest(run.get())});
        return all;
    }
};

struct VerifyArea::Created {
    uint64_t parent = 0;
    std::string name;
    bool dir = false;
    bool linked = true;      // has a name; once false, it lives until the kernel forgets it
    uint64_t references = 0;  // the kernel's lookups
    uint64_t opens = 0;
    FileState file;
    Journal journal;

    void start_over() {  // O_TRUNC, truncate to 0
        file.reset();
        journal.clear();
    }
};

VerifyArea::VerifyArea(const Namespace& ns, int64_t mtime) : ns_(ns), mtime_(mtime) {}
VerifyArea::~VerifyArea() = default;

bool VerifyArea::is_created(uint64_t ino) {
    const uint64_t low = dataset_ino(ino);
    return low > kCreatedBase && low < kDatasetFileBase;
}

VerifyArea::FileState& VerifyArea::mirror(uint64_t ino) {
    auto& slot = mirror_[ino];
    if (!slot) slot = std::make_unique<FileState>();
    return *slot;
}

const VerifyArea::FileState* VerifyArea::mirror_if(uint64_t ino) const {
    const auto it = mirror_.find(ino);
    return it == mirror_.end() ? nullptr : it->second.get();
}

std::optional<uint64_t> VerifyArea::created_child(uint64_t parent, std::string_view name) const {
    const auto it = names_.find(std::make_pair(parent, std::string(name)));
    if (it == names_.end()) return std::nullopt;
    return it->second;
}

bool VerifyArea::dir_exists(uint64_t ino) const {
    if (is_created(ino)) {
        const auto it = created_.find(ino);
        return it != created_.end() && it->second->dir && it->second->linked;
    }
    const auto a = ns_.attr(dataset_ino(ino));
    return a && a->dir;
}

VerifyArea::Attr VerifyArea::mirror_attr(uint64_t ino, const NodeAttr& a) const {
    Attr out;
    out.ino = kVerifyBit | a.ino;
    out.dir = a.dir;
    out.nlink = a.nlink;
    out.mode = a.dir ? 0755 : 0644;
    // A file nothing was written to is dated 1970, so that rsync's quick check (size and
    // mtime) never takes it for a copy: an empty file of the dataset included.
    out.mtime = a.dir ? mtime_ : 0;
    if (const FileState* f = a.dir ? nullptr : mirror_if(ino)) {
        out.size = f->size;
        out.mode = f->mode;
        out.mtime = f->mtime.value_or(f->touched ? mtime_ : 0);
    }
    return out;
}

VerifyArea::Attr VerifyArea::created_attr(uint64_t ino, const Created& c) const {
    Attr out;
    out.ino = ino;
    out.dir = c.dir;
    out.nlink = c.dir ? 2 : (c.linked ? 1 : 0);
    out.size = c.file.size;
    out.mode = c.file.mode;
    out.mtime = c.file.mtime.value_or(mtime_);
    return out;
}

std::string VerifyArea::path_of(uint64_t ino) const {
    if (!is_created(ino)) return ns_.path(dataset_ino(ino)).value_or("?");
    const auto it = created_.find(ino);
    if (it == created_.end()) return "?";
    const std::string parent = it->second->parent == root() ? "" : path_of(it->second->parent) + "/";
    return parent + it->second->name;
}

void VerifyArea::drop_if_unused(uint64_t ino) {
    const auto it = created_.find(ino);
    if (it != created_.end() && !it->second->linked && it->second->references == 0 && it->second->opens == 0) {
        created_.erase(it);
        inode_handles_.erase(ino);
    }
}

int VerifyArea::lookup(uint64_t parent, std::string_view name, Attr* out) {
    std::lock_guard<std::mutex> hold(lock_);
    if (!dir_exists(parent)) return ENOENT;
    if (!is_created(parent)) {
        if (const auto a = ns_.lookup(dataset_ino(parent), name)) {
            const FileState* f = a->dir ? nullptr : mirror_if(a->ino);
            if (f && !f->present) return ENOENT;
            *out = mirror_attr(a->ino, *a);
            return 0;
        }
    }
    const auto c = created_child(parent, name);
    if (!c) return ENOENT;
    Created& node = *created_.at(*c);
    ++node.references;
    *out = created_attr(*c, node);
    return 0;
}

int VerifyArea::attr(uint64_t ino, Attr* out) {
    std::lock_guard<std::mutex> hold(lock_);
    if (is_created(ino)) {
        const auto it = created_.find(ino);
        if (it == created_.end()) return ENOENT;
        *out = created_attr(ino, *it->second);
        return 0;
    }
    const auto a = ns_.attr(dataset_ino(ino));
    if (!a) return ENOENT;
    if (!a->dir) {
        const FileState* f = mirror_if(a->ino);
        if (f && !f->present) return ENOENT;
    }
    *out = mirror_attr(a->ino, *a);
    return 0;
}

void VerifyArea::forget(uint64_t ino, uint64_t nlookup) {
    std::lock_guard<std::mutex> hold(lock_);
    const auto it = created_.find(ino);
    if (it == created_.end()) return;
    it->second->references -= std::min(nlookup, it->second->references);
    drop_if_unused(ino);
}

int VerifyArea::list(uint64_t dir, uint64_t offset, const Emit& emit) {
    std::lock_guard<std::mutex> hold(lock_);
    if (!dir_exists(dir)) return is_created(dir) || !ns_.attr(dataset_ino(dir)) ? ENOENT : ENOTDIR;
    bool full = false;
    if (!is_created(dir)) {
        if (offset < kCreatedOffset) {
            ns_.readdir(dataset_ino(dir), offset, [&](const std::string& name, const NodeAttr& a, uint64_t next) {
                const FileState* f = a.dir ? nullptr : mirror_if(a.ino);
                if (f && !f->present && name != "." && name != "..") return true;
                full = !emit(name, mirror_attr(a.ino, a), next);
                return !full;
            });
            offset = kCreatedOffset;
        }
    } else {
        Attr self;
        self.ino = dir;
        self.dir = true;
        if (offset == 0 && !emit(".", self, 1)) return 0;
        if (offset <= 1 && !emit("..", self, 2)) return 0;  // ".."'s inode: the kernel ignores it
        offset = std::max(offset, kCreatedOffset);
    }
    if (full) return 0;
    uint64_t i = 0;
    for (auto it = names_.lower_bound(std::make_pair(dir, std::string())); it != names_.end() && it->first.first == dir; ++it, ++i) {
        if (kCreatedOffset + i < offset) continue;
        if (!emit(it->first.second, created_attr(it->second, *created_.at(it->second)), kCreatedOffset + i + 1)) break;
    }
    return 0;
}

int VerifyArea::open(uint64_t ino, int flags, std::unique_ptr<Handle>* out) {
    const bool writing = (flags & O_ACCMODE) != O_RDONLY;
    std::unique_lock<std::mutex> hold(lock_);
    auto h = std::make_unique<Handle>();
    h->ino = ino;
    if (is_created(ino)) {
        const auto it = created_.find(ino);
        if (it == created_.end()) return ENOENT;
        Created& c = *it->second;
        if (c.dir) return EISDIR;
        if (flags & O_TRUNC) c.start_over();
        ++c.opens;
        *out = std::move(h);
        return 0;
    }
    const uint64_t x = dataset_ino(ino);
    const auto a = ns_.attr(x);
    if (!a) return ENOENT;
    if (a->dir) return EISDIR;
    FileState& f = mirror(x);
    if (!f.present) return ENOENT;
    if (flags & O_TRUNC) f.reset();
    if (writing) f.touched = true;
    const std::string path = ns_.path(x).value_or("?");
    hold.unlock();
    h->source = ns_.open(x);
    h->checker = std::make_unique<FileChecker>(*h->source, path, &ns_);
    *out = std::move(h);
    return 0;
}

int VerifyArea::inode_handle(uint64_t ino, std::shared_ptr<Handle>* out) {
    std::unique_lock<std::mutex> hold(lock_);
    if (const auto it = inode_handles_.find(ino); it != inode_handles_.end()) {
        *out = it->second;
        return 0;
    }
    auto h = std::make_shared<Handle>();
    h->ino = ino;
    std::string path;
    if (is_created(ino)) {
        const auto it = created_.find(ino);
        if (it == created_.end()) return ENOENT;
        if (it->second->dir) return EISDIR;
    } else {
        const uint64_t x = dataset_ino(ino);
        const auto a = ns_.attr(x);
        if (!a) return ENOENT;
        if (a->dir) return EISDIR;
        if (const FileState* f = mirror_if(x); f && !f->present) return ENOENT;
        path = ns_.path(x).value_or("?");
    }
    hold.unlock();
    if (!is_created(ino)) {
        h->source = ns_.open(dataset_ino(ino));
        h->checker = std::make_unique<FileChecker>(*h->source, path, &ns_);
    }
    hold.lock();
    constexpr size_t kCapacity = 256;  // files being copied at once; the rest are remade
    if (inode_handles_.size() >= kCapacity) inode_handles_.clear();
    inode_handles_.emplace(ino, h);
    *out = std::move(h);
    return 0;
}

int VerifyArea::create(uint64_t parent, std::string_view name, uint32_t mode, int flags, Attr* attr,
                       std::unique_ptr<Handle>* out) {
    std::unique_lock<std::mutex> hold(lock_);
    if (!dir_exists(parent)) return ENOENT;
    if (!is_created(parent)) {
        if (const auto a = ns_.lookup(dataset_ino(parent), name)) {
            if (a->dir) return (flags & O_EXCL) ? EEXIST : EISDIR;
            FileState& f = mirror(a->ino);
            if (f.present && (flags & O_EXCL)) return EEXIST;
            if (!f.present || (flags & O_TRUNC)) {
                f.present = true;
                f.reset();
                f.mode = mode & 07777;
            }
            f.touched = true;
            *attr = mirror_attr(a->ino, *a);
            hold.unlock();
            return open(attr->ino, flags & ~O_TRUNC, out);
        }
    }
    if (const auto c = created_child(parent, name)) {
        if (flags & O_EXCL) return EEXIST;
        Created& node = *created_.at(*c);
        if (node.dir) return EISDIR;
        ++node.references;
        *attr = created_attr(*c, node);
        hold.unlock();
        return open(*c, flags, out);
    }
    const uint64_t ino = kVerifyBit | (kCreatedBase + next_created_++);
    auto node = std::make_unique<Created>();
    node->parent = parent;
    node->name = std::string(name);
    node->references = 1;
    node->opens = 1;
    node->file.touched = true;
    node->file.mode = mode & 07777;
    *attr = created_attr(ino, *node);
    names_.emplace(std::make_pair(parent, node->name), ino);
    created_.emplace(ino, std::move(node));
    auto h = std::make_unique<Handle>();
    h->ino = ino;
    *out = std::move(h);
    return 0;
}

VerifyMismatch VerifyArea::describe(const std::string& path, const BadRange& b) {
    VerifyMismatch m{path, b.offset, b.length, mismatch_name(b.kind), ""};
    if (b.kind == Mismatch::Shifted) m.detail = "bytes from offset " + std::to_string(b.source_offset);
    if (b.kind == Mismatch::OtherFile)
        m.detail = "bytes of " + b.other_path + " at offset " + std::to_string(b.source_offset);
    return m;
}

void VerifyArea::record_failure(FileState& f, VerifyMismatch m, uint64_t bad_bytes, size_t more,
                                const std::string& what) {
    static RateLimit limit(10);
    ++writes_failed_;
    bytes_bad_ += bad_bytes;
    if (!f.failed) {
        f.failed = true;
        f.failed_at = m.offset;
    }
    unsigned long long dropped = 0;
    if (limit.allow(&dropped)) {
        const std::string also = more ? " and " + std::to_string(more) + " more bad ranges" : "";
        const std::string after = dropped ? " (" + std::to_string(dropped) + " such lines dropped before)" : "";
        log(LOG_WARNING, "verify: %s: mismatch at offset %llu, %llu bytes, %s%s%s%s (%s)%s",
            m.path.c_str(), static_cast<unsigned long long>(m.offset), static_cast<unsigned long long>(m.length),
            m.kind.c_str(), m.detail.empty() ? "" : ": ", m.detail.c_str(), also.c_str(), what.c_str(),
            after.c_str());
    }
    recent_.push_back(std::move(m));
    if (recent_.size() > kRecentMismatches) recent_.erase(recent_.begin());
}

int VerifyArea::write(Handle& h, uint64_t offset, const uint8_t* data, size_t len) {
    if (h.checker) {
        // The comparison, the costly part, runs unlocked: the checker is thread-safe.
        const std::vector<BadRange> bad = h.checker->compare(offset, data, len);
        std::lock_guard<std::mutex> hold(lock_);
        ++writes_;
        bytes_checked_ += len;
        FileState& f = mirror(dataset_ino(h.ino));
        f.touched = true;
        if (!bad.empty()) {
            uint64_t bad_bytes = 0;
            for (const BadRange& b : bad) bad_bytes += b.length;
            record_failure(f, describe(h.checker->path(), bad.front()), bad_bytes, bad.size() - 1,
                           "write of " + std::to_string(len) + " bytes at " + std::to_string(offset) + " answered EIO");
            return EIO;
        }
        f.cover(offset, offset + len);
        f.size = std::max(f.size, offset + len);
        announce_if_verified(f, *h.checker);  // at once: with skip_open no release comes
        return 0;
    }
    std::lock_guard<std::mutex> hold(lock_);
    const auto it = created_.find(h.ino);
    if (it == created_.end()) return EBADF;
    ++writes_;
    Created& c = *it->second;
    c.journal.add(offset, data, len);
    c.file.size = std::max(c.file.size, offset + len);
    c.file.touched = true;
    return 0;
}

// A mirror file reads back as what was written, which matched: the file's own bytes,
// up to its size. A created file's bytes were never kept.
size_t VerifyArea::read(Handle& h, uint64_t offset, size_t len, uint8_t* out, int* error) {
    if (!h.source) {
        *error = EIO;
        return 0;
    }
    uint64_t size = 0;
    {
        std::lock_guard<std::mutex> hold(lock_);
        size = mirror(dataset_ino(h.ino)).size;
    }
    *error = 0;
    if (offset >= size) return 0;
    len = static_cast<size_t>(std::min<uint64_t>(len, size - offset));
    const size_t n = h.source->read(offset, len, out);
    std::fill(out + n, out + len, 0);  // a truncate past the dataset's end is refused, so rare
    return len;
}

void VerifyArea::release(Handle& h) {
    std::lock_guard<std::mutex> hold(lock_);
    if (is_created(h.ino)) {
        const auto it = created_.find(h.ino);
        if (it != created_.end()) {
            if (it->second->opens) --it->second->opens;
            drop_if_unused(h.ino);
        }
        return;
    }
    announce_if_verified(mirror(dataset_ino(h.ino)), *h.checker);
}

void VerifyArea::announce_if_verified(FileState& f, const FileChecker& checker) {
    const uint64_t size = checker.source().size();
    if (f.announced || !f.verified(size)) return;
    f.announced = true;
    log(LOG_INFO, "verify: %s verified (%s)", checker.path().c_str(), format_size(size).c_str());
}

int VerifyArea::set_size(uint64_t ino, uint64_t size) {
    std::lock_guard<std::mutex> hold(lock_);
    if (is_created(ino)) {
        const auto it = created_.find(ino);
        if (it == created_.end()) return ENOENT;
        if (it->second->dir) return EISDIR;
        if (size == 0) it->second->start_over();
        it->second->file.size = size;
        return 0;
    }
    const uint64_t x = dataset_ino(ino);
    const auto a = ns_.attr(x);
    if (!a) return ENOENT;
    if (a->dir) return EISDIR;
    FileState& f = mirror(x);
    if (size > a->size) {
        const BadRange past{a->size, size - a->size, Mismatch::Extended, 0, ""};
        record_failure(f, describe(ns_.path(x).value_or("?"), past), past.length, 0,
                       "truncate to " + std::to_string(size) + " bytes answered EFBIG");
        return EFBIG;
    }
    if (size == 0) {
        f.reset();
        return 0;
    }
    f.touched = true;
    f.clip(size);
    // A truncate that extends the file adds a hole, which reads as zeros: right for a
    // zero file (cp --sparse copies one as nothing but a truncate), never for dgen data.
    if (size > f.size && ns_.open(x)->zero()) f.cover(f.size, size);
    f.size = size;
    return 0;
}

VerifyArea::FileState* VerifyArea::state_of(uint64_t ino, int* error) {
    *error = 0;
    if (is_created(ino)) {
        const auto it = created_.find(ino);
        if (it != created_.end()) return &it->second->file;
        *error = ENOENT;
        return nullptr;
    }
    const auto a = ns_.attr(dataset_ino(ino));
    if (!a) *error = ENOENT;
    return a && !a->dir ? &mirror(a->ino) : nullptr;  // the dataset's directories stay as they are
}

int VerifyArea::set_mode(uint64_t ino, uint32_t mode) {
    std::lock_guard<std::mutex> hold(lock_);
    int e;
    if (FileState* f = state_of(ino, &e)) f->mode = mode & 07777;
    return e;
}

int VerifyArea::set_mtime(uint64_t ino, int64_t mtime) {
    std::lock_guard<std::mutex> hold(lock_);
    int e;
    if (FileState* f = state_of(ino, &e)) f->mtime = mtime;
    return e;
}

int VerifyArea::mkdir(uint64_t parent, std::string_view name, uint32_t mode, Attr* out) {
    std::lock_guard<std::mutex> hold(lock_);
    if (!dir_exists(parent)) return ENOENT;
    if (!is_created(parent) && ns_.lookup(dataset_ino(parent), name)) return EEXIST;
    if (created_child(parent, name)) return EEXIST;
    const uint64_t ino = kVerifyBit | (kCreatedBase + next_created_++);
    auto node = std::make_unique<Created>();
    node->parent = parent;
    node->name = std::string(name);
    node->dir = true;
    node->references = 1;
    node->file.mode = mode & 07777;
    *out = created_attr(ino, *node);
    names_.emplace(std::make_pair(parent, node->name), ino);
    created_.emplace(ino, std::move(node));
    return 0;
}

int VerifyArea::unlink(uint64_t parent, std::string_view name) {
    std::lock_guard<std::mutex> hold(lock_);
    if (!dir_exists(parent)) return ENOENT;
    if (!is_created(parent)) {
        if (const auto a = ns_.lookup(dataset_ino(parent), name)) {
            if (a->dir) return EISDIR;
            FileState& f = mirror(a->ino);
            if (!f.present) return ENOENT;
            f = FileState{};
            f.present = false;
            return 0;
        }
    }
    const auto c = created_child(parent, name);
    if (!c) return ENOENT;
    Created& node = *created_.at(*c);
    if (node.dir) return EISDIR;
    names_.erase(std::make_pair(parent, std::string(name)));
    node.linked = false;
    drop_if_unused(*c);
    return 0;
}

int VerifyArea::rmdir(uint64_t parent, std::string_view name) {
    std::lock_guard<std::mutex> hold(lock_);
    if (!dir_exists(parent)) return ENOENT;
    if (!is_created(parent)) {
        if (const auto a = ns_.lookup(dataset_ino(parent), name)) return a->dir ? EBUSY : ENOTDIR;
    }
    const auto c = created_child(parent, name);
    if (!c) return ENOENT;
    Created& node = *created_.at(*c);
    if (!node.dir) return ENOTDIR;
    const auto child = names_.lower_bound(std::make_pair(*c, std::string()));
    if (child != names_.end() && child->first.first == *c) return ENOTEMPTY;
    names_.erase(std::make_pair(parent, std::string(name)));
    node.linked = false;
    drop_if_unused(*c);
    return 0;
}

std::optional<BadRange> VerifyArea::check_journal(std::unique_lock<std::mutex>& held, uint64_t created,
                                                  uint64_t target) {
    const std::vector<Journal::Entry> entries = created_.at(created)->journal.entries();
    held.unlock();
    const std::unique_ptr<FileSource> source = ns_.open(target);
    std::vector<uint8_t> buf(1u << 20);
    std::optional<BadRange> bad;
    std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> h(XXH3_createState(), &XXH3_freeState);
    for (const Journal::Entry& e : entries) {
        if (e.offset + e.length > source->size()) {
            const uint64_t from = std::max(e.offset, source->size());
            bad = BadRange{from, e.offset + e.length - from, Mismatch::Extended, 0, ""};
            break;
        }
        XXH3_64bits_reset(h.get());
        for (uint64_t at = e.offset; at < e.offset + e.length;) {
            const size_t n = source->read(at, static_cast<size_t>(std::min<uint64_t>(buf.size(), e.offset + e.length - at)), buf.data());
            XXH3_64bits_update(h.get(), buf.data(), n);
            at += n;
        }
        if (XXH3_64bits_digest(h.get()) != e.hash) {
            bad = BadRange{e.offset, e.length, Mismatch::Corrupt, 0, ""};
            break;
        }
    }
    held.lock();
    return bad;
}

int VerifyArea::rename(uint64_t parent, std::string_view name, uint64_t newparent, std::string_view newname,
                       unsigned flags) {
    if (flags & RENAME_EXCHANGE) return EINVAL;
    std::unique_lock<std::mutex> hold(lock_);
    if (!dir_exists(parent) || !dir_exists(newparent)) return ENOENT;
    const auto src = created_child(parent, name);
    if (!src) {
        if (!is_created(parent) && ns_.lookup(dataset_ino(parent), name)) return EPERM;  // dataset paths stay
        return ENOENT;
    }
    const bool src_dir = created_.at(*src)->dir;
    // Onto a dataset path: the created file's journal is checked against that file.
    if (!is_created(newparent)) {
        if (const auto a = ns_.lookup(dataset_ino(newparent), newname)) {
            if (a->dir) return src_dir ? EPERM : EISDIR;
            if (src_dir) return ENOTDIR;
            if ((flags & RENAME_NOREPLACE) && mirror(a->ino).present) return EEXIST;
            const std::optional<BadRange> bad = check_journal(hold, *src, a->ino);
            const auto still = created_.find(*src);
            if (still == created_.end() || !still->second->linked) return ENOENT;  // raced with unlink
            Created& c = *still->second;
            FileState& f = mirror(a->ino);
            const std::string path = ns_.path(a->ino).value_or("?");
            if (bad) {
                // Only hashes were kept, so a bad range is one write's span, unclassified.
                VerifyMismatch m = describe(path, *bad);
                if (bad->kind != Mismatch::Extended) m.kind = "unclassified";
                record_failure(f, m, bad->length, 0, "rename of " + path_of(*src) + " onto it answered EIO");
                return EIO;
            }
            f = FileState{};
            f.touched = true;
            f.size = c.file.size;
            f.mode = c.file.mode;
            f.mtime = c.file.mtime;
            for (const Journal::Entry& e : c.journal.entries()) f.cover(e.offset, e.offset + e.length);
            bytes_checked_ += f.covered_bytes();
            names_.erase(std::make_pair(parent, std::string(name)));
            c.linked = false;
            drop_if_unused(*src);
            if (f.verified(a->size)) {
                f.announced = true;
                log(LOG_INFO, "verify: %s verified (%s)", path.c_str(), format_size(a->size).c_str());
            }
            return 0;
        }
    }
    if (const auto dst = created_child(newparent, newname)) {
        if (*dst == *src) return 0;
        if (flags & RENAME_NOREPLACE) return EEXIST;
        Created& d = *created_.at(*dst);
        if (d.dir && !src_dir) return EISDIR;
        if (!d.dir && src_dir) return ENOTDIR;
        const auto child = names_.lower_bound(std::make_pair(*dst, std::string()));
        if (d.dir && child != names_.end() && child->first.first == *dst) return ENOTEMPTY;
        names_.erase(std::make_pair(newparent, std::string(newname)));
        d.linked = false;
        drop_if_unused(*dst);
    }
    Created& c = *created_.at(*src);
    names_.erase(std::make_pair(parent, std::string(name)));
    c.parent = newparent;
    c.name = std::string(newname);
    names_.emplace(std::make_pair(newparent, c.name), *src);
    return 0;
}

std::optional<std::string> VerifyArea::status(uint64_t ino) {
    std::lock_guard<std::mutex> hold(lock_);
    if (is_created(ino)) {
        const auto it = created_.find(ino);
        if (it == created_.end() || it->second->dir) return std::nullopt;
        return "not a dataset file (" + std::to_string(it->second->file.size) + " bytes written)";
    }
    const auto a = ns_.attr(dataset_ino(ino));
    if (!a || a->dir) return std::nullopt;
    const FileState* f = mirror_if(a->ino);
    if (f && f->failed) return "mismatch at " + std::to_string(f->failed_at);
    if (f && f->verified(a->size)) return std::string("verified");
    return "partial " + std::to_string(f ? f->covered_bytes() : 0) + "/" + std::to_string(a->size) + " bytes";
}

VerifyTotals VerifyArea::totals() {
    std::lock_guard<std::mutex> hold(lock_);
    VerifyTotals t;
    t.bytes_checked = bytes_checked_;
    t.bytes_bad = bytes_bad_;
    t.writes = writes_;
    t.writes_failed = writes_failed_;
    t.recent = recent_;
    for (const auto& [ino, f] : mirror_) {
        if (!f->touched) continue;
        if (f->failed) ++t.files_mismatched;
        else if (f->verified(ns_.attr(ino)->size)) ++t.files_verified;
        else ++t.files_partial;
    }
    return t;
}

}  // namespace dgen::fs
