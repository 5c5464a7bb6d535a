// File sets: many files described by a few keys, computed on demand, never stored.
//
//   set dir/                       depth L = 0 if all files fit one leaf directory
//     d00/ d01/ ... (inner dirs)   each inner directory holds up to dirs_per_dir children,
//       d00/ ...                   named d<local index>, zero-padded to a fixed width
//         f00000000 ...            each leaf holds files_per_dir files, by global index k
//
// File k lives in leaf k / files_per_dir; its size is fixed or drawn from (seed, k); its
// bytes belong to the set's dedup domain (docs/FORMAT.md §7): files are grouped 1024 at a
// time by index, and each group is one dedup window spanning its files' units.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dgen/config.h"

namespace dgen {

inline constexpr uint64_t kSetGroupFiles = 1024;      // files per dedup window of a set
inline constexpr uint64_t kMaxSetFileUnits = 1ull << 30;  // keeps a group under 2^40 units
inline constexpr uint64_t kMaxSetFiles = 1ull << 32;

// A file-name pattern with exactly one %u (optionally %0Nu or %Nu); %% is a literal '%'.
class NamePattern {
public:
    // nullopt and *error set if the pattern is malformed or could make a bad name.
    static std::optional<NamePattern> parse(const std::string& text, std::string* error);
    std::string format(uint64_t index) const;
    // The index `name` was made from, if any (exact round trip: "f007" but not "f7").
    std::optional<uint64_t> index_of(const std::string& name) const;

private:
    std::string prefix_, suffix_;
    int width_ = 0;
    bool zero_pad_ = false;
};

// Files per stratum block of size_draw = stratified (docs/FORMAT.md §7): each full block
// of kStratumFiles files by index holds the kStratumFiles quantile sizes, shuffled.
inline constexpr uint64_t kStratumFiles = 4096;

// Size in bytes of file k of a set whose effective seed is `seed`. Integer arithmetic
// only, so every machine and C library draws the same sizes (docs/FORMAT.md §7).
uint64_t set_file_size(const SetConfig& s, uint64_t seed, uint64_t k);

// The same draw with what every file of the set shares worked out once: the seed's mix
// and, for log-uniform sizes, the logarithms of size_min and size_max (each 48 squarings
// of a 128-bit product, twice the cost of a file's own exp2). draw(k) == set_file_size.
// Both size_draw modes go through it: independent draws h per file from (seed, k);
// stratified gives file k the quantile quantile(stratum_of(k)) (docs/FORMAT.md §7).
struct SizeDraw {
    SizeDraw(const SetConfig& s, uint64_t seed);
    uint64_t operator()(uint64_t k) const;

    // The size for 64 random bits h (uniform or log-uniform): the one formula of both modes.
    uint64_t from_bits(uint64_t h) const;
    // Stratified: Q[t] = from_bits((2t + 1) << 51), the size at the midpoint of stratum t
    // of kStratumFiles; and the stratum of file k, perm_(k / 4096)(k % 4096).
    uint64_t quantile(uint64_t t) const;
    uint64_t stratum_of(uint64_t k) const;
    bool stratified() const { return stratified_; }

private:
    SizeDist dist_;
    uint64_t size_, lo_, hi_, a_ = 0, b_ = 0, key_;
    bool stratified_ = false;
};

// The fixed-point base-2 logarithm and power behind log-uniform sizes, with
// kLogFractionBits fraction bits, exactly as docs/FORMAT.md §7 defines them:
// log2_fixed(x) for x >= 1, and exp2_fixed(y) = floor(2^(y / 2^48)), saturating at 2^64 - 1.
// 48 bits keep a drawn size within one byte of the exact log-uniform draw up to 2^48 bytes.
inline constexpr int kLogFractionBits = 48;
uint64_t log2_fixed(uint64_t x);
uint64_t exp2_fixed(uint64_t y);

// Sum of every file's size; nullopt if it exceeds 2^63 - 1. O(count) for independently
// drawn sizes; O(min(count, 2 * kStratumFiles)) for stratified ones.
// Sets of 2^24 or more drawn files are summed on every CPU this process may run on.
std::optional<uint64_t> set_total_size(const SetConfig& s, uint64_t seed);

// From this many sizes drawn one by one (size_draw = independent), about a second of one
// core, a set's total is a DrawnTotal: summed on every usable CPU, and by the Namespace
// only when first asked for (a mount answers before it is known; statfs waits for it).
inline constexpr uint64_t kParallelSumFiles = 1ull << 24;
bool total_is_deferred(const SetConfig& s);

// The total of sets of independently drawn sizes, cut into chunks of 2^20 files that
// any number of threads take in turn: a mount's background threads at low priority,
// then whoever needs the total (statfs) at its own, each chunk summed once. Sums are
// 128-bit: no count of 64-bit sizes below 2^64 overflows them.
class DrawnTotal {
public:
    DrawnTotal() = default;
    DrawnTotal(const DrawnTotal&) = delete;
    DrawnTotal& operator=(const DrawnTotal&) = delete;
    ~DrawnTotal();

    // Before any sum starts.
    void add(const SetConfig& s, uint64_t seed);
    uint64_t files() const { return files_; }

    // Sums on this thread and `threads - 1` more until no chunk is left, then waits for
    // the chunks others took; the total, or nullopt above 2^63 - 1 or after cancel().
    std::optional<uint64_t> finish(unsigned threads);
    // The total if every chunk is summed, without waiting.
    std::optional<uint64_t> known() const;
    // No chunk is taken after this; finish() returns nullopt once the taken ones are done.
    void cancel();

private:
    struct Chunk {
        size_t draw;  // index into draws_
        uint64_t from, to;
    };
    void take_chunks();

    std::vector<SizeDraw> draws_;
    std::vector<Chunk> chunks_;
    uint64_t files_ = 0;
    std::atomic<size_t> next_{0};
    std::atomic<bool> cancelled_{false};
    mutable std::mutex mutex_;
    std::condition_variable all_summed_;
    size_t summed_ = 0;          // chunks summed, under mutex_
    uint64_t total_lo_ = 0, total_hi_ = 0;  // their 128-bit total, under mutex_
};

// The CPUs this process may run on (sched_getaffinity), at least 1.
unsigned usable_cpus();

// One note per set whose total is slow to work out (2^27 or more sizes drawn with
// size_draw = independent: seconds to minutes), "file:line: [set] DIR: ...", naming
// size_draw = stratified; for the binaries to print where they need the total.
std::vector<ConfigError> slow_total_notes(const Config& c, const std::string& path);

// The directory tree of a set.
struct SetTree {
    uint64_t leaves = 1;   // leaf directories (the set dir itself when depth == 0)
    int depth = 0;         // levels of d.. directories below the set dir
    uint64_t level_count[64] = {};  // directories at level 1..depth (level_count[0] = 1)
    int dir_name_width = 1;

    static SetTree make(const SetConfig& s);
    // Children of directory `index` at `level` (level 0 is the set dir): a range of
    // directory indices at level + 1, or, for a leaf, of file indices.
    uint64_t first_child(const SetConfig& s, int level, uint64_t index) const;
    uint64_t child_count(const SetConfig& s, int level, uint64_t index) const;
    uint64_t per_dir(const SetConfig& s, int level) const;
    std::string dir_name(uint64_t local_index) const;
};

// Where file k's units sit in its dedup window (group of kSetGroupFiles files).
struct SetPlacement {
    uint64_t group = 0;
    uint64_t prefix_units = 0;  // units of the group's files before k
    uint64_t group_units = 0;   // units of the whole group
};
SetPlacement set_placement(const SetConfig& s, uint64_t seed, uint32_t unit, uint64_t k);

// The units of each file of group `group` of a set, summed: entry i is the units of the
// group's files before its i-th, the last the whole group's (at most kSetGroupFiles + 1
// entries). set_placement for every file of a group at once.
std::vector<uint64_t> set_group_prefix_units(const SetConfig& s, const SizeDraw& draw, uint32_t unit,
                                             uint64_t group);

}  // namespace dgen
