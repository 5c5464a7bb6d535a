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

}  // namespace

Stream::Stream(const StreamParams& params)
    : p_(checked(params)),
      key_(derive_stream_key(p_.seed, p_.name), kArsRounds),
      units_(p_.size / p_.unit + (p_.size % p_.unit != 0)),
      block_shift_(std::countr_zero(p_.unit / kBlockSize)),
      dedup_(derive_dedup_key(p_.seed, p_.name), p_.dedup, units_),
      layout_(p_.compress, p_.unit) {}

Stream::Stream(const StreamParams& params, const SetMember& member) : Stream(params) {
    key_ = ArsKey(derive_set_key(p_.seed, p_.name), kArsRounds);
    dedup_ = DedupMap(derive_set_dedup_key(p_.seed, p_.name), p_.dedup, units_);
    member_ = true;
    set_ = member;
}

// Standalone: the stream's own 2^20-unit windows. Set member: window = the file's group,
// whose contents start at group << 40 (a group holds < 2^40 units).
uint64_t Stream::content(uint64_t unit) const {
    if (!member_) return dedup_.content_id(unit);
    return dedup_.content_in_window(set_.group << 40, set_.group, set_.group_units,
                                    set_.prefix_units + unit);
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
    if (dedup_.identity()) {
        // Units carry consecutive contents, so the range is one counter run from unit 0's
        // counter; the low lane cannot wrap inside a stream (< 2^59 blocks) or a set's
        // group (2^40-aligned contents, fewer than 2^40 units).
        keystream(kernel.fill, content_counter(content(0)), offset, end, out);
    } else {
        for (uint64_t pos = offset; pos < end;) {
            const uint64_t u = pos / p_.unit;
            const uint64_t unit_start = u * p_.unit;
            const uint64_t stop = std::min(end, unit_start + p_.unit);
            keystream(kernel.fill, content_counter(content(u)), pos - unit_start,
                      stop - unit_start, out + (pos - offset));
            pos = stop;
        }
    }
    if (!layout_.all_random()) zero_sector_tails(offset, end, out);
    return len;
}

// Keystream bytes [a, b) after block `base`: whole blocks straight into dst, partial ends
// through a one-block scratch, so a read at any offset costs what a sequential one does.
void Stream::keystream(FillFn fill, Block128 base, uint64_t a, uint64_t b, uint8_t* dst) const {
    alignas(16) uint8_t tmp[kBlockSize];
    auto counter = [&](uint64_t byte) { return Block128{base.lo + byte / kBlockSize, base.hi}; };
    uint64_t pos = a;
    if (pos % kBlockSize != 0) {
        fill(key_, counter(pos), 1, tmp);
        const uint64_t n = std::min<uint64_t>(b - pos, kBlockSize - pos % kBlockSize);
        std::memcpy(dst, tmp + pos % kBlockSize, n);
        pos += n;
    }
    const uint64_t whole = (b - pos) / kBlockSize;
    if (whole > 0) {
        fill(key_, counter(pos), whole, dst + (pos - a));
        pos += whole * kBlockSize;
    }
    if (pos < b) {
        fill(key_, counter(pos), 1, tmp);
        std::memcpy(dst + (pos - a), tmp, b - pos);
    }
}

void Stream::zero_sector_tails(uint64_t from, uint64_t to, uint8_t* dst) const {
    for (uint64_t s = from / kSectorSize * kSectorSize; s < to; s += kSectorSize) {
        const auto sector_in_unit = static_cast<uint32_t>((s & (p_.unit - 1)) / kSectorSize);
        const uint64_t zero_from = std::max(from, s + layout_.random_bytes(sector_in_unit));
        const uint64_t zero_to = std::min(to, s + kSectorSize);
        if (zero_to > zero_from) std::memset(dst + (zero_from - from), 0, zero_to - zero_from);
    }
}

}  // namespace dgen
