#include "dgen/bench.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <random>

#include "dgen/kernel.h"
#include "dgen/stream.h"

namespace dgen {
namespace {

// Keeps the compiler from dropping fills whose result nobody reads.
inline void clobber(void* p) { __asm__ volatile("" : : "r"(p) : "memory"); }

inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Median GB/s over `runs` runs of `fill` (which fills `bytes` per call).
BenchRow measure(const std::string& name, const std::string& what, const BenchOptions& o,
                 size_t bytes, const std::function<void(uint64_t)>& fill) {
    using clock = std::chrono::steady_clock;
    std::vector<double> rates;
    uint64_t iter = 0;
    for (int i = 0; i < 2; ++i) fill(iter++);  // warm caches and page tables
    for (int r = 0; r < o.runs; ++r) {
        uint64_t calls = 0;
        const auto t0 = clock::now();
        const auto deadline = t0 + std::chrono::duration<double>(o.seconds);
        auto t1 = t0;
        do {
            for (int k = 0; k < 8; ++k) fill(iter++);
            calls += 8;
            t1 = clock::now();
        } while (t1 < deadline);
        const double secs = std::chrono::duration<double>(t1 - t0).count();
        rates.push_back(static_cast<double>(calls * bytes) / secs / 1e9);
    }
    std::sort(rates.begin(), rates.end());
    return {name, what, rates[rates.size() / 2], rates.front(), rates.back()};
}

}  // namespace

void dgenpy_fill_block(uint64_t seed, uint64_t block_index, uint8_t* out, size_t len) {
    uint64_t sm = seed + block_index;
    uint64_t s0 = splitmix64(sm), s1 = splitmix64(sm), s2 = splitmix64(sm), s3 = splitmix64(sm);
    for (size_t i = 0; i + 8 <= len; i += 8) {
        const uint64_t result = rotl(s0 + s3, 23) + s0;
        const uint64_t t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl(s3, 45);
        std::memcpy(out + i, &result, 8);  // little-endian on x86-64
    }
}

BenchReport run_bench(const BenchOptions& o) {
    BenchReport rep;
    rep.kernel = active_kernel().name;
    rep.options = o;
    std::vector<uint8_t> buf(o.buffer);
    uint8_t* p = buf.data();
    const size_t n = buf.size();

    rep.rows.push_back(measure("memset", "store-bandwidth ceiling", o, n, [&](uint64_t i) {
        std::memset(p, static_cast<int>(i & 0xff), n);
        clobber(p);
    }));
    rep.rows.push_back(measure("dgen-py core loop", "scalar Xoshiro256++ per 1 MiB block", o, n,
                               [&](uint64_t i) {
                                   dgenpy_fill_block(o.seed, i, p, n);
                                   clobber(p);
                               }));

    constexpr uint64_t kTiB = 1ull << 40;
    auto stream_row = [&](const std::string& name, const std::string& what, double d, double c) {
        StreamParams sp;
        sp.seed = o.seed;
        sp.size = kTiB;
        sp.dedup = d;
        sp.compress = c;
        const Stream s(sp);
        const uint64_t span = kTiB / n;
        rep.rows.push_back(measure(name, what, o, n, [&](uint64_t i) {
            s.read((i % span) * n, n, p);
            clobber(p);
        }));
    };
    stream_row("dgen C=1", "incompressible, sequential", 1.0, 1.0);
    stream_row("dgen C=2", "compress 2, sequential", 1.0, 2.0);
    stream_row("dgen D=2", "dedup 2, sequential", 2.0, 1.0);

    StreamParams sp;
    sp.seed = o.seed;
    sp.size = kTiB;
    const Stream s(sp);
    const size_t reads = n / 4096;
    rep.rows.push_back(measure("dgen 4KiB seq", "4 KiB reads, one after another", o,
                               reads * 4096, [&](uint64_t i) {
                                   for (size_t k = 0; k < reads; ++k)
                                       s.read((i * reads + k) * 4096 % kTiB, 4096, p + k * 4096);
                                   clobber(p);
                               }));
    std::mt19937_64 rng(o.seed);
    std::vector<uint64_t> offsets(1 << 16);
    for (uint64_t& off : offsets) off = rng() % (kTiB - 4096);  // any byte, not aligned
    rep.rows.push_back(measure("dgen 4KiB random", "4 KiB reads at random byte offsets", o,
                               reads * 4096, [&](uint64_t i) {
                                   for (size_t k = 0; k < reads; ++k)
                                       s.read(offsets[(i * reads + k) & 0xffff], 4096,
                                              p + k * 4096);
                                   clobber(p);
                               }));
    return rep;
}

}  // namespace dgen
