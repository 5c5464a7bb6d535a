// The verify area, /.verify (special.h): the dataset's tree again, writable. A write
// there is compared with the bytes the file holds at that offset; a matching write is
// counted and discarded, a mismatching one fails with EIO and is logged. A file written
// to its full length with every write matching is `verified`.
//
// Two kinds of file live there:
//   mirror files   the dataset's own paths. Always checked as they are written; each
//                  keeps the byte ranges written so far (merged: sequential writes cost
//                  one range) and the first mismatch. Created on first use, so an
//                  untouched area costs nothing.
//   created files  any other name (rsync's ".name.XyZ123" temporaries, a test's extra
//                  file). Whose bytes they are is known only when they are renamed onto
//                  a dataset path, so their writes are journalled as (offset, length,
//                  XXH3-64) — contiguous writes extend one entry — and checked at that
//                  rename, which fails with EIO on a mismatch. Memory: an entry per
//                  discontiguous write, never the data.
// Directories of the dataset stay; directories made there are created ones.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dgen/namespace.h"
#include "dgen/verify.h"
#include "special.h"

namespace dgen::fs {

// One mismatching write, as stats.json reports it.
struct VerifyMismatch {
    std::string path;         // the dataset path written to
    uint64_t offset = 0, length = 0;  // the first bad range of the write
    std::string kind;         // verify.h's class: zeroed, shifted, corrupt, ...
    std::string detail;       // "from offset N", "bytes of PATH at N", or ""
};

// What the area has seen since the mount.
struct VerifyTotals {
    uint64_t bytes_checked = 0;     // bytes written and compared
    uint64_t bytes_bad = 0;         // bytes of the bad ranges of failed writes
    uint64_t writes = 0, writes_failed = 0;
    uint64_t files_verified = 0;    // written to full length, every write matching
    uint64_t files_mismatched = 0;  // at least one write failed
    uint64_t files_partial = 0;     // written to, not yet to full length, no failure
    std::vector<VerifyMismatch> recent;  // the last mismatches, newest last (at most 16)
};

class VerifyArea {
public:
    struct Attr {
        uint64_t ino = 0;
        bool dir = false;
        uint64_t size = 0;
        uint32_t mode = 0;  // permission bits
        int64_t mtime = 0;
        uint32_t nlink = 1;
    };
    // What an open file of the area carries in fi->fh.
    struct Handle {
        uint64_t ino = 0;
        std::unique_ptr<FileSource> source;    // mirror files
        std::unique_ptr<FileChecker> checker;  // mirror files
    };

    VerifyArea(const Namespace& ns, int64_t mtime);
    ~VerifyArea();

    static uint64_t root() { return kVerifyBit | kRootIno; }

    // Every call returns an errno (0 = done) and fills its outputs on success. A lookup,
    // create or mkdir that returns a created file counts one kernel reference to it;
    // forget() drops them, and an unlinked created file goes with its last one.
    int lookup(uint64_t parent, std::string_view name, Attr* out);
    int attr(uint64_t ino, Attr* out);
    void forget(uint64_t ino, uint64_t nlookup);
    // Entries of a directory from `offset` (0 ".", 1 "..", then the dataset's children,
    // then created ones): emit(name, attr, next_offset) returns false when full.
    using Emit = std::function<bool(const std::string&, const Attr&, uint64_t)>;
    int list(uint64_t dir, uint64_t offset, const Emit& emit);

    // open, or create with O_CREAT semantics (flags: open(2)'s); O_TRUNC starts over.
    int open(uint64_t ino, int flags, std::unique_ptr<Handle>* out);
    int create(uint64_t parent, std::string_view name, uint32_t mode, int flags, Attr* attr,
               std::unique_ptr<Handle>* out);
    // The handle of a file read or written with no open (skip_open: fh 0). A mirror
    // file's handle holds only what follows from the file (its generator and checker),
    // so one per inode serves every such request; kept in a small cache, remade when
    // dropped from it. ENOENT, EISDIR as open() answers them.
    int inode_handle(uint64_t ino, std::shared_ptr<Handle>* out);
    // Checks and records one write: 0, or EIO when the bytes do not match (logged).
    int write(Handle& h, uint64_t offset, const uint8_t* data, size_t len);
    size_t read(Handle& h, uint64_t offset, size_t len, uint8_t* out, int* error);
    void release(Handle& h);

    // size: truncate (0 starts over; up to the dataset file's size); mode, mtime: kept.
    int set_size(uint64_t ino, uint64_t size);
    int set_mode(uint64_t ino, uint32_t mode);
    int set_mtime(uint64_t ino, int64_t mtime);

    int mkdir(uint64_t parent, std::string_view name, uint32_t mode, Attr* out);
    int unlink(uint64_t parent, std::string_view name);
    int rmdir(uint64_t parent, std::string_view name);
    int rename(uint64_t parent, std::string_view name, uint64_t newparent, std::string_view newname,
               unsigned flags);

    // user.dgen.verify: "verified", "partial N/M bytes", "mismatch at OFFSET", or for a
    // created file "not a dataset file (N bytes written)"; nullopt for a directory.
    std::optional<std::string> status(uint64_t ino);

    VerifyTotals totals();

    // An inode of a file or directory created in the area (not a dataset path's).
    static bool is_created(uint64_t ino);
    static uint64_t dataset_ino(uint64_t ino) { return ino & ~kVerifyBit; }

private:
    struct FileState;
    struct Created;
    struct Journal;

    // All below with lock_ held.
    FileState& mirror(uint64_t dataset_ino);
    const FileState* mirror_if(uint64_t dataset_ino) const;
    // A file's state (created or mirror); nullptr for a directory, and for no such inode
    // (then *error is ENOENT).
    FileState* state_of(uint64_t ino, int* error);
    std::optional<uint64_t> created_child(uint64_t parent, std::string_view name) const;
    bool dir_exists(uint64_t ino) const;
    Attr mirror_attr(uint64_t ino, const NodeAttr& a) const;
    Attr created_attr(uint64_t ino, const Created& c) const;
    std::string path_of(uint64_t ino) const;
    void drop_if_unused(uint64_t ino);
    static VerifyMismatch describe(const std::string& path, const BadRange& b);
    // Counts and logs a failed write, truncate or rename (`what`: "write of N bytes at O
    // answered EIO", ...), with `more` bad ranges besides `m`.
    void record_failure(FileState& f, VerifyMismatch m, uint64_t bad_bytes, size_t more,
                        const std::string& what);
    // Logs "verified" the first time the file is written whole and matching.
    void announce_if_verified(FileState& f, const FileChecker& checker);
    // Checks a created file's journal against dataset file `target` (lock released inside).
    std::optional<BadRange> check_journal(std::unique_lock<std::mutex>& held, uint64_t created,
                                          uint64_t target);

    const Namespace& ns_;
    const int64_t mtime_;
    std::mutex lock_;
    std::unordered_map<uint64_t, std::unique_ptr<FileState>> mirror_;   // by dataset inode
    std::unordered_map<uint64_t, std::unique_ptr<Created>> created_;    // by area inode
    std::map<std::pair<uint64_t, std::string>, uint64_t, std::less<>> names_;  // created ones
    uint64_t next_created_ = 1;
    uint64_t bytes_checked_ = 0, bytes_bad_ = 0, writes_ = 0, writes_failed_ = 0;
    std::vector<VerifyMismatch> recent_;
    std::unordered_map<uint64_t, std::shared_ptr<Handle>> inode_handles_;
};

}  // namespace dgen::fs
