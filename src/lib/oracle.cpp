#include "dgen/oracle.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <unordered_set>

#include <lz4.h>
#include <lz4frame.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

namespace dgen {
namespace {

// One compressor in the two modes the oracle needs: independent chunks and one stream.
class Compressor {
public:
    virtual ~Compressor() = default;
    virtual uint64_t chunk(const uint8_t* data, size_t len) = 0;  // compressed size
    virtual void stream(const uint8_t* data, size_t len) = 0;
    virtual uint64_t stream_end() = 0;                             // total compressed size
};

class Lz4 final : public Compressor {
public:
    Lz4() {
        if (LZ4F_isError(LZ4F_createCompressionContext(&ctx_, LZ4F_VERSION)))
            throw std::runtime_error("lz4: cannot create a context");
    }
    ~Lz4() override { LZ4F_freeCompressionContext(ctx_); }
    uint64_t chunk(const uint8_t* d, size_t n) override {
        buf_.resize(LZ4_compressBound(static_cast<int>(n)));
        const int r = LZ4_compress_default(reinterpret_cast<const char*>(d), buf_.data(),
                                           static_cast<int>(n), static_cast<int>(buf_.size()));
        if (r <= 0) throw std::runtime_error("lz4: compression failed");
        return static_cast<uint64_t>(r);
    }
    void stream(const uint8_t* d, size_t n) override {
        if (!started_) {
            sbuf_.resize(LZ4F_HEADER_SIZE_MAX);
            total_ += check(LZ4F_compressBegin(ctx_, sbuf_.data(), sbuf_.size(), nullptr));
            started_ = true;
        }
        sbuf_.resize(LZ4F_compressBound(n, nullptr));
        total_ += check(LZ4F_compressUpdate(ctx_, sbuf_.data(), sbuf_.size(), d, n, nullptr));
    }
    uint64_t stream_end() override {
        if (!started_) stream(nullptr, 0);
        sbuf_.resize(LZ4F_compressBound(0, nullptr));
        total_ += check(LZ4F_compressEnd(ctx_, sbuf_.data(), sbuf_.size(), nullptr));
        return total_;
    }

private:
    static size_t check(size_t r) {
        if (LZ4F_isError(r)) throw std::runtime_error(std::string("lz4: ") + LZ4F_getErrorName(r));
        return r;
    }
    LZ4F_cctx* ctx_ = nullptr;
    std::vector<char> buf_, sbuf_;
    bool started_ = false;
    uint64_t total_ = 0;
};

class Zstd final : public Compressor {
public:
    explicit Zstd(int level) : level_(level), cctx_(ZSTD_createCCtx()), sctx_(ZSTD_createCCtx()) {
        ZSTD_CCtx_setParameter(sctx_, ZSTD_c_compressionLevel, level);
    }
    ~Zstd() override {
        ZSTD_freeCCtx(cctx_);
        ZSTD_freeCCtx(sctx_);
    }
    uint64_t chunk(const uint8_t* d, size_t n) override {
        buf_.resize(ZSTD_compressBound(n));
        return check(ZSTD_compressCCtx(cctx_, buf_.data(), buf_.size(), d, n, level_));
    }
    void stream(const uint8_t* d, size_t n) override { run(d, n, ZSTD_e_continue); }
    uint64_t stream_end() override {
        run(nullptr, 0, ZSTD_e_end);
        return total_;
    }

private:
    void run(const uint8_t* d, size_t n, ZSTD_EndDirective mode) {
        buf_.resize(ZSTD_CStreamOutSize());
        ZSTD_inBuffer in{d, n, 0};
        size_t remaining = 0;
        do {
            ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
            remaining = check(ZSTD_compressStream2(sctx_, &out, &in, mode));
            total_ += out.pos;
        } while (mode == ZSTD_e_end ? remaining != 0 : in.pos < in.size);
    }
    static size_t check(size_t r) {
        if (ZSTD_isError(r)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(r));
        return r;
    }
    int level_;
    ZSTD_CCtx* cctx_;
    ZSTD_CCtx* sctx_;
    std::vector<char> buf_;
    uint64_t total_ = 0;
};

class Zlib final : public Compressor {
public:
    explicit Zlib(int level) : level_(level) {
        if (deflateInit(&zs_, level) != Z_OK) throw std::runtime_error("zlib: deflateInit failed");
    }
    ~Zlib() override { deflateEnd(&zs_); }
    uint64_t chunk(const uint8_t* d, size_t n) override {
        uLongf out = compressBound(static_cast<uLong>(n));
        buf_.resize(out);
        if (compress2(buf_.data(), &out, d, static_cast<uLong>(n), level_) != Z_OK)
            throw std::runtime_error("zlib: compression failed");
        return out;
    }
    void stream(const uint8_t* d, size_t n) override { run(d, n, Z_NO_FLUSH); }
    uint64_t stream_end() override {
        run(nullptr, 0, Z_FINISH);
        return total_;
    }

private:
    void run(const uint8_t* d, size_t n, int flush) {
        buf_.resize(1 << 16);
        zs_.next_in = const_cast<Bytef*>(d);
        zs_.avail_in = static_cast<uInt>(n);
        int r = Z_OK;
        do {
            zs_.next_out = buf_.data();
            zs_.avail_out = static_cast<uInt>(buf_.size());
            r = deflate(&zs_, flush);
            if (r == Z_STREAM_ERROR) throw std::runtime_error("zlib: deflate failed");
            total_ += buf_.size() - zs_.avail_out;
        } while (zs_.avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
    }
    int level_;
    z_stream zs_{};
    std::vector<Bytef> buf_;
    uint64_t total_ = 0;
};

struct Lane {
    std::string name;
    std::unique_ptr<Compressor> small, medium, whole;  // 4 KiB chunks, 64 KiB chunks, stream
    uint64_t small_out = 0, medium_out = 0;
};

std::vector<Lane> make_lanes() {
    const std::vector<std::pair<std::string, std::function<std::unique_ptr<Compressor>()>>> kinds{
        {"lz4", [] { return std::make_unique<Lz4>(); }},
        {"zstd-1", [] { return std::make_unique<Zstd>(1); }},
        {"zstd-3", [] { return std::make_unique<Zstd>(3); }},
        {"zlib-6", [] { return std::make_unique<Zlib>(6); }},
    };
    std::vector<Lane> lanes;
    for (const auto& [name, make] : kinds) lanes.push_back({name, make(), make(), make()});
    return lanes;
}

struct HashOf128 {
    size_t operator()(const XXH128_hash_t& h) const { return h.low64 ^ (h.high64 * 31); }
};
struct Eq128 {
    bool operator()(const XXH128_hash_t& a, const XXH128_hash_t& b) const {
        return XXH128_isEqual(a, b);
    }
};

// Buffers the deduplicated byte stream into fixed chunks for one chunk size.
class Chunker {
public:
    explicit Chunker(size_t size) : size_(size) { buf_.reserve(size); }
    template <class F>
    void add(const uint8_t* d, size_t n, F&& emit) {
        while (n > 0) {
            const size_t take = std::min(n, size_ - buf_.size());
            buf_.insert(buf_.end(), d, d + take);
            d += take;
            n -= take;
            if (buf_.size() == size_) {
                emit(buf_.data(), buf_.size());
                buf_.clear();
            }
        }
    }
    template <class F>
    void flush(F&& emit) {
        if (!buf_.empty()) emit(buf_.data(), buf_.size());
        buf_.clear();
    }

private:
    size_t size_;
    std::vector<uint8_t> buf_;
};

}  // namespace

double compress_tolerance(double compress) { return compress > 4.0 ? 0.10 : 0.05; }

double expected_dedup_ratio(const DedupMap& map, uint64_t runs) {
    double distinct = 0;
    uint64_t left = runs;
    for (uint64_t w = 0; w < map.windows() && left > 0; ++w) {
        const uint64_t n = map.window_units(w), m = map.window_distinct(w);
        const uint64_t take = std::min(n, left);
        left -= take;
        if (take == n) {
            distinct += static_cast<double>(m);
            continue;
        }
        // Contents have q or q + 1 copies; P(no copy among the `take` slots taken).
        const uint64_t q = n / m, big = n - q * m;
        auto p_absent = [&](uint64_t copies) {
            double p = 1.0;
            for (uint64_t i = 0; i < copies; ++i)
                p *= static_cast<double>(n - take - std::min(n - take, i)) / static_cast<double>(n - i);
            return p;
        };
        distinct += static_cast<double>(m - big) * (1.0 - p_absent(q)) +
                    static_cast<double>(big) * (1.0 - p_absent(q + 1));
    }
    return distinct > 0 ? static_cast<double>(runs) / distinct : 0.0;
}

CheckReport run_check(const Stream& stream, uint64_t sample) {
    const StreamParams& p = stream.params();
    if (sample == 0 || sample > p.size) sample = p.size;
    const uint64_t run_units = stream.run_units();
    const uint64_t runs = sample / p.unit / run_units;
    const uint64_t units = runs * run_units;
    if (runs == 0)
        throw std::invalid_argument("the sample (" + std::to_string(sample) + " bytes) holds no whole " +
                                    (run_units > 1 ? "dedup run of " + std::to_string(run_units) + " units of "
                                                   : std::string("unit of ")) +
                                    std::to_string(p.unit) + " bytes");
    if (units > kMaxCheckUnits)
        throw std::invalid_argument("the sample holds " + std::to_string(units) + " units; a check takes at most " +
                                    std::to_string(kMaxCheckUnits));
    CheckReport rep;
    rep.params = p;
    rep.sample = units * p.unit;
    rep.kernel = active_kernel().name;

    std::vector<Lane> lanes = make_lanes();
    Chunker small(4096), medium(65536);
    std::unordered_set<XXH128_hash_t, HashOf128, Eq128> seen, seen_runs;
    seen.reserve(static_cast<size_t>(units));
    XXH3_state_t* run_hash = XXH3_createState();
    if (!run_hash) throw std::bad_alloc();
    const std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> run_hash_owner(run_hash, XXH3_freeState);

    const uint64_t units_per_read = std::max<uint64_t>(1, (1u << 20) / p.unit);
    std::vector<uint8_t> buf(units_per_read * p.unit);
    for (uint64_t u = 0; u < units; u += units_per_read) {
        const uint64_t n = std::min(units_per_read, units - u);
        stream.read(u * p.unit, n * p.unit, buf.data());
        for (uint64_t i = 0; i < n; ++i) {
            const uint8_t* d = buf.data() + i * p.unit;
            if ((u + i) % run_units == 0) XXH3_128bits_reset(run_hash);
            XXH3_128bits_update(run_hash, d, p.unit);
            if ((u + i) % run_units == run_units - 1) seen_runs.insert(XXH3_128bits_digest(run_hash));
            if (!seen.insert(XXH3_128bits(d, p.unit)).second) continue;
            small.add(d, p.unit, [&](const uint8_t* c, size_t len) {
                for (Lane& l : lanes) l.small_out += l.small->chunk(c, len);
            });
            medium.add(d, p.unit, [&](const uint8_t* c, size_t len) {
                for (Lane& l : lanes) l.medium_out += l.medium->chunk(c, len);
            });
            for (Lane& l : lanes) l.whole->stream(d, p.unit);
        }
    }
    small.flush([&](const uint8_t* c, size_t len) {
        for (Lane& l : lanes) l.small_out += l.small->chunk(c, len);
    });
    medium.flush([&](const uint8_t* c, size_t len) {
        for (Lane& l : lanes) l.medium_out += l.medium->chunk(c, len);
    });

    DedupCheck& d = rep.dedup;
    d.units = units;
    d.distinct = seen.size();
    d.ratio = static_cast<double>(units) / static_cast<double>(d.distinct);
    d.run_units = run_units;
    d.runs = runs;
    d.distinct_runs = seen_runs.size();
    d.run_ratio = static_cast<double>(runs) / static_cast<double>(d.distinct_runs);
    const DedupMap& map = stream.dedup_map();
    d.target = expected_dedup_ratio(map, runs);
    // Over whole windows the count of distinct contents is exact, whatever their number.
    const bool whole_windows = runs % kDedupWindowUnits == 0 ||
                               (map.windows() > 0 && runs == (map.windows() - 1) * kDedupWindowUnits +
                                                                 map.window_units(map.windows() - 1));
    d.applies = runs >= 10000 || whole_windows;
    d.pass = std::fabs(d.ratio / d.target - 1.0) <= d.tolerance &&
             std::fabs(d.run_ratio / d.target - 1.0) <= d.tolerance;

    const uint64_t unique_bytes = d.distinct * p.unit;
    const double tol = compress_tolerance(p.compress);
    rep.pass = !d.applies || d.pass;
    for (Lane& l : lanes) {
        const std::pair<const char*, uint64_t> outs[] = {
            {"4KiB", l.small_out}, {"64KiB", l.medium_out}, {"stream", l.whole->stream_end()}};
        for (const auto& [chunk, out] : outs) {
            CompressCheck c{l.name, chunk, unique_bytes, out};
            c.ratio = static_cast<double>(unique_bytes) / static_cast<double>(out);
            c.target = p.compress;
            c.tolerance = tol;
            c.pass = std::fabs(c.ratio / c.target - 1.0) <= tol;
            rep.pass = rep.pass && c.pass;
            rep.compress.push_back(c);
        }
    }
    return rep;
}

}  // namespace dgen
