// The tree a dataset shows, computed from its Config, never stored: memory is O(1) per
// file set whatever its count. Inode numbers are a function of the config, so they are
// the same on every mount (rsync -a, tar and backup tools see a stable tree).
//
//   ino 1 .. 2^40-1               explicit directories (root = 1, then parents of [file]
//                                 paths and set directories, in config order)
//   ino 2^40 + i                  [file] number i
//   ino (s+1) << 48 | k           file k of [set] number s
//   ino (s+1) << 48 | 2^47 | level << 40 | index
//                                 directory `index` at `level` (1..depth) of set s
//
// All are below 2^63 (s < 32767), and explicit directories below 2^39 (each needs a
// config line): dgenfs numbers its own trees, /.dgen and /.verify, above (src/fs/special.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "dgen/config.h"
#include "dgen/fileset.h"
#include "dgen/stream.h"

namespace dgen {

inline constexpr uint64_t kRootIno = 1;

struct NodeAttr {
    uint64_t ino = 0;
    bool dir = false;
    uint64_t size = 0;     // files: bytes; directories: 0
    uint32_t nlink = 1;    // directories: 2 + subdirectories
};

// An open file's bytes: a dgen stream, or zeros for pattern = zero.
class FileSource {
public:
    // stream null: zeros. `group`: the file's group (Namespace::groups()), for statistics.
    FileSource(std::unique_ptr<Stream> stream, uint64_t size, uint32_t group = 0);
    uint64_t size() const { return size_; }
    uint32_t group() const { return group_; }
    bool zero() const { return !stream_; }
    const Stream* stream() const { return stream_.get(); }  // null for zero files
    // Bytes [offset, offset + len) clipped at EOF; returns the count. Zero files write zeros.
    size_t read(uint64_t offset, size_t len, uint8_t* out) const;

private:
    std::unique_ptr<Stream> stream_;
    uint64_t size_;
    uint32_t group_;
};

// A group of files the statistics count together: one [file] (named by its path) or one
// [set] (named by its dir).
struct FileGroup {
    std::string name;
    bool set = false;
};

class Namespace {
public:
    // `config` must have loaded without errors.
    explicit Namespace(const Config& config);
    ~Namespace();

    std::optional<NodeAttr> lookup(uint64_t parent, std::string_view name) const;
    std::optional<NodeAttr> attr(uint64_t ino) const;

    // Entries of directory `ino` in a fixed order, starting at position `offset` (0 is ".",
    // 1 is "..", then the children). `emit(name, attr, next_offset)` returns false to stop.
    // Returns false if `ino` is not a directory.
    using DirEmit = std::function<bool(const std::string&, const NodeAttr&, uint64_t)>;
    bool readdir(uint64_t ino, uint64_t offset, const DirEmit& emit) const;

    // nullptr if `ino` is not a regular file. The source knows its file's group.
    std::unique_ptr<FileSource> open(uint64_t ino) const;

    // Every [file] in config order, then every [set]: FileSource::group() indexes this.
    std::vector<FileGroup> groups() const;

    // user.dgen.* attributes of a file, in a fixed order; empty for directories.
    std::vector<std::pair<std::string, std::string>> xattrs(uint64_t ino) const;

    // A path in the dataset -> inode, read by the one path grammar (values.h:
    // parse_dataset_path): "a/b/c", "/a//b/./c" and "" (the root); nullopt if malformed.
    std::optional<uint64_t> resolve(std::string_view path) const;

    // The path of inode `ino` ("a/b/c"; "" for the root), resolve's inverse; nullopt if
    // there is no such inode.
    std::optional<std::string> path(uint64_t ino) const;

    // The sum of every file's size. Sets of many sizes drawn one by one (total_is_deferred)
    // are summed only when first needed: then the first call sums them, on every usable
    // CPU, and others wait for it (2^32 drawn sizes: minutes).
    uint64_t total_bytes() const;
    // The same if it is known without summing; nullopt while a deferred sum is not done.
    std::optional<uint64_t> total_bytes_if_known() const;
    // Starts summing the deferred sets on a thread of the lowest priority (nice 19) and
    // helpers that inherit it, calling on_done(total, seconds) when done; total_bytes()
    // then returns at once. A caller of total_bytes() meanwhile sums the chunks left at
    // its own priority. Stopped (on_done not called) by the destructor.
    void sum_total_in_background(std::function<void(uint64_t total, double seconds)> on_done) const;
    // Files whose sizes are summed only when first needed.
    uint64_t deferred_total_files() const;
    uint64_t total_files() const { return total_files_; }
    uint64_t total_dirs() const { return total_dirs_; }
    int64_t mtime() const { return mtime_; }

private:
    struct Dir;
    struct Set;
    class GroupCache;
    std::optional<NodeAttr> set_node(const Set& s, uint64_t ino) const;
    NodeAttr set_dir_attr(const Set& s, int level, uint64_t index) const;
    NodeAttr set_file_attr(const Set& s, uint64_t k) const;
    bool readdir_set(const Set& s, int level, uint64_t index, uint64_t parent_ino,
                     uint64_t self_ino, uint64_t offset, const DirEmit& emit) const;
    uint64_t parent_of_set_dir(const Set& s, int level, uint64_t index) const;

    std::vector<Dir> dirs_;
    std::vector<FileConfig> files_;
    std::vector<Set> sets_;
    DatasetConfig dataset_;
    uint64_t total_bytes_ = 0, total_files_ = 0, total_dirs_ = 0;
    int64_t mtime_ = 0;
    std::unique_ptr<GroupCache> group_cache_;  // filled by open(), which is const
    std::unique_ptr<DrawnTotal> deferred_;     // sets summed when first needed; null if none
    mutable std::thread background_sum_;       // sum_total_in_background's thread
};

// Every entry below directory `dir` (whose dataset path is `prefix`, "" for the root),
// depth first in readdir order, as `visit(path, attr)`; a directory's entries follow it.
// `visit` returns false to stop the walk; walk_tree then returns false too.
using WalkVisit = std::function<bool(const std::string& path, const NodeAttr& attr)>;
bool walk_tree(const Namespace& ns, uint64_t dir, const std::string& prefix, const WalkVisit& visit);

}  // namespace dgen
