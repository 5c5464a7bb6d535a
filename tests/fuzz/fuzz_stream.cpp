// Fuzz target: the generator's range API. A stream is a pure function of (params, offset),
// so any range read must equal the same bytes cut from a larger read that contains it:
//
//        a'         a              b          b'
//        |----------|==============|----------|      big   = read [a', b') with one kernel
//                   |==============|                 small = read [a, b)   with every kernel
//        small == big[a - a', b - a'), both clipped at EOF, nothing written past the count
//
// The file is one of: a standalone Stream (any params validate() accepts), or a file that
// dgenfs would serve, made from a one-section config: a [file], or file k of a [set] (its
// place in the set's dedup window), with pattern dgen or zero. The fuzzer picks seed,
// size, unit, D, C, dedup_run, format, host, the offsets and the kernels.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dgen/config.h"
#include "dgen/kernel.h"
#include "dgen/namespace.h"
#include "dgen/stream.h"
#include "dgen/values.h"
#include "fuzz_check.h"

namespace dgen::fuzz {
namespace {

constexpr uint64_t kSetFileIno = 1ull << 48;   // file 0 of set 0 (namespace.h)
constexpr uint64_t kFileIno = 1ull << 40;      // [file] 0 (namespace.h)
constexpr size_t kMaxRead = 32 << 10;          // bytes per read: keeps runs fast
constexpr size_t kMaxMargin = 8 << 10;         // a - a' and b' - b
constexpr uint8_t kPoison = 0xA5;

// A size from one of several scales, so that tiny, unit-sized and huge files all come up.
uint64_t pick_size(FuzzedDataProvider& in, uint64_t largest) {
    const uint64_t scales[] = {64, 4096, 1u << 20, 1ull << 32, largest};
    return in.ConsumeIntegralInRange<uint64_t>(0, std::min(largest, in.PickValueInArray(scales)));
}

// 1, or a ratio up to `max` (near 1, or anywhere), so both D = 1 and the permutation run.
double pick_ratio(FuzzedDataProvider& in, double max) {
    if (in.ConsumeBool()) return 1.0;
    const double spans[] = {1e-6, 1.0, max - 1};
    return std::min(max, 1.0 + in.ConsumeProbability<double>() * in.PickValueInArray(spans));
}

StreamParams pick_params(FuzzedDataProvider& in) {
    StreamParams p;
    p.seed = in.ConsumeIntegral<uint64_t>();
    p.format = in.ConsumeBool() ? kFormatVersion : kOldestFormat;
    p.unit = kMinUnit << in.ConsumeIntegralInRange(0, 11);
    p.dedup = pick_ratio(in, kMaxDedup);
    p.compress = pick_ratio(in, kMaxCompress);
    const uint64_t runs[] = {1, 2, 3, 64, 1ull << 20, kMaxDedupRun / p.unit};
    p.dedup_run = in.ConsumeBool() ? 0 : p.unit * in.ConsumeIntegralInRange<uint64_t>(1, in.PickValueInArray(runs));
    p.host = in.ConsumeBool() ? in.ConsumeRandomLengthString(16) : "";
    return p;
}

// What a file's reader needs: its size and a read through a given kernel.
struct File {
    std::unique_ptr<Stream> standalone;
    std::unique_ptr<Namespace> ns;
    std::unique_ptr<FileSource> source;  // of ns: zeros, or a stream

    uint64_t size() const { return standalone ? standalone->size() : source->size(); }
    const Stream* stream() const { return standalone ? standalone.get() : source->stream(); }
    size_t read(uint64_t off, size_t len, uint8_t* out, const Kernel& k) const {
        if (const Stream* s = stream()) return s->read(off, len, out, k);
        return source->read(off, len, out);
    }
};

// A file of a one-section config, as dgenfs serves it. Returns false if the config the
// fuzzer made is refused (the loader is the gate, as for dgenfs).
bool make_served_file(FuzzedDataProvider& in, const StreamParams& p, File& f) {
    std::string ini = "[dataset]\nseed = " + std::to_string(p.seed) + "\nformat = " + std::to_string(p.format) +
                      "\nunit = " + std::to_string(p.unit) + "\ndedup = " + format_number(p.dedup) +
                      "\ncompress = " + format_number(p.compress) + "\ndedup_run = " +
                      (p.dedup_run ? std::to_string(p.dedup_run) : "unit") +
                      "\npattern = " + (in.ConsumeIntegralInRange(0, 7) == 0 ? "zero" : "dgen") + "\n";
    uint64_t ino = kFileIno;
    if (in.ConsumeBool()) {
        ini += "[file]\npath = f\nsize = " + std::to_string(pick_size(in, kMaxStreamSize)) + "\n";
    } else {
        // Sizes are drawn per file when size_min < size_max: the window then spans
        // files of different lengths. Few files, since placing one is O(files in group).
        const uint64_t count = in.ConsumeIntegralInRange<uint64_t>(1, 3000);
        const uint64_t lo = pick_size(in, 1ull << 40), hi = in.ConsumeBool() ? lo : pick_size(in, 1ull << 40);
        ini += "[set]\ndir = s\ncount = " + std::to_string(count) +
               (lo == hi ? "\nsize = " + std::to_string(lo)
                         : "\nsize_min = " + std::to_string(std::min(lo, hi)) +
                               "\nsize_max = " + std::to_string(std::max(lo, hi))) +
               "\n";
        ino = kSetFileIno + in.ConsumeIntegralInRange<uint64_t>(0, count - 1);
    }
    std::vector<ConfigError> errors;
    const Config config = parse_config(ini, "fuzz.ini", errors);
    if (!errors.empty()) return false;
    f.ns = std::make_unique<Namespace>(config);
    f.source = f.ns->open(ino);
    require(f.source != nullptr, "a file of a valid config does not open");
    return true;
}

// The offset of a read: anywhere, or near a unit or run boundary, or near EOF.
uint64_t pick_offset(FuzzedDataProvider& in, const StreamParams& p, uint64_t size) {
    const uint64_t near = in.ConsumeIntegralInRange<uint64_t>(0, 2 * kBlockSize);
    const uint64_t step = std::max<uint64_t>(p.unit, p.dedup_run);
    switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: return in.ConsumeIntegralInRange<uint64_t>(0, size);
    case 1: return size - std::min(size, near);  // just before EOF
    case 2: {
        const uint64_t boundary = in.ConsumeIntegralInRange<uint64_t>(0, size / step) * step;
        return in.ConsumeBool() ? boundary + near : boundary - std::min(boundary, near);
    }
    default: return size + near;  // at or past EOF
    }
}

void check_ranges(FuzzedDataProvider& in, const File& f, const StreamParams& p) {
    const std::vector<Kernel> kernels = available_kernels();
    const uint64_t size = f.size();
    const uint64_t a = pick_offset(in, p, size);
    const size_t len = in.ConsumeIntegralInRange<size_t>(0, kMaxRead);
    const size_t pre = static_cast<size_t>(std::min<uint64_t>(a, in.ConsumeIntegralInRange<size_t>(0, kMaxMargin)));
    const size_t post = in.ConsumeIntegralInRange<size_t>(0, kMaxMargin);
    const Kernel& big_kernel = kernels[in.ConsumeIntegralInRange<size_t>(0, kernels.size() - 1)];

    auto expect = [&](uint64_t off, size_t n) { return off >= size ? 0 : std::min<uint64_t>(n, size - off); };
    std::vector<uint8_t> big(pre + len + post + 1, kPoison);
    const size_t got_big = f.read(a - pre, pre + len + post, big.data(), big_kernel);
    require(got_big == expect(a - pre, pre + len + post), "a read's count is not the range clipped at EOF");
    require(big[got_big] == kPoison, "a read wrote past the count it returned");

    const size_t want = expect(a, len);
    std::vector<uint8_t> small(len + 1);
    for (const Kernel& k : kernels) {
        std::fill(small.begin(), small.end(), kPoison);
        const size_t got = f.read(a, len, small.data(), k);
        if (got != want || small[got] != kPoison)
            property_failed(std::string(k.name) + ": count or bytes past it wrong at offset " + std::to_string(a));
        if (std::memcmp(small.data(), big.data() + pre, got) != 0)
            property_failed(std::string(k.name) + ": [" + std::to_string(a) + ", +" + std::to_string(len) +
                            ") differs from the same bytes of [" + std::to_string(a - pre) + ", +" +
                            std::to_string(pre + len + post) + ") read with " + big_kernel.name);
    }
    if (!f.stream() && std::any_of(big.begin(), big.begin() + got_big, [](uint8_t b) { return b != 0; }))
        property_failed("a pattern = zero file has a non-zero byte");

    // Where a block of a D = 1, C = 1 standalone stream can be found again (dgen verify).
    const uint64_t block = (a + kBlockSize - 1) / kBlockSize * kBlockSize;
    if (f.standalone && p.dedup == 1.0 && p.compress == 1.0 && block + kBlockSize <= a - pre + got_big) {
        const auto at = f.standalone->locate_block(big.data() + (block - (a - pre)));
        require(!at || *at == block, "locate_block put a block elsewhere");
        require(at.has_value() == (find_kernel("aesni") != nullptr), "locate_block missed a block");
    }
}

}  // namespace
}  // namespace dgen::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace dgen;
    using namespace dgen::fuzz;
    FuzzedDataProvider in(data, size);
    StreamParams p = pick_params(in);
    File f;
    if (in.ConsumeBool()) {
        p.name = in.ConsumeRandomLengthString(32);
        p.size = pick_size(in, kMaxStreamSize);
        if (!validate(p).empty()) return 0;
        f.standalone = std::make_unique<Stream>(p);
    } else if (!make_served_file(in, p, f)) {
        return 0;
    }
    for (int reads = in.ConsumeIntegralInRange(1, 4); reads > 0; --reads) check_ranges(in, f, p);
    return 0;
}
