// Verification: compare bytes a copy holds with the bytes its file should hold, and say
// what went wrong where. Used by `dgen verify` (whole copies) and by dgenfs's verify area
// (one write at a time), so both name a bad range the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dgen/namespace.h"

namespace dgen {

// What a bad range holds instead of the file's bytes.
enum class Mismatch {
    Zeroed,     // zeros
    Truncated,  // nothing: the copy ends before the file does
    Extended,   // bytes past the file's end: the copy is longer
    Shifted,    // this file's own bytes from another offset (source_offset)
    OtherFile,  // bytes of another file of the dataset (other_path, source_offset)
    Corrupt,    // none of these
};
const char* mismatch_name(Mismatch m);  // "zeroed", "truncated", ..., "other-file", "corrupt"

struct BadRange {
    uint64_t offset = 0, length = 0;  // in the copy, bytes
    Mismatch kind = Mismatch::Corrupt;
    uint64_t source_offset = 0;  // Shifted, OtherFile: where these bytes belong
    std::string other_path;      // OtherFile: the dataset path they belong to
};

// Checks copies of one file of a dataset (or one standalone stream). Bytes are compared a
// unit at a time; a bad unit is classified, in this order, as
//   Zeroed     its differing bytes are all zero;
//   Shifted    from the sector of its first differing byte to the sector of its last, it
//              holds this file's bytes from a sector-aligned place (so shifts by whole units
//              and by whole 512-byte sectors), the previous bad unit's shift tried first,
//              then any within kShiftWindow of the expected place (the nearest wins);
//   OtherFile  the same span holds another file's bytes at the same offset: the first
//              kMaxOtherFiles files of the dataset in readdir order (the previous bad unit's
//              file tried first);
//   Shifted or OtherFile, from anywhere: the span's first sector starts with one whole ARS
//              block, which this file and then each candidate runs backwards to its counter
//              (Stream::locate_block, AES-NI): where counters are offsets ([file]s with
//              D = 1), that names the place the bytes would come from, checked in full;
//   Corrupt    otherwise.
// A range is trimmed to its first and last differing byte, so one flipped bit is length 1.
inline constexpr uint64_t kShiftWindow = 1ull << 20;
inline constexpr size_t kMaxOtherFiles = 1024;

class FileChecker {
public:
    // `source` is the file's bytes; `path` names it in reports. `ns` (may be null) lets
    // bad units be recognised as another file's bytes. All must outlive the checker.
    FileChecker(const FileSource& source, std::string path, const Namespace* ns = nullptr);
    ~FileChecker();
    FileChecker(const FileChecker&) = delete;
    FileChecker& operator=(const FileChecker&) = delete;

    // Compares `len` bytes that a copy holds at `offset` (inside or past the file's end)
    // with the file's bytes there. Returns the bad ranges inside [offset, offset + len),
    // classified, adjacent bad units merged; empty when all match. Thread-safe.
    std::vector<BadRange> compare(uint64_t offset, const uint8_t* data, size_t len) const;

    // The Truncated range of a copy `copy_size` bytes long, if it is shorter than the file
    // (compare() sees only bytes a copy has, so it cannot tell).
    std::optional<BadRange> truncation(uint64_t copy_size) const;

    // Sorts bad ranges of one copy gathered by several compare() calls (a file checked in
    // chunks) and merges those that one call over the whole copy would have merged.
    void merge(std::vector<BadRange>& ranges) const;

    const FileSource& source() const;
    const std::string& path() const;
    uint64_t unit() const;  // the granularity of classification: the stream's unit (zero files: 4 KiB)

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace dgen
