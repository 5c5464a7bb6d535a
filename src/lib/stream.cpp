#include "dgen/stream.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace dgen {
namespace {

const StreamParams& checked(const StreamParams& p) {
    if (std::string e = validate(p); !e.empty()) throw std::invalid_argument(e);
    return p;
}

uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

}  // namespace

Stream::Stream(const StreamParams& params) : Stream(params, nullptr) {}

Stream::Stream(const StreamParams& params, const SetMember& member) : Stream(params, &member) {}

// Validates first: the keys hash the unit and the run, which must make sense by then.
Stream::Stream(const StreamParams& params, const SetMember* member)
    : p_(checked(params)),
      units_(ceil_div(p_.size, p_.unit)),
      run_(p_.run_units()),
      block_shift_(std::countr_zero(p_.unit / kBlockSize)),
      dedup_(0, p_.dedup, 0),  // keyed below
      layout_(p_.compress, p_.unit),
      member_(member != nullptr),
      set_(member ? *member : SetMember{}) {
    const StreamKeys keys = member_ ? derive_set_keys(p_) : derive_stream_keys(p_);
    key_ = ArsKey(keys.ars, kArsRounds);
    dedup_ = DedupMap(keys.dedup, p_.dedup, ceil_div(units_, run_));
}

// Unit u is unit j of run r, which repeats the run the dedup map gives, unit for unit.
// Standalone: runs r = u / R in the stream's own 2^20-run windows. Set member: slot
// t = prefix_units + u of its group's window, whose contents start at group << 40 (a
// group's contents stay below 2^40: config.cpp bounds a set's largest file and run).
uint64_t Stream::content(uint64_t unit) const {
    if (!member_) return dedup_.content_id(unit / run_) * run_ + unit % run_;
    const uint64_t t = set_.prefix_units + unit;
    const uint64_t runs = ceil_div(set_.group_units, run_);
    return (set_.group << 40) + dedup_.content_in_window(0, set_.group, runs, t / run_) * run_ + t % run_;
}

uint64_t Stream::units_left_in_run(uint64_t unit) const {
    return run_ - (member_ ? set_.prefix_units + unit : unit) % run_;
}

Block128 Stream::content_counter(uint64_t content) const {
    return {content << block_shift_, content >> (64 - block_shift_)};  // shift is 5..16
}

size_t Stream::read(uint64_t offset, size_t len, uint8_t* out) const {
    return read(offset, len, out, active_kernel());
}

size_t Stream::read(uint64_t offset, size_t len, uint8_t* out, const Kernel& kernel) const {
    if (offset >= p_.size) return 0;
    len = static_cast<size_t>(std::min<uint64_t>(len, p_.size - offset));
    const uint64_t end = offset + len;
    // The kernel zeroes each sector's tail as it goes (kernels/range.h): a run starts a unit,
    // so sector k of the run is sector k % (U / 512) of its unit.
    SectorLayout sectors;
    if (!layout_.all_random()) {
        sectors.random = layout_.random_bytes().data();
        sectors.sectors = static_cast<uint32_t>(layout_.random_bytes().size());
    }
    if (dedup_.identity()) {
        // Units carry consecutive contents, so the range is one counter run from unit 0's
        // counter; the low lane cannot wrap inside a stream (< 2^59 blocks) or a set's
        // group (2^40-aligned contents, fewer than 2^40 units).
        kernel.range(key_, content_counter(content(0)), offset, end, sectors, out);
    } else {
        // R as a shift where it is a power of two: a division per unit cost 5% of a fill,
        // and with the choice inside the loop GCC did both and kept one.
        if (std::has_single_bit(run_))
            read_runs<true>(offset, end, sectors, out, kernel);
        else
            read_runs<false>(offset, end, sectors, out, kernel);
    }
    return len;
}

// Bytes [offset, end) of a stream with D > 1. One kernel call per batch of runs: a run's
// units carry consecutive contents. The runs' contents are worked out a batch at a time
// first: each is a chain of dependent multiplies (the permutation), and independent chains
// side by side overlap, where one before each kernel call cost a sixth of a D = 2 fill; and
// the kernel loads its round keys once per batch, where once per run cost another.
template <bool kRunIsPow2>
void Stream::read_runs(uint64_t offset, uint64_t end, const SectorLayout& sectors, uint8_t* out,
                       const Kernel& kernel) const {
    constexpr size_t kBatch = 32;
    const int unit_shift = block_shift_ + 4;  // U = 16 << block_shift_
    const int run_shift = std::countr_zero(run_);
    const auto run_of = [&](uint64_t t) { return kRunIsPow2 ? t >> run_shift : t / run_; };
    const auto in_run = [&](uint64_t t) { return kRunIsPow2 ? t & (run_ - 1) : t % run_; };
    RangeRun runs[kBatch];
    uint64_t slot[kBatch], unit_in_run[kBatch], contents[kBatch];
    DedupWindow win;
    uint64_t win_id = ~0ull;
    for (uint64_t pos = offset; pos < end;) {
        // A batch: up to kBatch runs whose slots lie in one dedup window. t counts units
        // from the window's (a set member: its group's) start.
        const uint64_t batch_start = pos;
        size_t m = 0;
        if (run_ == 1) {  // one unit per run: a batch is the next units, whole but its ends
            const uint64_t u0 = pos >> unit_shift, t0 = member_ ? set_.prefix_units + u0 : u0;
            const uint64_t w = member_ ? 0 : t0 >> kDedupWindowShift;
            if (w != win_id) {
                win = member_ ? dedup_.window(0, set_.group, set_.group_units)
                              : dedup_.window(w << kDedupWindowShift, w, dedup_.window_units(w));
                win_id = w;
            }
            const uint64_t to_window_end = member_ ? kBatch : kDedupWindowUnits - (t0 & (kDedupWindowUnits - 1));
            m = static_cast<size_t>(std::min<uint64_t>({kBatch, ((end - 1) >> unit_shift) - u0 + 1, to_window_end}));
            const uint64_t unit = uint64_t{1} << unit_shift;
            for (size_t i = 0; i < m; ++i) {
                slot[i] = member_ ? t0 + i : (t0 + i) & (kDedupWindowUnits - 1);
                runs[i].a = 0;
                runs[i].b = unit;
                unit_in_run[i] = 0;
            }
            runs[0].a = pos - (u0 << unit_shift);
            pos = std::min(end, (u0 + m) << unit_shift);
            runs[m - 1].b = pos - ((u0 + m - 1) << unit_shift);
        } else {
            // u is carried from run to run (not worked out again from pos), which keeps the
            // chain of dependent steps from one run to the next short.
            for (uint64_t u = pos >> unit_shift; m < kBatch && pos < end; ++m) {
                const uint64_t t = member_ ? set_.prefix_units + u : u;
                const uint64_t w = member_ ? 0 : run_of(t) >> kDedupWindowShift;
                if (w != win_id) {
                    if (m > 0) break;
                    win = member_ ? dedup_.window(0, set_.group, ceil_div(set_.group_units, run_))
                                  : dedup_.window(w << kDedupWindowShift, w, dedup_.window_units(w));
                    win_id = w;
                }
                slot[m] = member_ ? run_of(t) : run_of(t) & (kDedupWindowUnits - 1);
                const uint64_t next_u = u + std::min(run_ - in_run(t), units_ - u);
                const uint64_t stop = std::min(end, next_u << unit_shift);
                runs[m].a = pos - (u << unit_shift);
                runs[m].b = stop - (u << unit_shift);
                unit_in_run[m] = in_run(t);
                pos = stop;
                u = next_u;
            }
        }
        win.contents(slot, m, contents);
        for (size_t i = 0; i < m; ++i)  // content(u), as Stream::content works it out
            runs[i].base = content_counter((member_ ? set_.group << 40 : 0) + contents[i] * run_ + unit_in_run[i]);
        kernel.ranges(key_, runs, m, sectors, out + (batch_start - offset));
    }
}

std::optional<uint64_t> Stream::locate_block(const uint8_t* block) const {
    if (member_ || !dedup_.identity()) return std::nullopt;
    Block128 out;
    std::memcpy(&out.lo, block, sizeof out.lo);
    std::memcpy(&out.hi, block + sizeof out.lo, sizeof out.hi);
    const std::optional<Block128> ctr = ars_invert(key_, out);
    // content(0) = 0 here, so block i of the stream has counter i.
    if (!ctr || ctr->hi != 0 || ctr->lo >= ceil_div(p_.size, kBlockSize)) return std::nullopt;
    return ctr->lo * kBlockSize;
}

}  // namespace dgen
