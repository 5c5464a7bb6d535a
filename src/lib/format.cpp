#include "dgen/format.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include <xxhash.h>

namespace dgen {
namespace {

std::string check_ratio(const char* what, double v, double max) {
    char buf[160];
    if (std::isnan(v)) return std::string(what) + " is NaN; it must be a number >= 1";
    if (v < 1.0) {
        std::snprintf(buf, sizeof buf, "%s %g is below 1 (1 means no reduction)", what, v);
        return buf;
    }
    if (!(v <= max)) {
        std::snprintf(buf, sizeof buf, "%s %g is above the largest supported, %g", what, v, max);
        return buf;
    }
    return {};
}

std::string labelled(const char* label, const std::string& name) {
    return std::string(label) + name;
}

}  // namespace

std::string validate(const StreamParams& p) {
    if (p.format != kFormatVersion)
        return "format " + std::to_string(p.format) + " is not supported (this build writes dgen1)";
    if (auto e = check_ratio("dedup", p.dedup, kMaxDedup); !e.empty()) return e;
    if (auto e = check_ratio("compress", p.compress, kMaxCompress); !e.empty()) return e;
    if (p.unit < kMinUnit || p.unit > kMaxUnit || (p.unit & (p.unit - 1)) != 0)
        return "unit " + std::to_string(p.unit) +
               " must be a power of two from 512 B to 1 MiB";
    if (p.size > kMaxStreamSize)
        return "size " + std::to_string(p.size) + " exceeds the largest stream (2^63 - 1 bytes)";
    if (p.name.empty()) return "stream name is empty";
    return {};
}

static Block128 key128(const char* label, uint64_t seed, const std::string& name) {
    const std::string msg = labelled(label, name);
    const XXH128_hash_t h = XXH3_128bits_withSeed(msg.data(), msg.size(), seed);
    return {h.low64, h.high64};
}

static uint64_t key64(const char* label, uint64_t seed, const std::string& name) {
    const std::string msg = labelled(label, name);
    return XXH3_64bits_withSeed(msg.data(), msg.size(), seed);
}

Block128 derive_stream_key(uint64_t seed, const std::string& name) {
    return key128("dgen1/key/", seed, name);
}

uint64_t derive_dedup_key(uint64_t seed, const std::string& name) {
    return key64("dgen1/dedup/", seed, name);
}

Block128 derive_set_key(uint64_t seed, const std::string& dir) {
    return key128("dgen1/setkey/", seed, dir);
}

uint64_t derive_set_dedup_key(uint64_t seed, const std::string& dir) {
    return key64("dgen1/setdedup/", seed, dir);
}

}  // namespace dgen
