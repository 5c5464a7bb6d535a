#include "dgen/fileset.h"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <system_error>
#include <thread>

#include "dgen/dedup_map.h"
#include "dgen/format.h"

namespace dgen {

std::optional<NamePattern> NamePattern::parse(const std::string& text, std::string* error) {
    NamePattern p;
    bool seen = false;
    std::string* out = &p.prefix_;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '/' || c == '\0') {
            *error = "name pattern '" + text + "' contains '/' or NUL";
            return std::nullopt;
        }
        if (c != '%') {
            *out += c;
            continue;
        }
        if (i + 1 < text.size() && text[i + 1] == '%') {
            *out += '%';
            ++i;
            continue;
        }
        size_t j = i + 1;
        const bool zero = j < text.size() && text[j] == '0';
        if (zero) ++j;
        int width = 0;
        while (j < text.size() && text[j] >= '0' && text[j] <= '9' && width < 100)
            width = width * 10 + (text[j++] - '0');
        if (j >= text.size() || text[j] != 'u' || seen || width > 20) {
            *error = "name pattern '" + text +
                     "' must hold exactly one %u (or %0Nu, %Nu with N <= 20); write %% for '%'";
            return std::nullopt;
        }
        seen = true;
        p.zero_pad_ = zero;
        p.width_ = width;
        out = &p.suffix_;
        i = j;
    }
    if (!seen) {
        *error = "name pattern '" + text + "' has no %u for the file index";
        return std::nullopt;
    }
    return p;
}

std::string NamePattern::format(uint64_t index) const {
    char digits[32];
    std::snprintf(digits, sizeof digits, zero_pad_ ? "%0*llu" : "%*llu", width_,
                  static_cast<unsigned long long>(index));
    return prefix_ + digits + suffix_;
}

std::optional<uint64_t> NamePattern::index_of(const std::string& name) const {
    if (name.size() <= prefix_.size() + suffix_.size() || name.compare(0, prefix_.size(), prefix_) != 0 ||
        name.compare(name.size() - suffix_.size(), suffix_.size(), suffix_) != 0)
        return std::nullopt;
    const std::string mid = name.substr(prefix_.size(), name.size() - prefix_.size() - suffix_.size());
    uint64_t v = 0;
    bool any = false;
    for (char c : mid) {
        if (c == ' ' && !any) continue;  // space padding of %Nu
        if (c < '0' || c > '9') return std::nullopt;
        const auto d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) return std::nullopt;  // exact: 2^64 - 1 still reads
        v = v * 10 + d;
        any = true;
    }
    if (!any || format(v) != name) return std::nullopt;  // only the canonical spelling
    return v;
}

namespace {

__extension__ using u128 = unsigned __int128;

// floor(sqrt(v)) for a 128-bit v, bit by bit: exact, so the constants below are too.
constexpr uint64_t isqrt128(u128 v) {
    u128 root = 0, bit = static_cast<u128>(1) << 126;
    while (bit > v) bit >>= 2;
    while (bit != 0) {
        if (v >= root + bit) {
            v -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return static_cast<uint64_t>(root);
}

// c[j] = 2^(2^-j) in Q62 (j = 1..48): c[0] = 2.0, c[j] = floor(sqrt(c[j-1] * 2^62)).
struct Exp2Table {
    uint64_t c[kLogFractionBits + 1] = {};
    constexpr Exp2Table() {
        c[0] = 1ull << 63;
        for (int j = 1; j <= kLogFractionBits; ++j) c[j] = isqrt128(static_cast<u128>(c[j - 1]) << 62);
    }
};
constexpr Exp2Table kExp2;

}  // namespace

// log2 by repeated squaring of the mantissa m in [1, 2) (Q62): each square that reaches
// 2 gives a 1 bit of the fraction. Truncating arithmetic throughout, so it is exact.
uint64_t log2_fixed(uint64_t x) {
    if (x == 0) return 0;
    const int e = 63 - __builtin_clzll(x);
    uint64_t m = e <= 62 ? x << (62 - e) : x >> 1;  // in [2^62, 2^63)
    uint64_t frac = 0;
    for (int i = 0; i < kLogFractionBits; ++i) {
        m = static_cast<uint64_t>((static_cast<u128>(m) * m) >> 62);
        frac <<= 1;
        if (m >> 63) {
            frac |= 1;
            m >>= 1;
        }
    }
    return (static_cast<uint64_t>(e) << kLogFractionBits) | frac;
}

// 2^(y / 2^48) = 2^i * product of 2^(2^-j) over the fraction's set bits j (Q62), floored.
uint64_t exp2_fixed(uint64_t y) {
    const uint64_t i = y >> kLogFractionBits;
    if (i >= 64) return UINT64_MAX;
    uint64_t m = 1ull << 62;
    // The fraction's set bits from the highest (j = 1) down, the same products in the same
    // order as testing each of the 48 bits, without a branch per bit (the bits are random).
    for (uint64_t f = y & ((1ull << kLogFractionBits) - 1); f != 0;) {
        const int top = 63 - __builtin_clzll(f);
        m = static_cast<uint64_t>((static_cast<u128>(m) * kExp2.c[kLogFractionBits - top]) >> 62);
        f &= ~(1ull << top);
    }
    const u128 v = (static_cast<u128>(m) << i) >> 62;
    return v > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(v);
}

// Sizes drawn per file, in integers only (docs/FORMAT.md §7), from h = 64 random bits:
//   Uniform:    min + floor(h * (max - min + 1) / 2^64)
//   LogUniform: exp2(a + floor(h * (b - a) / 2^64)), a = log2(max(min, 1)), b = log2(max + 1)
//               in fixed point with 48 fraction bits, clamped to [min, max]
// size_draw = independent takes h from (seed, k); stratified takes the midpoint of one of
// 4096 strata of h, each once per block of 4096 files (quantile, stratum_of).
SizeDraw::SizeDraw(const SetConfig& s, uint64_t seed)
    : dist_(s.size_dist), size_(s.size), lo_(s.size_min), hi_(s.size_max), key_(mix64(seed ^ 0x53495A45ull)),
      stratified_(s.size_draw == SizeDrawMode::Stratified && s.size_dist != SizeDist::Fixed) {
    if (dist_ != SizeDist::LogUniform) return;
    a_ = log2_fixed(std::max<uint64_t>(lo_, 1));
    b_ = hi_ == UINT64_MAX ? 64ull << kLogFractionBits : log2_fixed(hi_ + 1);
}

uint64_t SizeDraw::from_bits(uint64_t h) const {
    if (dist_ == SizeDist::Fixed) return size_;
    if (dist_ == SizeDist::Uniform)
        return lo_ + static_cast<uint64_t>((static_cast<u128>(h) * (static_cast<u128>(hi_ - lo_) + 1)) >> 64);
    const uint64_t y = a_ + static_cast<uint64_t>((static_cast<u128>(h) * (b_ - a_)) >> 64);
    return std::clamp(exp2_fixed(y), lo_, hi_);
}

static_assert(kStratumFiles == 1u << 12, "the stratum permutation is a Feistel network on 12 bits");

// (t + 1/2) * 2^64 / 4096: the midpoint of stratum t of h.
uint64_t SizeDraw::quantile(uint64_t t) const { return from_bits(((2 * t + 1) << 51)); }

// perm_j(i), j = k / 4096, i = k % 4096: a balanced Feistel network of 4 rounds on the 12
// bits of i, halves L (high 6 bits) and R (low 6), keyed by the set's size key and j.
uint64_t SizeDraw::stratum_of(uint64_t k) const {
    const uint64_t j = k >> 12;
    const uint64_t block_key = key_ ^ (j * 0xD6E8FEB86659FD93ull);
    uint64_t l = (k >> 6) & 63, r = k & 63;
    for (uint64_t round = 0; round < 4; ++round) {
        const uint64_t f = mix64(block_key ^ (round * 0xA0761D6478BD642Full) ^ r) & 63;
        const uint64_t next = l ^ f;
        l = r;
        r = next;
    }
    return (l << 6) | r;
}

uint64_t SizeDraw::operator()(uint64_t k) const {
    if (dist_ == SizeDist::Fixed) return size_;
    if (stratified_) return quantile(stratum_of(k));
    return from_bits(mix64(key_ ^ (k * 0x9E3779B97F4A7C15ull)));
}

uint64_t set_file_size(const SetConfig& s, uint64_t seed, uint64_t k) { return SizeDraw(s, seed)(k); }

namespace {

// From this many drawn sizes the binaries say, before they need the total, that it is slow.
constexpr uint64_t kSlowSumFiles = 1ull << 27;
// Files per chunk of a DrawnTotal: tens of milliseconds of one core, so a thread that
// needs the total waits little for chunks that low-priority threads took.
constexpr uint64_t kChunkFiles = 1ull << 20;

uint64_t lo64(u128 v) { return static_cast<uint64_t>(v); }
uint64_t hi64(u128 v) { return static_cast<uint64_t>(v >> 64); }
u128 join128(uint64_t hi, uint64_t lo) { return (static_cast<u128>(hi) << 64) | lo; }

}  // namespace

unsigned usable_cpus() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
    return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
}

bool total_is_deferred(const SetConfig& s) {
    return s.size_dist != SizeDist::Fixed && s.size_draw == SizeDrawMode::Independent && s.count >= kParallelSumFiles;
}

DrawnTotal::~DrawnTotal() { cancel(); }

void DrawnTotal::add(const SetConfig& s, uint64_t seed) {
    draws_.emplace_back(s, seed);
    for (uint64_t from = 0; from < s.count; from += kChunkFiles)
        chunks_.push_back({draws_.size() - 1, from, std::min(s.count, from + kChunkFiles)});
    files_ += s.count;
}

void DrawnTotal::take_chunks() {
    for (;;) {
        if (cancelled_.load(std::memory_order_relaxed)) return;
        const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
        if (i >= chunks_.size()) return;
        const Chunk& c = chunks_[i];
        const SizeDraw& draw = draws_[c.draw];
        u128 part = 0;
        for (uint64_t k = c.from; k < c.to; ++k) part += draw(k);
        std::lock_guard lock(mutex_);
        const u128 total = join128(total_hi_, total_lo_) + part;
        total_lo_ = lo64(total), total_hi_ = hi64(total);
        if (++summed_ == chunks_.size()) all_summed_.notify_all();
    }
}

std::optional<uint64_t> DrawnTotal::finish(unsigned threads) {
    std::vector<std::thread> helpers;
    const size_t left = chunks_.size() - std::min(chunks_.size(), next_.load(std::memory_order_relaxed));
    for (size_t t = 1; t < std::min<size_t>(threads, left); ++t) {
        try {
            helpers.emplace_back([this] { take_chunks(); });
        } catch (const std::system_error&) {  // no thread to be had: this one sums more
            break;
        }
    }
    take_chunks();
    for (std::thread& h : helpers) h.join();
    std::unique_lock lock(mutex_);
    // Chunks still being summed by others: wait for them, unless the sum was cancelled
    // (then they stop after the one in hand, and the count never completes).
    all_summed_.wait(lock, [&] {
        return summed_ == chunks_.size() || cancelled_.load(std::memory_order_relaxed);
    });
    if (summed_ != chunks_.size()) return std::nullopt;
    const u128 total = join128(total_hi_, total_lo_);
    if (total > static_cast<u128>(kMaxStreamSize)) return std::nullopt;
    return static_cast<uint64_t>(total);
}

std::optional<uint64_t> DrawnTotal::known() const {
    std::lock_guard lock(mutex_);
    const u128 total = join128(total_hi_, total_lo_);
    if (summed_ != chunks_.size() || total > static_cast<u128>(kMaxStreamSize)) return std::nullopt;
    return static_cast<uint64_t>(total);
}

void DrawnTotal::cancel() {
    std::lock_guard lock(mutex_);
    cancelled_.store(true, std::memory_order_relaxed);
    all_summed_.notify_all();
}

std::optional<uint64_t> set_total_size(const SetConfig& s, uint64_t seed) {
    constexpr uint64_t kMax = (1ull << 63) - 1;
    if (s.size_dist == SizeDist::Fixed) {
        if (s.count != 0 && s.size > kMax / s.count) return std::nullopt;
        return s.size * s.count;
    }
    const SizeDraw draw(s, seed);
    if (draw.stratified()) {
        // Every full block holds each quantile once; the last, short block its own few.
        const uint64_t blocks = s.count / kStratumFiles, first = blocks * kStratumFiles;
        u128 total = 0;
        if (blocks > 0) {
            u128 table = 0;  // sum of Q: at most 4096 * size_max < 2^76
            for (uint64_t t = 0; t < kStratumFiles; ++t) table += draw.quantile(t);
            total = table * blocks;  // < 2^108 for count <= 2^32, < 2^128 for any count
        }
        for (uint64_t k = first; k < s.count; ++k) total += draw(k);
        if (total > kMax) return std::nullopt;
        return static_cast<uint64_t>(total);
    }
    // One draw per file, about 30-60 ns each (the fixed-point power): large sets are
    // summed on the CPUs this process may run on.
    DrawnTotal total;
    total.add(s, seed);
    return total.finish(s.count < kParallelSumFiles ? 1 : std::min(usable_cpus(), 64u));
}

std::vector<ConfigError> slow_total_notes(const Config& c, const std::string& path) {
    std::vector<ConfigError> notes;
    for (const SetConfig& s : c.sets) {
        if (s.size_dist == SizeDist::Fixed || s.size_draw == SizeDrawMode::Stratified || s.count < kSlowSumFiles)
            continue;
        const unsigned threads = std::min(usable_cpus(), 64u);
        std::string text = "[set] ";
        text += s.dir;
        text += ": its ";
        text += std::to_string(s.count);
        text += " sizes, drawn one by one (size_draw = independent), take minutes to sum for billions of files (on ";
        text += std::to_string(threads);
        text += threads == 1 ? " CPU" : " CPUs";
        text += " here); size_draw = stratified totals them at once";
        notes.push_back({path, s.line, text});
    }
    return notes;
}

SetTree SetTree::make(const SetConfig& s) {
    SetTree t;
    const uint64_t fpd = std::max<uint64_t>(1, s.files_per_dir);
    const uint64_t dpd = std::max<uint64_t>(2, s.dirs_per_dir);
    t.leaves = std::max<uint64_t>(1, (s.count + fpd - 1) / fpd);
    uint64_t reach = 1;
    while (reach < t.leaves) {
        reach = reach > UINT64_MAX / dpd ? UINT64_MAX : reach * dpd;
        ++t.depth;
    }
    // Level `depth` holds the leaves; each level above holds ceil(next / dpd) directories.
    t.level_count[0] = 1;
    if (t.depth > 0) {
        t.level_count[t.depth] = t.leaves;
        for (int l = t.depth - 1; l >= 1; --l)
            t.level_count[l] = (t.level_count[l + 1] + dpd - 1) / dpd;
    }
    uint64_t v = dpd - 1;
    t.dir_name_width = 1;
    while (v >= 10) {
        v /= 10;
        ++t.dir_name_width;
    }
    return t;
}

// Children per directory at `level`: files in a leaf, subdirectories above.
uint64_t SetTree::per_dir(const SetConfig& s, int level) const {
    return level == depth ? std::max<uint64_t>(1, s.files_per_dir) : std::max<uint64_t>(2, s.dirs_per_dir);
}

uint64_t SetTree::first_child(const SetConfig& s, int level, uint64_t index) const {
    return index * per_dir(s, level);
}

uint64_t SetTree::child_count(const SetConfig& s, int level, uint64_t index) const {
    const uint64_t total = level == depth ? s.count : level_count[level + 1];
    const uint64_t first = first_child(s, level, index);
    return first >= total ? 0 : std::min(per_dir(s, level), total - first);
}

std::string SetTree::dir_name(uint64_t local_index) const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "d%0*llu", dir_name_width,
                  static_cast<unsigned long long>(local_index));
    return buf;
}

SetPlacement set_placement(const SetConfig& s, uint64_t seed, uint32_t unit, uint64_t k) {
    SetPlacement p;
    p.group = k / kSetGroupFiles;
    const uint64_t first = p.group * kSetGroupFiles;
    if (s.size_dist == SizeDist::Fixed) {
        const uint64_t units = s.size / unit + (s.size % unit != 0);
        p.prefix_units = (k - first) * units;
        p.group_units = (std::min(s.count, first + kSetGroupFiles) - first) * units;
        return p;
    }
    const std::vector<uint64_t> prefix = set_group_prefix_units(s, SizeDraw(s, seed), unit, p.group);
    p.prefix_units = prefix[k - first];
    p.group_units = prefix.back();
    return p;
}

std::vector<uint64_t> set_group_prefix_units(const SetConfig& s, const SizeDraw& draw, uint32_t unit,
                                             uint64_t group) {
    const uint64_t first = group * kSetGroupFiles;
    const uint64_t end = std::min(s.count, first + kSetGroupFiles);
    std::vector<uint64_t> prefix(1, 0);
    prefix.reserve(end - first + 1);
    for (uint64_t i = first; i < end; ++i) {
        const uint64_t sz = draw(i);
        prefix.push_back(prefix.back() + sz / unit + (sz % unit != 0));
    }
    return prefix;
}

}  // namespace dgen
