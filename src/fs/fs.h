// dgenfs's FUSE side: the low-level operations (one per file, fs_<op>.cpp), the context
// they share, and the barrier that turns any exception into one logged EIO reply.
#pragma once

#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 14)
#include <fuse_lowlevel.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "dgen/config.h"
#include "dgen/namespace.h"
#include "permission.h"

namespace dgen::fs {

class VerifyArea;      // verify_area.h
class Stats;           // stats.h
struct ServedCounters; // stats.h

// The FileSources handed to the kernel as fi->fh: open adds one before replying, release
// deletes it. Those a connection never released (aborted, or stopped with files open)
// are deleted with their Context, after the workers have returned.
class OpenFiles {
public:
    OpenFiles() = default;
    OpenFiles(const OpenFiles&) = delete;
    OpenFiles& operator=(const OpenFiles&) = delete;
    ~OpenFiles() {
        for (FileSource* f : files_) delete f;
    }
    void add(FileSource* f) {
        std::lock_guard<std::mutex> g(lock_);
        files_.insert(f);
    }
    void remove(FileSource* f) {
        {
            std::lock_guard<std::mutex> g(lock_);
            files_.erase(f);
        }
        delete f;
    }

private:
    std::mutex lock_;
    std::unordered_set<FileSource*> files_;
};

// /.dgen's snapshots (control.cpp): each lookup of stats.json or metrics renders one into
// a slot of its own, which special.h turns into an inode number. The slot counts the
// kernel's lookups of that inode; forget() frees it at zero, and those the kernel never
// forgot go with their Context. Lookups, reads and forgets come from any worker thread.
class ControlSnapshots {
public:
    using Text = std::shared_ptr<const std::string>;
    struct Snapshot {
        Text text;          // null: no such slot
        uint64_t name = 0;  // whose snapshot (the name's inode number, for st_ino)
    };
    static constexpr uint64_t kSlots = (uint64_t{1} << 39) - 16;  // special.h: up to 2^40

    explicit ControlSnapshots(uint64_t slots = kSlots) : slots_(slots) {}
    ControlSnapshots(const ControlSnapshots&) = delete;
    ControlSnapshots& operator=(const ControlSnapshots&) = delete;
    // A free slot holding `s`, looked up once. Slots are taken in turn and wrap around
    // past those still held (a freed number is one the kernel has forgotten).
    uint64_t add(Snapshot s);
    Snapshot find(uint64_t slot) const;  // text null: no such slot, or freed
    void forget(uint64_t slot, uint64_t nlookup);
    size_t size() const;

private:
    struct Held {
        Snapshot snapshot;
        uint64_t lookups = 0;
    };
    const uint64_t slots_;
    mutable std::mutex lock_;
    uint64_t next_ = 0;
    std::unordered_map<uint64_t, Held> held_;
};

struct Context {
    const Namespace* ns = nullptr;
    DatasetConfig dataset;
    uid_t uid = 0;
    gid_t gid = 0;
    double timeout = 86400.0;   // entries and attributes never change while mounted
    // "major:minor" of the mount, for read_ahead_kb. The main thread learns it after the
    // workers have started serving, so they read bdi only once bdi_known is true.
    std::string bdi;
    std::atomic<bool> bdi_known{false};
    std::once_flag readahead_once;
    bool skip_open = false;        // skips_open(): OPEN answered ENOSYS
    VerifyArea* verify = nullptr;  // the verify area; null when verify_area is off
    std::string verify_link;       // where /.verify points (its mount); "" = no /.verify here
    Stats* stats = nullptr;        // what /.dgen shows; shared by every mount of the daemon
    OpenFiles open_files;          // this mount's open files
    ControlSnapshots snapshots;    // this mount's /.dgen snapshots (their lookups are its own)
    struct {                       // INIT, as init_flags.cpp saw it (mount thread only)
        uint64_t unique = 0;       // of the INIT request, until its reply is written
        uint64_t offered = 0;      // the kernel's flags, flags2 << 32 included
        uint64_t taken = 0;        // what the reply added (init_flags.h)
        bool want_uring = false;   // ask for FUSE over io_uring, if offered
        uint32_t max_write = 0, max_pages = 0;  // as the reply said: an io_uring payload's size
    } init;
};

inline Context& ctx(fuse_req_t req) { return *static_cast<Context*>(fuse_req_userdata(req)); }

struct stat to_stat(const NodeAttr& a, const Context& c);
fuse_entry_param to_entry(const NodeAttr& a, const Context& c);

// How a file of `size` bytes is served: direct_io, unless the dataset turns it off or
// the file is small enough for the page cache (page_cache_max). Small files are cached:
// read once, they are never asked of dgenfs again while mounted, and a reader pays no
// page pinning for them; large files stream with one copy instead of two.
inline bool uses_direct_io(const DatasetConfig& d, uint64_t size) {
    return d.direct_io && size > d.page_cache_max;
}
// skip_open (docs/CONFIG.md): dgenfs answers the kernel's first OPEN with ENOSYS, after
// which the kernel sends no OPEN, FLUSH or RELEASE on the connection and reads every
// file through the page cache (fi->fh is then 0). A warm read of a small file costs no
// request at all. auto turns it on where that costs nothing: where no file would have
// had direct_io (none larger than page_cache_max, or direct_io off).
bool skips_open(const Config& config);
// Whether any file of the mount may go through the page cache.
inline bool uses_page_cache(const DatasetConfig& d) { return !d.direct_io || d.page_cache_max > 0; }

// st_blksize, the buffer cp, cat and rsync read with: the file's size rounded down to a
// power of two, at least 4 KiB, at most max_read. A reader of a small direct_io file then
// pins a buffer of the file's size, not 1 MiB, for every read.
inline uint64_t preferred_io_size(uint64_t size, uint64_t max_read) {
    uint64_t b = 4096;
    while (b < max_read && b * 2 <= size) b *= 2;
    return b;
}

// Page-cache mode: raise the mount's readahead once INIT is done (the INIT reply would
// clamp an earlier setting back to the kernel's offer). Called from the first open.
void apply_readahead(Context& c);

void log_error(const char* op, const std::exception& e);

// The process behind a request, for the checks of permission.h.
Caller caller_of(fuse_req_t req);

// Testing hooks, from the environment: DGENFS_FAILPOINT=NAME[,NAME...] (docs/dgenfs.md):
//   read-throws   every read throws inside the exception barrier (answered EIO, logged)
//   worker-exit   worker 0.0 stops serving with EIO once the daemon serves
bool failpoint(const char* name);

// Fills one readdir reply of at most `size` bytes from offset `off` on, adding each entry
// with `add(buffer, room, name, attr, next_offset)` (fuse_add_direntry or its _plus
// form, which return the bytes the entry needs), and sends it; ENOTDIR for a file.
using AddEntry = std::function<size_t(char*, size_t, const std::string&, const NodeAttr&, off_t)>;
void reply_directory(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, const AddEntry& add);

// The buffer fs::read generates into on this thread: a worker's slice of its node's pool.
void set_thread_buffer(uint8_t* buffer, size_t size);

// What one worker has served (stats.h), counted by fs::read on the worker's own thread;
// read for /.dgen, /metrics and the status line. A thread without counters of its own
// counts into the mount's Stats::fallback().
void set_thread_counters(ServedCounters* counters);

// Runs `body`, which must end in exactly one fuse_reply_*; an exception that escapes
// before the reply becomes EIO, so every request gets exactly one answer.
template <class F>
void barrier(fuse_req_t req, const char* op, F&& body) noexcept {
    try {
        body();
    } catch (const std::exception& e) {
        log_error(op, e);
        fuse_reply_err(req, EIO);
    } catch (...) {
        log_error(op, std::runtime_error("unknown exception"));
        fuse_reply_err(req, EIO);
    }
}

void init(void* userdata, fuse_conn_info* conn);
void access(fuse_req_t req, fuse_ino_t ino, int mask);
void lookup(fuse_req_t req, fuse_ino_t parent, const char* name);
void getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi);
void release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi);
void statfs(fuse_req_t req, fuse_ino_t ino);
void readlink(fuse_req_t req, fuse_ino_t ino);
void getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size);
void listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets);

// Answers EROFS to an operation that would modify the dataset, and logs a warning (at
// most 10 lines a second: a client decides how often this happens).
void refuse(fuse_req_t req, const char* op, fuse_ino_t ino);

// Every modifying operation: EROFS (fs_readonly.cpp).
void setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi);
void mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev);
void mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode);
void unlink(fuse_req_t req, fuse_ino_t parent, const char* name);
void rmdir(fuse_req_t req, fuse_ino_t parent, const char* name);
void symlink(fuse_req_t req, const char* link, fuse_ino_t parent, const char* name);
void rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
            const char* newname, unsigned int flags);
void link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname);
void write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off,
           fuse_file_info* fi);
void create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi);
void setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size,
              int flags);
void removexattr(fuse_req_t req, fuse_ino_t ino, const char* name);
void fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset, off_t length,
               fuse_file_info* fi);

// The operation table, alphabetical (ops_table.cpp).
const fuse_lowlevel_ops& operations();
// The verify area's mount's: the same, with its root as FUSE's (verify_mount_ops.cpp).
const fuse_lowlevel_ops& verify_operations();

}  // namespace dgen::fs
