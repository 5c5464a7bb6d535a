// A stream: one virtual file's bytes, a pure function of (params, offset).
//
//   byte at offset o:  unit u = o / U, a = o % U
//     run r = u / R, j = u % R                         R = dedup_run / U units (dgen1: 1)
//     content c = DedupMap(r) * R + j                  (dedup_map.h: which run r repeats)
//     counter   = c * (U / 16) + a / 16      (a 128-bit integer) (ars.h, kernel.h)
//     raw       = ARS_key(counter)[a % 16]
//     byte      = inside the random part of sector a / 512 ? raw : 0   (compress_layout.h)
//
// keys = derive_stream_keys(params) (format.h); nothing depends on what was read before.
// With D = 1, c = u, so the counter is just o / 16: the stream is ARS in counter mode and
// a read of any length is one kernel call. Within a run contents are consecutive, so a
// read inside one run is one kernel call too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "dgen/ars.h"
#include "dgen/compress_layout.h"
#include "dgen/dedup_map.h"
#include "dgen/format.h"
#include "dgen/kernel.h"

namespace dgen {

// Where a file of a set sits in the set's dedup domain (see fileset.h, FORMAT.md §7).
struct SetMember {
    uint64_t group = 0;         // dedup window: files [group * 1024, (group + 1) * 1024)
    uint64_t prefix_units = 0;  // the group's units before this file
    uint64_t group_units = 0;   // all units of the group (runs: ceil(group_units / R))
};

class Stream {
public:
    // A standalone stream. Throws std::invalid_argument with validate()'s message.
    explicit Stream(const StreamParams& params);
    // A file of a set: params.name is the set's directory, params.size the file's size.
    Stream(const StreamParams& params, const SetMember& member);

    const StreamParams& params() const { return p_; }
    uint64_t size() const { return p_.size; }
    uint64_t units() const { return units_; }
    uint64_t run_units() const { return run_; }  // R
    // The dedup permutation over runs: the stream's own (windows of 2^20 runs), or for a
    // set member its group's window.
    const DedupMap& dedup_map() const { return dedup_; }
    bool member() const { return member_; }

    // Writes bytes [offset, offset + len) clipped to the stream's end into out; returns the
    // count written (0 at or past EOF). Uses the active kernel, or the one given.
    size_t read(uint64_t offset, size_t len, uint8_t* out) const;
    size_t read(uint64_t offset, size_t len, uint8_t* out, const Kernel& kernel) const;

    // Where 16 bytes would sit if they are one whole ARS block of this stream: its byte
    // offset, found by running ARS backwards (ars_invert) to the block's counter. Only
    // where a counter is an offset: a standalone stream with D = 1 (counter = offset / 16);
    // nullopt otherwise, without AES-NI, or if the counter is outside the stream. A hit
    // is a candidate: the caller compares the bytes there.
    std::optional<uint64_t> locate_block(const uint8_t* block) const;

private:
    Stream(const StreamParams& params, const SetMember* member);  // member: null if standalone
    uint64_t content(uint64_t unit) const;
    template <bool kRunIsPow2>
    void read_runs(uint64_t offset, uint64_t end, const SectorLayout& sectors, uint8_t* out,
                   const Kernel& kernel) const;
    uint64_t units_left_in_run(uint64_t unit) const;  // from `unit` to its run's end
    // Counter of the first block of content c: c * (U / 16) as a 128-bit integer.
    Block128 content_counter(uint64_t content) const;

    StreamParams p_;
    ArsKey key_;
    uint64_t units_;
    uint64_t run_;     // R
    int block_shift_;  // log2(U / 16)
    DedupMap dedup_;
    CompressLayout layout_;
    bool member_ = false;
    SetMember set_;
};

}  // namespace dgen
