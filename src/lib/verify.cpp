// Verification (verify.h). While a copy matches, each piece costs one generate and one
// memcmp; only a piece that differs is looked at unit by unit, and only a bad unit is
// classified, so the search for where its bytes came from costs nothing on a good copy.
//
//   copy bytes ──piece (256 KiB)──> memcmp with the file's bytes ──equal──> next piece
//                                        │ differ
//                                        v
//   each unit that differs: trim to [first, last] differing byte ─> classify ─> merge
//   with the previous bad range if in the same or the next unit and alike
#include "dgen/verify.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

namespace dgen {
namespace {

constexpr uint64_t kSector = 512;
constexpr uint64_t kPiece = 256u << 10;  // compared at once: the file's bytes stay in L2
constexpr size_t kProbe = 16;           // bytes a candidate source must match before a full read

struct OtherFile {
    std::string path;
    std::unique_ptr<FileSource> source;
};

// Buffers per thread, so that compare() allocates nothing once its thread has warmed up.
struct Scratch {
    std::vector<uint8_t> want;    // the file's bytes of one piece
    std::vector<uint8_t> probe;   // a candidate source's bytes
    std::vector<uint8_t> window;  // the file's bytes around a bad piece (the shift index)
    std::vector<std::pair<uint64_t, uint64_t>> index;  // (first 8 bytes of a sector, its offset)
};
Scratch& scratch() {
    thread_local Scratch s;
    return s;
}

uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

bool all_zero(const uint8_t* p, size_t n) { return p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0; }

uint64_t distance(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

bool alike(const BadRange& a, const BadRange& b) {
    if (a.kind != b.kind) return false;
    if (a.kind != Mismatch::Shifted && a.kind != Mismatch::OtherFile) return true;
    // The same displacement (unsigned arithmetic wraps alike on both sides).
    return a.source_offset - a.offset == b.source_offset - b.offset && a.other_path == b.other_path;
}

// Appends `r` (at or after the last range), merged into the last range when both are alike
// and `r` starts in the unit where the last one ends, or the next.
void append(std::vector<BadRange>& out, BadRange r, uint64_t unit) {
    if (!out.empty()) {
        BadRange& last = out.back();
        const uint64_t last_end = last.offset + last.length;
        if (alike(last, r) && r.offset / unit <= (last_end - 1) / unit + 1) {
            last.length = std::max(last_end, r.offset + r.length) - last.offset;
            return;
        }
    }
    out.push_back(std::move(r));
}

// `src` holds `got` at [at, at + n): first kProbe bytes, then all of them.
bool holds(const FileSource& src, uint64_t at, const uint8_t* got, size_t n) {
    if (at > src.size() || n > src.size() - at) return false;
    std::vector<uint8_t>& probe = scratch().probe;
    if (probe.size() < n) probe.resize(n);
    const size_t head = std::min(n, kProbe);
    src.read(at, head, probe.data());
    if (std::memcmp(probe.data(), got, head) != 0) return false;
    src.read(at + head, n - head, probe.data() + head);
    return std::memcmp(probe.data() + head, got + head, n - head) == 0;
}

}  // namespace

const char* mismatch_name(Mismatch m) {
    switch (m) {
    case Mismatch::Zeroed: return "zeroed";
    case Mismatch::Truncated: return "truncated";
    case Mismatch::Extended: return "extended";
    case Mismatch::Shifted: return "shifted";
    case Mismatch::OtherFile: return "other-file";
    case Mismatch::Corrupt: return "corrupt";
    }
    return "corrupt";
}

struct FileChecker::Impl {
    const FileSource& source;
    std::string path;
    const Namespace* ns;
    uint64_t unit;
    std::once_flag others_once;
    std::vector<OtherFile> others;

    // The candidates for OtherFile, opened on the first bad unit that needs them, so a
    // good copy never walks the dataset.
    const std::vector<OtherFile>& other_files() {
        std::call_once(others_once, [this] {
            size_t seen = 0;
            walk_tree(*ns, kRootIno, "", [&](const std::string& p, const NodeAttr& a) {
                if (a.dir || p == path) return true;
                auto src = ns->open(a.ino);
                if (!src->zero()) others.push_back({p, std::move(src)});  // zeros: Zeroed
                return ++seen < kMaxOtherFiles;
            });
        });
        return others;
    }

    class Classifier;
};

// Classifies the bad units of one compare() call, in order: what the last bad unit was
// (its shift, its other file) is tried first on the next, so a long range stays fast.
class FileChecker::Impl::Classifier {
public:
    explicit Classifier(FileChecker::Impl& f) : f_(f) {}

    // The piece [begin, end) the next bad units lie in: the shift index covers it.
    void set_piece(uint64_t begin, uint64_t end) {
        if (begin != piece_begin_) indexed_ = false;
        piece_begin_ = begin;
        piece_end_ = end;
    }

    // The file's bytes at `at` are `want`, the copy's `got` (n bytes, inside one unit).
    BadRange classify(uint64_t at, const uint8_t* got, const uint8_t* want, size_t n) {
        const size_t first = std::mismatch(got, got + n, want).first - got;
        size_t last = n - 1;
        while (got[last] == want[last]) --last;
        BadRange r;
        r.offset = at + first;
        r.length = last - first + 1;
        if (all_zero(got + first, r.length)) {
            r.kind = Mismatch::Zeroed;
            return r;
        }
        // The sectors that hold the differing bytes: a source must hold all of them.
        const uint64_t a = std::max(at, (at + first) / kSector * kSector);
        const uint64_t b = std::min(at + n, (at + last) / kSector * kSector + kSector);
        const uint8_t* span = got + (a - at);
        uint64_t source = 0;
        if (!f_.source.zero() && shifted(a, span, b - a, &source)) {
            r.kind = Mismatch::Shifted;
            r.source_offset = source + (r.offset - a);
        } else if (const OtherFile* o = other_file(a, span, b - a)) {
            r.kind = Mismatch::OtherFile;
            r.source_offset = r.offset;
            r.other_path = o->path;
        } else if (const auto from = located(a, span, b - a, &source)) {
            r.kind = *from ? Mismatch::OtherFile : Mismatch::Shifted;
            r.source_offset = source + (r.offset - a);
            if (*from) r.other_path = (*from)->path;
        }
        return r;
    }

private:
    bool shifted(uint64_t at, const uint8_t* got, size_t n, uint64_t* source) {
        if (has_delta_ && holds(f_.source, at + delta_, got, n)) {
            *source = at + delta_;
            return true;
        }
        // A source holds the copy's first whole sector at a sector boundary.
        const uint64_t key_at = (at + kSector - 1) / kSector * kSector;
        if (key_at + sizeof(uint64_t) > at + n) return false;
        if (!indexed_) build_index();
        const Scratch& s = scratch();
        const std::pair<uint64_t, uint64_t> key{load64(got + (key_at - at)), 0};
        std::optional<uint64_t> best;
        for (auto it = std::lower_bound(s.index.begin(), s.index.end(), key);
             it != s.index.end() && it->first == key.first; ++it) {
            if (it->second < window_begin_ + (key_at - at)) continue;
            const uint64_t from = it->second - (key_at - at);
            if (from == at || from + n > window_end_) continue;
            if (std::memcmp(s.window.data() + (from - window_begin_), got, n) != 0) continue;
            if (!best || distance(from, at) < distance(*best, at)) best = from;  // ties: lower offset
        }
        if (!best) return false;
        has_delta_ = true;
        delta_ = *best - at;
        *source = *best;
        return true;
    }

    // The file's bytes within kShiftWindow of the piece, and the first 8 bytes of each of
    // their sectors, sorted: a shift by whole sectors puts one of those at a bad sector.
    void build_index() {
        Scratch& s = scratch();
        const uint64_t size = f_.source.size();
        window_begin_ = (piece_begin_ > kShiftWindow ? piece_begin_ - kShiftWindow : 0) / kSector * kSector;
        window_end_ = std::min(size, piece_end_ + kShiftWindow);
        s.window.resize(window_end_ - window_begin_);
        f_.source.read(window_begin_, s.window.size(), s.window.data());
        s.index.clear();
        for (uint64_t o = window_begin_; o + sizeof(uint64_t) <= window_end_; o += kSector)
            s.index.emplace_back(load64(s.window.data() + (o - window_begin_)), o);
        std::sort(s.index.begin(), s.index.end());
        indexed_ = true;
    }

    // Bytes from anywhere in this file or another: a sector of the copy starts with one
    // whole ARS block (compress_layout.h: never fewer than 16 random bytes), which each
    // candidate stream runs backwards to the offset it would come from (Stream::
    // locate_block). Streams whose counters are offsets only: [file]s with D = 1.
    // Returns nullopt if none holds the bytes; nullptr for this file, else the other file.
    std::optional<const OtherFile*> located(uint64_t at, const uint8_t* got, size_t n, uint64_t* source) {
        const uint64_t s = (at + kSector - 1) / kSector * kSector;  // the first whole sector
        if (s + kBlockSize > at + n) return std::nullopt;
        auto holds_located = [&](const FileSource& src) {
            const Stream* st = src.stream();
            const std::optional<uint64_t> block_at = st ? st->locate_block(got + (s - at)) : std::nullopt;
            if (!block_at || *block_at < s - at) return false;
            const uint64_t from = *block_at - (s - at);
            if ((&src == &f_.source && from == at) || !holds(src, from, got, n)) return false;
            *source = from;
            return true;
        };
        if (holds_located(f_.source)) return nullptr;
        if (!f_.ns) return std::nullopt;
        for (const OtherFile& o : f_.other_files())
            if (holds_located(*o.source)) return &o;
        return std::nullopt;
    }

    const OtherFile* other_file(uint64_t at, const uint8_t* got, size_t n) {
        if (!f_.ns) return nullptr;
        if (other_ && holds(*other_->source, at, got, n)) return other_;
        for (const OtherFile& o : f_.other_files())
            if (&o != other_ && holds(*o.source, at, got, n)) return other_ = &o;
        return nullptr;
    }

    FileChecker::Impl& f_;
    bool has_delta_ = false;
    uint64_t delta_ = 0;  // the last shift: source - offset, mod 2^64
    const OtherFile* other_ = nullptr;
    uint64_t piece_begin_ = UINT64_MAX, piece_end_ = 0;
    bool indexed_ = false;
    uint64_t window_begin_ = 0, window_end_ = 0;
};

FileChecker::FileChecker(const FileSource& source, std::string path, const Namespace* ns)
    : impl_(new Impl{source, std::move(path), ns,
                     source.stream() ? source.stream()->params().unit : kDefaultUnit, {}, {}}) {}

FileChecker::~FileChecker() { delete impl_; }

std::vector<BadRange> FileChecker::compare(uint64_t offset, const uint8_t* data, size_t len) const {
    std::vector<BadRange> out;
    const FileSource& src = impl_->source;
    const uint64_t unit = impl_->unit, piece = std::max(kPiece, unit);  // powers of two
    const uint64_t end = offset + len, in_end = std::min(end, src.size());
    std::vector<uint8_t>& want = scratch().want;
    if (want.size() < piece) want.resize(piece);
    Impl::Classifier classifier(*impl_);
    for (uint64_t p = offset; p < in_end;) {
        const uint64_t p_end = std::min(in_end, p / piece * piece + piece);
        const uint8_t* got = data + (p - offset);
        src.read(p, p_end - p, want.data());
        if (std::memcmp(got, want.data(), p_end - p) != 0) {
            classifier.set_piece(p, p_end);
            for (uint64_t u = p; u < p_end;) {
                const uint64_t u_end = std::min(p_end, u / unit * unit + unit);
                const uint8_t* w = want.data() + (u - p);
                if (std::memcmp(got + (u - p), w, u_end - u) != 0)
                    append(out, classifier.classify(u, got + (u - p), w, u_end - u), unit);
                u = u_end;
            }
        }
        p = p_end;
    }
    if (end > src.size()) {
        BadRange r;
        r.offset = std::max(offset, src.size());
        r.length = end - r.offset;
        r.kind = Mismatch::Extended;
        append(out, std::move(r), unit);
    }
    return out;
}

std::optional<BadRange> FileChecker::truncation(uint64_t copy_size) const {
    const uint64_t size = impl_->source.size();
    if (copy_size >= size) return std::nullopt;
    BadRange r;
    r.offset = copy_size;
    r.length = size - copy_size;
    r.kind = Mismatch::Truncated;
    return r;
}

void FileChecker::merge(std::vector<BadRange>& ranges) const {
    std::sort(ranges.begin(), ranges.end(),
              [](const BadRange& a, const BadRange& b) { return a.offset < b.offset; });
    std::vector<BadRange> merged;
    for (BadRange& r : ranges) append(merged, std::move(r), impl_->unit);
    ranges = std::move(merged);
}

const FileSource& FileChecker::source() const { return impl_->source; }
const std::string& FileChecker::path() const { return impl_->path; }
uint64_t FileChecker::unit() const { return impl_->unit; }

}  // namespace dgen
