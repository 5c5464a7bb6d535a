// Internal: the kernel entry points. Each SIMD one lives in its own file, compiled with
// the instruction-set flags it needs; only dispatch.cpp calls them after checking the CPU.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dgen/ars.h"
#include "dgen/kernel.h"

namespace dgen {

// Each kernel as dispatch.cpp offers it: {name, FillFn, RangeFn} (kernel.h).
Kernel scalar_kernel();
Kernel aesni_kernel();
Kernel vaes_avx2_kernel();
Kernel vaes_avx512_kernel();
Block128 ars_invert_aesni(const ArsKey& key, Block128 out);

}  // namespace dgen
