#include "dgen/format.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include <xxhash.h>

#include "dgen/values.h"

namespace dgen {
namespace {

std::string check_ratio(const char* what, double v, double max) {
    if (std::isnan(v)) return std::string(what) + " is NaN; it must be a number >= 1";
    if (v < 1.0) return std::string(what) + " " + format_number(v) + " is below 1 (1 means no reduction)";
    if (!(v <= max))
        return std::string(what) + " " + format_number(v) + " is above the largest supported, " +
               format_number(max);
    return {};
}

void put_le64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t bits_of(double v) {
    uint64_t b;
    static_assert(sizeof b == sizeof v);
    std::memcpy(&b, &v, sizeof b);
    return b;
}

// The message each key is hashed from: label, then (dgen2) the parameter block, then name.
std::string key_message(const StreamParams& p, const char* what) {
    std::string m = "dgen" + std::to_string(p.format) + "/" + what + "/";
    if (p.format >= 2) {
        put_le64(m, p.unit);
        put_le64(m, p.run_units());
        put_le64(m, bits_of(p.dedup));
        put_le64(m, bits_of(p.compress));
    }
    return m + p.name;
}

StreamKeys keys(const StreamParams& p, const char* ars_label, const char* dedup_label) {
    const std::string a = key_message(p, ars_label), d = key_message(p, dedup_label);
    const uint64_t seed = effective_seed(p.seed, p.host);
    const XXH128_hash_t h = XXH3_128bits_withSeed(a.data(), a.size(), seed);
    return {{h.low64, h.high64}, XXH3_64bits_withSeed(d.data(), d.size(), seed)};
}

}  // namespace

uint64_t effective_seed(uint64_t seed, std::string_view host) {
    if (host.empty()) return seed;
    const std::string m = "dgen/host/" + std::string(host);
    return XXH3_64bits_withSeed(m.data(), m.size(), seed);
}

std::string validate(const StreamParams& p) {
    if (p.format < kOldestFormat || p.format > kFormatVersion)
        return "format " + std::to_string(p.format) + " is not supported (this build has dgen1 and dgen2)";
    if (auto e = check_ratio("dedup", p.dedup, kMaxDedup); !e.empty()) return e;
    if (auto e = check_ratio("compress", p.compress, kMaxCompress); !e.empty()) return e;
    if (p.unit < kMinUnit || p.unit > kMaxUnit || (p.unit & (p.unit - 1)) != 0)
        return "unit " + std::to_string(p.unit) +
               " must be a power of two from 512 B to 1 MiB";
    if (p.dedup_run != 0) {
        if (p.dedup_run % p.unit != 0 || p.dedup_run > kMaxDedupRun)
            return "dedup_run " + format_size(p.dedup_run) + " must be a multiple of the unit (" +
                   format_size(p.unit) + "), at most 1 TiB";
        if (p.format < 2 && p.run_units() > 1)
            return "dedup_run " + format_size(p.dedup_run) +
                   " needs format 2: dgen1 repeats single units only";
    }
    if (p.size > kMaxStreamSize)
        return "size " + std::to_string(p.size) + " exceeds the largest stream (2^63 - 1 bytes)";
    if (p.name.empty()) return "stream name is empty";
    return {};
}

StreamKeys derive_stream_keys(const StreamParams& p) { return keys(p, "key", "dedup"); }

StreamKeys derive_set_keys(const StreamParams& p) { return keys(p, "setkey", "setdedup"); }

}  // namespace dgen
