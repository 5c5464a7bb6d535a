// Internal: the kernel entry points. Each SIMD one lives in its own file, compiled with
// the instruction-set flags it needs; only dispatch.cpp calls them after checking the CPU.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dgen/ars.h"
#include "dgen/kernel.h"

namespace dgen {

void fill_scalar(const ArsKey& key, Block128 ctr, size_t nblocks,
                 uint8_t* out);
void fill_aesni(const ArsKey& key, Block128 ctr, size_t nblocks,
                uint8_t* out);
void fill_vaes_avx2(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out);
Block128 ars_invert_aesni(const ArsKey& key, Block128 out);
void fill_vaes_avx512(const ArsKey& key, Block128 ctr, size_t nblocks, uint8_t* out);

}  // namespace dgen
