#include "dgen/compress_layout.h"

#include <algorithm>
#include <cmath>

#include "dgen/format.h"

namespace dgen {

double random_bytes_per_sector(double compress) {
    if (compress <= 1.0) return kSectorSize;
    // Bytes per sector that compressors spend beyond the random bytes they must keep (the
    // zero run's match, literal headers, zlib's per-chunk Huffman tables), centred between
    // lz4, zstd -1/-3 and zlib -6 at 4 KiB, 64 KiB and whole-stream chunks; ramped in from
    // C = 1 so the layout is continuous. docs/FORMAT.md, "Compression calibration".
    // Piecewise linear in C: 0 at C = 1, 7 bytes from C = 1.5 to 4, then easing to 5.5 at
    // C = 8 (and 4 from C = 9.3), where zlib's fixed per-chunk cost and zstd's cheap zero
    // runs pull furthest apart.
    double overhead = 7.0;
    if (compress < 1.5) overhead = 14.0 * (compress - 1.0);
    if (compress > 4.0) overhead = std::max(4.0, 7.0 - 0.375 * (compress - 4.0));
    const double x = kSectorSize / compress - overhead;
    return std::clamp(x, static_cast<double>(kMinRandomPerSector), static_cast<double>(kSectorSize));
}

CompressLayout::CompressLayout(double compress, uint32_t unit)
    : all_random_(compress == 1.0), r_(unit / kSectorSize) {
    const double x = random_bytes_per_sector(compress);
    for (uint32_t j = 0; j < r_.size(); ++j)
        r_[j] = static_cast<uint32_t>(std::llround((j + 1) * x) - std::llround(j * x));
    all_random_ = all_random_ || std::all_of(r_.begin(), r_.end(),
                                             [](uint32_t r) { return r == kSectorSize; });
}

}  // namespace dgen
