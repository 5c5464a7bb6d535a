// /.dgen: the statistics, read-only (special.h has the inode numbers).
//
//   /.dgen/stats.json   the counters since the mount, as JSON (stats.h: render_json)
//   /.dgen/metrics      the same in Prometheus's text format (render_prometheus)
//
// open() renders a snapshot into fi->fh and read() serves bytes of it, so a reader sees
// one consistent document however it splits its reads. The files are direct_io and their
// size is 0: a snapshot's length is not known before it is made, and with direct_io the
// kernel asks the daemon anyway, so cat, cp and python read until the empty reply.
#include <fcntl.h>

#include <cstring>
#include <string>

#include "special.h"
#include "stats.h"

namespace dgen::fs::control {
namespace {

constexpr uint64_t kStatsJsonIno = kControlBase + 2;
constexpr uint64_t kMetricsIno = kControlBase + 3;

struct Entry {
    const char* name;
    uint64_t ino;
};
// The directory as readdir lists it; offsets are positions in this table, plus one.
const Entry kEntries[] = {{".", kControlDirIno}, {"..", kRootIno}, {"stats.json", kStatsJsonIno},
                          {"metrics", kMetricsIno}};

std::optional<NodeAttr> attr_of(const Context& c, uint64_t ino) {
    if (ino == kRootIno) return c.ns->attr(kRootIno);
    if (ino == kControlDirIno) return NodeAttr{ino, true, 0, 2};
    if (ino == kStatsJsonIno || ino == kMetricsIno) return NodeAttr{ino, false, 0, 1};
    return std::nullopt;
}

void reply_entry(fuse_req_t req, uint64_t ino) {
    const Context& c = ctx(req);
    const auto a = attr_of(c, ino);
    if (!a || !c.stats) return void(fuse_reply_err(req, ENOENT));
    fuse_entry_param e = to_entry(*a, c);
    fuse_reply_entry(req, &e);
}

}  // namespace

void lookup_root(fuse_req_t req) {
    barrier(req, "lookup", [&] { reply_entry(req, kControlDirIno); });
}

void lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
    barrier(req, "lookup", [&] {
        if (parent != kControlDirIno) return void(fuse_reply_err(req, ENOTDIR));
        for (const Entry& e : kEntries)
            if (e.ino != kControlDirIno && e.ino != kRootIno && std::strcmp(e.name, name) == 0)
                return reply_entry(req, e.ino);
        fuse_reply_err(req, ENOENT);
    });
}

void getattr(fuse_req_t req, fuse_ino_t ino) {
    barrier(req, "getattr", [&] {
        const Context& c = ctx(req);
        const auto a = attr_of(c, ino);
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
            const NodeAttr a = *attr_of(c, kEntries[i].ino);
            const off_t next = static_cast<off_t>(i + 1);
            size_t need = 0;
            if (plus) {
                const fuse_entry_param e = to_entry(a, c);
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
        if (ino != kStatsJsonIno && ino != kMetricsIno) return void(fuse_reply_err(req, ENOENT));
        if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC))
            return refuse(req, "open for writing", ino);
        if (!c.stats) return void(fuse_reply_err(req, ENOENT));
        const Snapshot s = c.stats->snapshot();
        auto text = std::make_unique<std::string>(ino == kStatsJsonIno ? render_json(s) : render_prometheus(s));
        fi->direct_io = 1;
        fi->keep_cache = 0;
        fi->fh = reinterpret_cast<uint64_t>(text.get());
        if (fuse_reply_open(req, fi) == 0) text.release();  // else the kernel never got it
    });
}

void read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
    barrier(req, "read", [&] {
        const auto* text = reinterpret_cast<const std::string*>(fi->fh);
        const auto offset = static_cast<size_t>(off);
        if (offset >= text->size()) return void(fuse_reply_buf(req, nullptr, 0));
        fuse_reply_buf(req, text->data() + offset, std::min(size, text->size() - offset));
    });
}

void release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
    barrier(req, "release", [&] {
        delete reinterpret_cast<std::string*>(fi->fh);
        fuse_reply_err(req, 0);
    });
}

}  // namespace dgen::fs::control
