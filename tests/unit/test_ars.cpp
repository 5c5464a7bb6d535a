// ARS known answers from Random123's kat_vectors (ars4x32, R = 10), through the scalar
// reference and every SIMD kernel this CPU has.
#include <gtest/gtest.h>

#include <cstring>

#include "cpu_kernels.h"
#include "dgen/ars.h"
#include "dgen/kernel.h"

namespace dgen {
namespace {

struct Kat {
    uint32_t ctr[4], key[4], out[4];
};

// Counter, key and output as four little-endian 32-bit words, as Random123 lists them.
constexpr Kat kKats[] = {
    {{0, 0, 0, 0}, {0, 0, 0, 0}, {0x8d73ee19, 0x506401ef, 0x13c2dbe4, 0x0cbe9c0d}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89},
     {0xa516e7d6, 0x8357ad74, 0x5b59b3ec, 0x8763fff3}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff, 0, 0},
     {0xbb3743b1, 0x9f635551, 0xecbc87fc, 0xa19478a9}},
};

Block128 join(const uint32_t w[4]) {
    return {w[0] | static_cast<uint64_t>(w[1]) << 32, w[2] | static_cast<uint64_t>(w[3]) << 32};
}

TEST(Ars, Random123KnownAnswersScalar) {
    for (const Kat& k : kKats) {
        const ArsKey key(join(k.key), 10);
        EXPECT_EQ(ars_block_scalar(key, join(k.ctr)), join(k.out));
    }
}

TEST(Ars, Random123KnownAnswersEveryKernel) {
    size_t kernels_run = 0;
    for (const Kernel& kernel : available_kernels()) {
        ++kernels_run;
        for (const Kat& k : kKats) {
            const ArsKey key(join(k.key), 10);
            const Block128 ctr = join(k.ctr);
            // Ask for 40 blocks starting at the KAT counter so every SIMD lane and the tail
            // path see it; block j must equal the scalar ARS of counter + j.
            uint8_t out[40 * 16];
            kernel.fill(key, ctr, 40, out);
            Block128 first;
            std::memcpy(&first.lo, out, 8);
            std::memcpy(&first.hi, out + 8, 8);
            EXPECT_EQ(first, join(k.out)) << kernel.name;
            for (uint64_t j = 0; j < 40; ++j) {
                const Block128 want = ars_block_scalar(key, {ctr.lo + j, ctr.hi});
                Block128 got;
                std::memcpy(&got.lo, out + 16 * j, 8);
                std::memcpy(&got.hi, out + 16 * j + 8, 8);
                ASSERT_EQ(got, want) << kernel.name << " block " << j;
            }
        }
    }
    EXPECT_EQ(kernels_run, test::kernels_the_cpu_has().size()) << "kernels run";
}

// The inverse takes the known answers back to their counters, and any block back to its
// counter, for every round count the formats use.
TEST(Ars, InvertTakesEveryOutputBackToItsCounter) {
    if (!ars_invert(ArsKey({0, 0}, 10), {0, 0})) GTEST_SKIP() << "no AES-NI";
    for (const Kat& k : kKats) EXPECT_EQ(*ars_invert(ArsKey(join(k.key), 10), join(k.out)), join(k.ctr));
    uint64_t x = 0x243f6a8885a308d3ull;
    auto next = [&] { return x = x * 6364136223846793005ull + 1442695040888963407ull; };
    for (int rounds : {5, 7, 10})
        for (int i = 0; i < 200; ++i) {
            const ArsKey key({next(), next()}, rounds);
            const Block128 ctr{next(), next()};
            ASSERT_EQ(*ars_invert(key, ars_block_scalar(key, ctr)), ctr) << rounds;
        }
}

}  // namespace
}  // namespace dgen
