#include "dgen/bench.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
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

// One row to measure: `fill(i)` fills `bytes` per call; `vs` names the row its ratio is
// taken against ("" for none).
struct Job {
    std::string name, what, vs;
    size_t bytes;
    std::function<void(uint64_t)> fill;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Runs the jobs in rounds: round r times run r of every job, one after another, so a
// neighbour's load falls on all rows alike rather than on the rows that happen to run while
// it lasts. A row's ratio is the median over rounds of its rate / its reference's rate in
// the same round: paired, so both sides of it saw the same machine.
std::vector<BenchRow> measure_all(const BenchOptions& o, const std::vector<Job>& jobs) {
    using clock = std::chrono::steady_clock;
    std::vector<std::vector<double>> rates(jobs.size());
    std::vector<uint64_t> iter(jobs.size(), 0);
    for (size_t j = 0; j < jobs.size(); ++j)
        for (int i = 0; i < 2; ++i) jobs[j].fill(iter[j]++);  // warm caches and page tables
    for (int r = 0; r < o.runs; ++r) {
        for (size_t j = 0; j < jobs.size(); ++j) {
            uint64_t calls = 0;
            const auto t0 = clock::now();
            const auto deadline = t0 + std::chrono::duration<double>(o.seconds);
            auto t1 = t0;
            do {
                for (int k = 0; k < 8; ++k) jobs[j].fill(iter[j]++);
                calls += 8;
                t1 = clock::now();
            } while (t1 < deadline);
            const double secs = std::chrono::duration<double>(t1 - t0).count();
            rates[j].push_back(static_cast<double>(calls * jobs[j].bytes) / secs / 1e9);
        }
    }
    std::vector<BenchRow> rows;
    for (size_t j = 0; j < jobs.size(); ++j) {
        const auto [lo, hi] = std::minmax_element(rates[j].begin(), rates[j].end());
        BenchRow row{jobs[j].name, jobs[j].what, median(rates[j]), *lo, *hi, "", 0};
        for (size_t k = 0; k < jobs.size(); ++k) {
            if (jobs[j].vs.empty() || jobs[k].name != jobs[j].vs) continue;
            std::vector<double> ratios;
            for (int r = 0; r < o.runs; ++r) ratios.push_back(rates[j][r] / rates[k][r]);
            row.vs = jobs[k].name;
            row.ratio = median(ratios);
        }
        rows.push_back(row);
    }
    return rows;
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
    // Page-aligned, as the daemon's worker buffers are (carved from an mmap'd node pool):
    // the kernels' 64-byte stores then never split a cache line, which from a malloc'd
    // buffer (16 bytes past a page) they all did, and a C = 2 fill lost a fifth to that.
    const size_t n = o.buffer;  // a multiple of 4 KiB (the CLI checks)
    const std::unique_ptr<uint8_t, decltype(&std::free)> buf(
        static_cast<uint8_t*>(std::aligned_alloc(4096, n)), &std::free);
    if (!buf) throw std::bad_alloc();
    uint8_t* p = buf.get();
    std::vector<Job> jobs;

    jobs.push_back({"memset", "store-bandwidth ceiling", "", n, [&](uint64_t i) {
                        std::memset(p, static_cast<int>(i & 0xff), n);
                        clobber(p);
                    }});
    jobs.push_back({"dgen-py core loop", "scalar Xoshiro256++ per 1 MiB block", "memset", n,
                    [&](uint64_t i) {
                        dgenpy_fill_block(o.seed, i, p, n);
                        clobber(p);
                    }});

    constexpr uint64_t kTiB = 1ull << 40;
    auto params = [&](double d, double c) {
        StreamParams sp;
        sp.seed = o.seed;
        sp.size = kTiB;
        sp.dedup = d;
        sp.compress = c;
        return sp;
    };
    const Stream c1(params(1, 1)), c2(params(1, 2)), d2(params(2, 1));
    auto sequential = [&](const Stream& s) {
        return [&s, p, n](uint64_t i) {
            s.read(i % (kTiB / n) * n, n, p);
            clobber(p);
        };
    };
    jobs.push_back({"dgen C=1", "incompressible, sequential", "memset", n, sequential(c1)});
    jobs.push_back({"dgen C=2", "compress 2, sequential", "dgen C=1", n, sequential(c2)});
    jobs.push_back({"dgen D=2", "dedup 2, sequential", "dgen C=1", n, sequential(d2)});

    // 4 KiB reads of the C = 1 stream into consecutive pages of the buffer: one after
    // another; at random 4 KiB-aligned offsets; at the same offsets moved to a random byte.
    const size_t reads = n / 4096;
    std::mt19937_64 rng(o.seed);
    std::vector<uint64_t> aligned(1 << 16), unaligned(1 << 16);
    for (size_t k = 0; k < aligned.size(); ++k) {
        aligned[k] = rng() % (kTiB / 4096 - 1) * 4096;
        unaligned[k] = aligned[k] + 1 + rng() % 4095;  // never a multiple of 16 or 4096
        unaligned[k] -= unaligned[k] % 16 == 0;
    }
    auto reads_at = [&](auto offset) {
        return [&c1, p, reads, offset](uint64_t i) {
            for (size_t k = 0; k < reads; ++k) c1.read(offset(i * reads + k), 4096, p + k * 4096);
            clobber(p);
        };
    };
    jobs.push_back({"dgen 4KiB seq", "4 KiB reads, one after another", "dgen C=1", reads * 4096,
                    reads_at([](uint64_t k) { return k * 4096 % kTiB; })});
    jobs.push_back({"dgen 4KiB aligned", "4 KiB reads at random 4 KiB-aligned offsets", "dgen C=1",
                    reads * 4096, reads_at([&](uint64_t k) { return aligned[k & 0xffff]; })});
    jobs.push_back({"dgen 4KiB unaligned", "the same reads, each moved to a byte offset",
                    "dgen 4KiB aligned", reads * 4096,
                    reads_at([&](uint64_t k) { return unaligned[k & 0xffff]; })});
    rep.rows = measure_all(o, jobs);
    return rep;
}

}  // namespace dgen
