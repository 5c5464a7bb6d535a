// Prints the rows that freeze a format: tests/unit/golden_dgen1.inc or golden_dgen2.inc.
// Each row is a (stream, range) and the XXH64 of its bytes, computed with the scalar
// reference kernel.
//
//   build/tests/tools/dgen_make_golden 1 > tests/unit/golden_dgen1.inc
//   build/tests/tools/dgen_make_golden 2 > tests/unit/golden_dgen2.inc
//   build/tests/tools/dgen_make_golden zero > tests/unit/golden_zero.inc
//
// Regenerating changes a file only if the output changed — which is a format break:
// keep the old format selectable and add the new rows under a new format version instead.
#include <cinttypes>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <xxhash.h>

#include "dgen/kernel.h"
#include "dgen/namespace.h"
#include "dgen/stream.h"

using namespace dgen;

namespace {

struct Spec {
    uint64_t seed;
    const char* name;
    uint64_t size;
    double dedup, compress;
    uint32_t unit;
    uint64_t dedup_run = 0;  // dgen2 only
};

constexpr uint64_t KiB = 1024, MiB = KiB * KiB, GiB = MiB * KiB, TiB = GiB * KiB;

const Spec kSpecs[] = {
    {0, "stream", 64 * KiB, 1, 1, 4096},
    {1, "stream", 10 * MiB + 123, 1, 1, 4096},
    {0xFFFFFFFFFFFFFFFFull, "a/b/c.dat", 3 * MiB + 7, 1, 1, 512},
    {42, "big.bin", TiB, 1, 1, 4096},
    {42, "huge", (1ull << 63) - 1, 1, 1, 1u << 20},
    {7, "dedup2", 64 * MiB, 2, 1, 4096},
    {7, "dedup5", 40 * MiB + 5, 5, 1, 4096},
    {9, "dedup1.5", 600 * MiB, 1.5, 1, 512},   // crosses a 2^20-unit dedup window
    {3, "c1.5", 8 * MiB, 1, 1.5, 4096},
    {3, "c2", 8 * MiB, 1, 2, 4096},
    {3, "c8", 8 * MiB, 1, 8, 4096},
    {3, "c3-u64k", 8 * MiB + 1, 1, 3, 65536},
    {11, "mixed", 256 * MiB, 3, 4, 4096},
    {11, "mixed-u1m", 256 * MiB, 2.5, 1.25, 1u << 20},
    {12, "mixed-u512", 32 * MiB - 1, 4, 2, 512},
};

// dgen2: the same streams (their keys now hold D, C, U and R), and dedup runs: a power of
// two, a run of 3 units, a run that makes 2^20-run windows cross, a long run at D = 5.
const Spec kRunSpecs[] = {
    {7, "run64k", 64 * MiB + 3, 2, 1, 4096, 64 * KiB},
    {8, "run3", 10 * MiB + 5, 2.5, 1, 4096, 12 * KiB},
    {9, "run-window", 2 * GiB + 512, 1.5, 1.5, 512, 1024},  // windows of 2^20 runs = 1 GiB
    {10, "run4m-d5", 96 * MiB, 5, 2, 4096, 4 * MiB},
    {11, "run-u1m", 64 * MiB, 3, 3, 1u << 20, 2 * MiB},
    {12, "run-d1", 8 * MiB, 1, 2, 4096, 64 * KiB},
};

// Added later, printed after the rows above so that those stay byte for byte as they were:
// C = 12 and 16 (from C = 12 on the per-sector overhead is at its floor of 4 bytes, FORMAT.md
// §4), with dedup and a 512-byte unit, and large D (1000, and 10^6: one content per window).
const Spec kLateSpecs[] = {
    {3, "c12", 8 * MiB, 1, 12, 4096},
    {3, "c16", 8 * MiB + 1, 2, 16, 512},
    {13, "dedup1000", 64 * MiB, 1000, 1, 4096},
    {13, "dedup1e6-c3", 8 * MiB, 1e6, 3, 4096},
};

std::vector<uint64_t> offsets_for(const Spec& s) {
    const uint64_t u = s.unit;
    std::vector<uint64_t> o{0, 1, u - 1, u, u + 1, 2 * u - 1, 2 * u + 15};
    const uint64_t run = s.dedup_run ? s.dedup_run : u;
    if (run > u) {
        for (uint64_t at : {run - 1, run, run + 1, 3 * run - 17}) o.push_back(at);
    }
    const uint64_t window_bytes = kDedupWindowUnits * run;
    if (window_bytes < s.size) {
        o.push_back(window_bytes - 1);
        o.push_back(window_bytes);
        o.push_back(window_bytes + 1);
    }
    o.push_back(s.size / 2 + 3);
    o.push_back(s.size - 1);
    o.push_back(s.size - 100);
    o.push_back(s.size);  // at EOF: zero bytes
    return o;
}

void print_rows(const Spec& s, int format) {
    const Kernel* scalar = find_kernel("scalar");
    const uint64_t lengths[] = {1, 17, 4096, 65536 + 3};
    StreamParams p;
    p.seed = s.seed;
    p.name = s.name;
    p.size = s.size;
    p.dedup = s.dedup;
    p.compress = s.compress;
    p.unit = s.unit;
    p.dedup_run = s.dedup_run;
    p.format = format;
    const Stream stream(p);
    for (uint64_t off : offsets_for(s)) {
        for (uint64_t len : lengths) {
            std::vector<uint8_t> buf(len);
            const size_t got = stream.read(off, len, buf.data(), *scalar);
            const auto hash = static_cast<uint64_t>(XXH64(buf.data(), got, 0));
            if (format == 1)
                std::printf("{%" PRIu64 "ull, \"%s\", %" PRIu64 "ull, %g, %g, %u, %" PRIu64
                            "ull, %" PRIu64 ", %zu, 0x%016" PRIx64 "ull},\n",
                            s.seed, s.name, s.size, s.dedup, s.compress, s.unit, off, len, got, hash);
            else
                std::printf("{%" PRIu64 "ull, \"%s\", %" PRIu64 "ull, %g, %g, %u, %" PRIu64 "ull, %" PRIu64
                            "ull, %" PRIu64 ", %zu, 0x%016" PRIx64 "ull},\n",
                            s.seed, s.name, s.size, s.dedup, s.compress, s.unit, s.dedup_run, off, len,
                            got, hash);
        }
    }
}

// pattern = zero: a file of zeros of its size, whatever the format (no stream behind it).
void print_zero_rows() {
    std::printf("// Golden vectors of pattern = zero files. Generated by tests/tools/make_golden.cpp;\n"
                "// do not edit. {size, offset, length asked, length returned, xxh64}\n");
    for (const uint64_t size : {uint64_t{0}, uint64_t{1}, 3 * MiB, TiB, uint64_t{(1ull << 63) - 1}}) {
        const FileSource zeros(nullptr, size);
        std::set<uint64_t> offsets;  // a set: with a small size some of these coincide
        for (const uint64_t off : {uint64_t{0}, uint64_t{1}, size / 2 + 3, size - 1, size})
            if (off <= size) offsets.insert(off);  // size 0: size - 1 wraps
        for (const uint64_t off : offsets) {
            for (const uint64_t len : {uint64_t{1}, uint64_t{4096}, uint64_t{65536 + 3}}) {
                std::vector<uint8_t> buf(len, 0xAA);
                const size_t got = zeros.read(off, len, buf.data());
                std::printf("{%" PRIu64 "ull, %" PRIu64 "ull, %" PRIu64 ", %zu, 0x%016" PRIx64 "ull},\n", size,
                            off, len, got, static_cast<uint64_t>(XXH64(buf.data(), got, 0)));
            }
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string format = argc == 2 ? argv[1] : "";
    if (format == "zero") {
        print_zero_rows();
        return 0;
    }
    if (format != "1" && format != "2") {
        std::fprintf(stderr, "usage: dgen_make_golden 1|2|zero   (the format whose rows to print)\n");
        return 2;
    }
    if (format == "1") {
        std::printf("// Golden vectors of format dgen1. Generated by tests/tools/make_golden.cpp with the\n"
                    "// scalar reference kernel; do not edit. A row that stops matching is a format break.\n"
                    "// {seed, name, size, dedup, compress, unit, offset, length asked, length returned, xxh64}\n");
        for (const Spec& s : kSpecs) print_rows(s, 1);
        for (const Spec& s : kLateSpecs) print_rows(s, 1);
        return 0;
    }
    std::printf("// Golden vectors of format dgen2. Generated by tests/tools/make_golden.cpp with the\n"
                "// scalar reference kernel; do not edit. A row that stops matching is a format break.\n"
                "// {seed, name, size, dedup, compress, unit, dedup_run, offset, length asked,\n"
                "//  length returned, xxh64}\n");
    for (const Spec& s : kSpecs) print_rows(s, 2);
    for (const Spec& s : kRunSpecs) print_rows(s, 2);
    for (const Spec& s : kLateSpecs) print_rows(s, 2);
    return 0;
}
