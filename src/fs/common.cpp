// Helpers shared by the operations: attributes, logging, readahead.
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <fstream>
#include <vector>

#include "fs.h"
#include "log.h"

namespace dgen::fs {

struct stat to_stat(const NodeAttr& a, const Context& c) {
    struct stat st {};
    st.st_ino = a.ino;
    st.st_mode = a.dir ? (S_IFDIR | 0555) : (S_IFREG | 0444);
    st.st_nlink = a.nlink;
    st.st_uid = c.uid;
    st.st_gid = c.gid;
    st.st_size = static_cast<off_t>(a.size);
    st.st_blocks = static_cast<blkcnt_t>(a.size / 512 + (a.size % 512 != 0));
    st.st_blksize = static_cast<blksize_t>(preferred_io_size(a.size, c.dataset.max_read));
    st.st_atim.tv_sec = st.st_mtim.tv_sec = st.st_ctim.tv_sec = c.ns->mtime();
    return st;
}

bool skips_open(const Config& config) {
    const DatasetConfig& d = config.dataset;
    if (d.skip_open) return *d.skip_open;
    if (!d.direct_io) return true;
    uint64_t largest = 0;
    for (const FileConfig& f : config.files) largest = std::max(largest, f.size);
    for (const SetConfig& s : config.sets)
        largest = std::max(largest, s.size_dist == SizeDist::Fixed ? s.size : s.size_max);
    return largest <= d.page_cache_max;
}

Caller caller_of(fuse_req_t req) {
    const fuse_ctx* c = fuse_req_ctx(req);
    Caller who;
    who.uid = c->uid;
    who.gid = c->gid;
    who.groups = [req] {
        std::vector<gid_t> g(64);
        int n = fuse_req_getgroups(req, static_cast<int>(g.size()), g.data());
        if (n > static_cast<int>(g.size())) {
            g.resize(static_cast<size_t>(n));
            n = fuse_req_getgroups(req, n, g.data());
        }
        g.resize(n > 0 ? std::min(static_cast<size_t>(n), g.size()) : 0);  // unknown: none
        return g;
    };
    return who;
}

fuse_entry_param to_entry(const NodeAttr& a, const Context& c) {
    fuse_entry_param e{};
    e.ino = a.ino;
    e.generation = 1;
    e.attr = to_stat(a, c);
    e.attr_timeout = c.timeout;
    e.entry_timeout = c.timeout;
    return e;
}

void reply_directory(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, const AddEntry& add) {
    std::vector<char> buf(size);
    size_t used = 0;
    const bool is_dir = ctx(req).ns->readdir(ino, static_cast<uint64_t>(off),
        [&](const std::string& name, const NodeAttr& a, uint64_t next) {
            const size_t need = add(buf.data() + used, size - used, name, a, static_cast<off_t>(next));
            if (need > size - used) return false;  // full: the next call resumes here
            used += need;
            return true;
        });
    if (!is_dir) return void(fuse_reply_err(req, ENOTDIR));
    fuse_reply_buf(req, buf.data(), used);
}

void log_error(const char* op, const std::exception& e) {
    log(LOG_ERR, "%s: %s (answered EIO)", op, e.what());
}

bool failpoint(const char* name) {
    static const std::string list = [] {
        const char* v = std::getenv("DGENFS_FAILPOINT");
        return "," + std::string(v ? v : "") + ",";
    }();
    return list.find("," + std::string(name) + ",") != std::string::npos;
}

void apply_readahead(Context& c) {
    // An open before the main thread has published bdi leaves readahead to a later one.
    if (!(uses_page_cache(c.dataset) || c.skip_open) || !c.bdi_known.load(std::memory_order_acquire)) return;
    std::call_once(c.readahead_once, [&] {
        const std::string path = "/sys/class/bdi/" + c.bdi + "/read_ahead_kb";
        std::ofstream f(path);
        f << c.dataset.readahead / 1024 << "\n";
        f.flush();
        if (!f) log(LOG_WARNING, "cannot set %s: %s", path.c_str(), std::strerror(errno));
    });
}

}  // namespace dgen::fs
