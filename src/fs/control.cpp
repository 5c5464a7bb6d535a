// /.dgen: the statistics, read-only (special.h has the inode numbers).
//
//   /.dgen/stats.json   the counters since the mount, as JSON (stats.h: render_json)
//   /.dgen/metrics      the same in Prometheus's text format (render_prometheus)
//
// Each lookup of one of the two names renders the counters into a new inode: its size is
// the text's length and its bytes never change, so reads go through the page cache like
// any file's and are served by inode, whether the kernel sends OPEN or not (fi->fh is
// not used). The entry is replied with entry_timeout 0 and a long attr_timeout: every
// path walk looks the name up again and gets a new inode, the kernel drops the old
// dentry, and each open sees the snapshot of its own lookup, one whole consistent
// document however it is read; a file kept open keeps its snapshot. st_ino stays the
// name's number, so stat and fstat agree across the two lookups of cp. The kernel's
// lookups of a snapshot are counted (Context::snapshots); its last forget frees it.
// readdir lists the names with their numbers; readdirplus hands out no inode for them.
#include <fcntl.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "special.h"
#include "stats.h"

namespace dgen::fs {

uint64_t ControlSnapshots::add(Snapshot s) {
    std::lock_guard<std::mutex> hold(lock_);
    if (held_.size() >= slots_) throw std::runtime_error("/.dgen: every snapshot inode is in use");
    uint64_t slot = next_;
    while (held_.count(slot)) slot = (slot + 1) % slots_;
    next_ = (slot + 1) % slots_;
    held_.emplace(slot, Held{std::move(s), 1});
    return slot;
}

ControlSnapshots::Snapshot ControlSnapshots::find(uint64_t slot) const {
    std::lock_guard<std::mutex> hold(lock_);
    const auto it = held_.find(slot);
    return it == held_.end() ? Snapshot{} : it->second.snapshot;
}

void ControlSnapshots::forget(uint64_t slot, uint64_t nlookup) {
    std::lock_guard<std::mutex> hold(lock_);
    const auto it = held_.find(slot);
    if (it == held_.end()) return;
    it->second.lookups -= std::min(nlookup, it->second.lookups);
    if (it->second.lookups == 0) held_.erase(it);
}

size_t ControlSnapshots::size() const {
    std::lock_guard<std::mutex> hold(lock_);
    return held_.size();
}

}  // namespace dgen::fs

namespace dgen::fs::control {
namespace {

// The names' own numbers, for readdir (and getattr, should the kernel ask); a lookup
// answers a snapshot's number instead.
constexpr uint64_t kStatsJsonIno = kControlBase + 2;
constexpr uint64_t kMetricsIno = kControlBase + 3;

struct Entry {
    const char* name;
    uint64_t ino;
};
// The directory as readdir lists it; offsets are positions in this table, plus one.
const Entry kEntries[] = {{".", kControlDirIno}, {"..", kRootIno}, {"stats.json", kStatsJsonIno},
                          {"metrics", kMetricsIno}};

bool is_name(uint64_t ino) { return ino == kStatsJsonIno || ino == kMetricsIno; }

// The counters now, as the file named by `ino` (kStatsJsonIno or kMetricsIno) shows them.
std::string render(const Stats& stats, uint64_t ino) {
    const Snapshot s = stats.snapshot();
    return ino == kStatsJsonIno ? render_json(s) : render_prometheus(s);
}

// Snapshot inode `ino`; text null for any other inode, or one already forgotten.
ControlSnapshots::Snapshot snapshot_of(const Context& c, uint64_t ino) {
    return ino >= kSnapshotBase ? c.snapshots.find(ino - kSnapshotBase) : ControlSnapshots::Snapshot{};
}

// A snapshot's st_ino is its name's number: the kernel tells snapshots apart by their
// inode (nodeid), while stat shows one file whose size changes. (cp stats the source,
// opens it, which looks it up again, and skips a file whose st_ino changed between.)
// A name's size is that of the snapshot a lookup would take now (0 in readdir).
std::optional<NodeAttr> attr_of(const Context& c, uint64_t ino, bool render_names) {
    if (ino == kRootIno) return c.ns->attr(kRootIno);
    if (ino == kControlDirIno) return NodeAttr{ino, true, 0, 2};
    if (is_name(ino)) return NodeAttr{ino, false, render_names && c.stats ? render(*c.stats, ino).size() : 0, 1};
    if (const auto s = snapshot_of(c, ino); s.text) return NodeAttr{s.name, false, s.text->size(), 1};
    return std::nullopt;
}

}  // namespace

void lookup_root(fuse_req_t req) {
    barrier(req, "lookup", [&] {
        const Context& c = ctx(req);
        if (!c.stats) return void(fuse_reply_err(req, ENOENT));
        fuse_entry_param e = to_entry(*attr_of(c, kControlDirIno, false), c);
        fuse_reply_entry(req, &e);
    });
}

void lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    barrier(req, "lookup", [&] {
        if (parent != kControlDirIno) return void(fuse_reply_err(req, ENOTDIR));
        Context& c = ctx(req);
        uint64_t named = 0;
        for (const Entry& e : kEntries)
            if (is_name(e.ino) && std::strcmp(e.name, name) == 0) named = e.ino;
        if (!named || !c.stats) return void(fuse_reply_err(req, ENOENT));
        auto text = std::make_shared<const std::string>(render(*c.stats, named));
        const uint64_t slot = c.snapshots.add({text, named});
        fuse_entry_param e = to_entry(NodeAttr{named, false, text->size(), 1}, c);
        e.ino = kSnapshotBase + slot;
        e.entry_timeout = 0;  // the next path walk asks again, and gets a new snapshot
        if (fuse_reply_entry(req, &e) != 0) c.snapshots.forget(slot, 1);  // the kernel never got it
    });
}

// Only snapshots are counted: the directory and the names are never freed.
void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
    if (ino >= kSnapshotBase) ctx(req).snapshots.forget(ino - kSnapshotBase, nlookup);
}

void getattr(fuse_req_t req, fuse_ino_t ino) {
    barrier(req, "getattr", [&] {
        const Context& c = ctx(req);
        const auto a = attr_of(c, ino, true);
        if (!a) return void(fuse_reply_err(req, ENOENT));
        const struct stat st = to_stat(*a, c);
        fuse_reply_attr(req, &st, c.timeout);
    });
}

void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    barrier(req, "opendir", [&] {
        if (ino != kControlDirIno) return void(fuse_reply_err(req, ENOTDIR));
        fuse_reply_open(req, fi);
    });
}

void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus) {
    barrier(req, "readdir", [&] {
        if (ino != kControlDirIno) return void(fuse_reply_err(req, ENOTDIR));
        const Context& c = ctx(req);
        std::string buf(size, '\0');
        size_t used = 0;
        for (size_t i = static_cast<size_t>(off); i < std::size(kEntries); ++i) {
            const NodeAttr a = *attr_of(c, kEntries[i].ino, false);
            const off_t next = static_cast<off_t>(i + 1);
            size_t need = 0;
            if (plus) {
                fuse_entry_param e = to_entry(a, c);
                // No inode for a name: each lookup of it is a snapshot, counted, and an
                // entry here would be a lookup the kernel makes without one. With ino 0
                // the kernel lists the name and links nothing (fuse_direntplus_link).
                if (is_name(a.ino)) e.ino = 0;
                need = fuse_add_direntry_plus(req, buf.data() + used, size - used, kEntries[i].name, &e, next);
            } else {
                struct stat st {};
                st.st_ino = a.ino;
                st.st_mode = a.dir ? S_IFDIR : S_IFREG;
                need = fuse_add_direntry(req, buf.data() + used, size - used, kEntries[i].name, &st, next);
            }
            if (need > size - used) break;  // full: the next call resumes here
            used += need;
        }
        fuse_reply_buf(req, buf.data(), used);
    });
}

void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
    barrier(req, "open", [&] {
        const Context& c = ctx(req);
        if (ino == kControlDirIno) return void(fuse_reply_err(req, EISDIR));
        if (!snapshot_of(c, ino).text) return void(fuse_reply_err(req, ESTALE));
        if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
            return refuse(req, "open for writing", ino);
        if (c.skip_open) return void(fuse_reply_err(req, ENOSYS));  // fs.h: skips_open
        // The inode's bytes never change: cached pages stay valid for every open of it.
        fi->direct_io = 0;
        fi->keep_cache = 1;
        fi->fh = 0;  // unused: reads find the snapshot by inode (no OPEN, no fh)
        fuse_reply_open(req, fi);
    });
}

void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info*) {
    barrier(req, "read", [&] {
        const auto text = snapshot_of(ctx(req), ino).text;  // held here, should a forget free it
        if (!text) return void(fuse_reply_err(req, ESTALE));
        const auto offset = static_cast<size_t>(off);
        if (offset >= text->size()) return void(fuse_reply_buf(req, nullptr, 0));
        fuse_reply_buf(req, text->data() + offset, std::min(size, text->size() - offset));
    });
}

void release(fuse_req_t req, fuse_ino_t, fuse_file_info*) {
    barrier(req, "release", [&] { fuse_reply_err(req, 0); });
}

}  // namespace dgen::fs::control
