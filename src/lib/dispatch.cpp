// Kernel dispatch: probe the CPU and the OS's saved register state once, pick the fastest
// kernel (or the one named in $DGEN_SIMD), and let callers force another.
#include <cpuid.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include "dgen/kernel.h"
#include "kernels/kernels.h"

namespace dgen {
namespace {

struct CpuFeatures {
    bool aes = false, avx2 = false, vaes = false, avx512f = false, avx512bw = false, avx512vbmi = false;
};

uint64_t xgetbv0() {
    uint32_t eax = 0, edx = 0;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures probe() {
    CpuFeatures f;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    f.aes = (c >> 25) & 1;
    const bool osxsave = (c >> 27) & 1;
    // The OS must save YMM (XCR0 bits 1-2) and, for AVX-512, opmask/ZMM (bits 5-7).
    const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
    const bool os_ymm = (xcr0 & 0x6) == 0x6;
    const bool os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        f.avx2 = os_ymm && ((b >> 5) & 1);
        f.avx512f = os_zmm && ((b >> 16) & 1);
        f.avx512bw = os_zmm && ((b >> 30) & 1);
        f.avx512vbmi = os_zmm && ((c >> 1) & 1);
        f.vaes = os_ymm && ((c >> 9) & 1);
    }
    return f;
}

std::atomic<const Kernel*> g_active{nullptr};

}  // namespace

std::optional<Block128> ars_invert(const ArsKey& key, Block128 out) {
    static const bool aes = probe().aes;
    if (!aes) return std::nullopt;
    return ars_invert_aesni(key, out);
}

std::vector<Kernel> available_kernels() {
    static const CpuFeatures f = probe();
    std::vector<Kernel> ks{scalar_kernel()};
    if (f.aes) ks.push_back(aesni_kernel());
    if (f.aes && f.vaes && f.avx2) ks.push_back(vaes_avx2_kernel());
    if (f.aes && f.vaes && f.avx512f && f.avx512bw && f.avx512vbmi) ks.push_back(vaes_avx512_kernel());
    return ks;
}

const Kernel* find_kernel(std::string_view name) {
    static const std::vector<Kernel> ks = available_kernels();
    for (const Kernel& k : ks)
        if (name == k.name) return &k;
    return nullptr;
}

std::string available_kernel_names() {
    std::string s;
    for (const Kernel& k : available_kernels()) s += (s.empty() ? "" : ", ") + std::string(k.name);
    return s;
}

bool force_kernel(std::string_view name) {
    const Kernel* k = find_kernel(name);
    if (k) g_active.store(k);
    return k != nullptr;
}

// The fastest kernel the CPU has: the last one available_kernels() lists.
std::string default_kernel_name() { return available_kernels().back().name; }

const Kernel& active_kernel() {
    const Kernel* k = g_active.load();
    if (k) return *k;
    if (const char* env = std::getenv("DGEN_SIMD"); env && *env) {
        k = find_kernel(env);
        if (!k)
            throw std::runtime_error("DGEN_SIMD=" + std::string(env) +
                                     ": unknown or unsupported kernel (available: " +
                                     available_kernel_names() + ")");
    } else {
        k = find_kernel(default_kernel_name());
    }
    const Kernel* expected = nullptr;
    g_active.compare_exchange_strong(expected, k);
    return *g_active.load();
}

}  // namespace dgen
