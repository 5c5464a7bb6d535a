// Keystream kernels: the scalar reference and SIMD versions share one signature and fill
// `nblocks` 16-byte blocks with ARS(key, ctr + j), j = 0..nblocks-1, where + j adds to the
// low 64-bit lane only: callers never ask for a run in which that lane wraps.
// Dispatch is chosen once (best the CPU has, or forced with DGEN_SIMD / --simd), logged
// by the caller, and every kernel stays callable so tests run each path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dgen/ars.h"

namespace dgen {

using FillFn = void (*)(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out);

// The compression layout (compress_layout.h) as a range fill applies it: 512-byte sector k
// of a run, counted from the run's byte 0 (which starts a unit), keeps its first
// random[k % sectors] bytes and is zero after them.
struct SectorLayout {
    const uint32_t* random = nullptr;  // nullptr: every byte is keystream (C = 1)
    uint32_t sectors = 0;              // sectors per unit, the period of `random`
};

// Bytes [a, b) of the run of blocks that starts at `base` (byte i is byte i % 16 of
// ARS(key, base + i / 16)), with `layout` applied, into out[0, b - a). The same promise
// as FillFn: the low lane of base + i / 16 does not wrap. One call per read or per dedup
// run, so keys are loaded once and neither unaligned ends nor zeros cost a call each.
using RangeFn = void (*)(const ArsKey& key, Block128 base, uint64_t a, uint64_t b,
                         const SectorLayout& layout, uint8_t* out);

// Several ranges of different runs, written one after another into out: range i is bytes
// [a, b) of the run that starts at `base` (as RangeFn). One call per batch of a dedup
// read's runs, so the round keys are loaded once per batch, not once per 4 KiB unit.
struct RangeRun {
    Block128 base;
    uint64_t a = 0, b = 0;
};
using RangesFn = void (*)(const ArsKey& key, const RangeRun* runs, size_t n,
                          const SectorLayout& layout, uint8_t* out);

struct Kernel {
    const char* name;  // scalar | aesni | vaes-avx2 | vaes-avx512
    FillFn fill;
    RangeFn range;
    RangesFn ranges;
};

// Every kernel compiled in and supported by this CPU and OS, slowest first.
std::vector<Kernel> available_kernels();

// Looks a kernel up by name among the available ones; nullptr if unknown or unsupported.
const Kernel* find_kernel(std::string_view name);

// The kernel in use. First call picks: $DGEN_SIMD if set (an unknown or unsupported name
// is an error, thrown as std::runtime_error), else default_kernel_name().
const Kernel& active_kernel();

// Forces the kernel (e.g. from --simd). Returns false if `name` is unknown/unsupported.
bool force_kernel(std::string_view name);

// "scalar, aesni, vaes-avx2" — for help texts and errors.
std::string available_kernel_names();
// The kernel chosen when none is named (dispatch.cpp says which, and why).
std::string default_kernel_name();

}  // namespace dgen
