// Fuzz target: the INI config loader on whole files, as `dgenfs --check` runs it:
// parse_config on the bytes, then, for a config without errors, the Namespace it describes.
//
// Properties: no crash, hang or sanitizer report; every error has a message and names a
// line of the file (or 0: the whole file); a config without errors builds its Namespace
// without throwing (the loader is the only gate), every [file] resolves to a file of its
// size, every [set] dir to a directory, and the totals add up.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dgen/config.h"
#include "dgen/namespace.h"
#include "dgen/values.h"
#include "fuzz_check.h"

namespace dgen::fuzz {
namespace {

// Totalling a set whose sizes are drawn independently costs O(count) (fileset.h:
// set_total_size): about a minute for 2^32 files, by design, and more under the
// sanitizers. Inputs that could ask for it are skipped, so that a timeout means a real
// hang; stratified sets (O(4096)) are skipped alike, size_draw is not read here.
constexpr uint64_t kMaxDrawnFiles = 1u << 16;

bool may_draw_many_sizes(std::string_view text) {
    if (text.find("size_m") == std::string_view::npos) return false;  // size_min, size_max
    for (size_t at = 0; at < text.size();) {
        const size_t end = std::min(text.find('\n', at), text.size());
        std::string_view line = text.substr(at, end - at);
        at = end + 1;
        const size_t eq = line.find_first_of("=:");
        if (eq == std::string_view::npos) continue;
        std::string_view key = line.substr(0, eq);
        while (!key.empty() && (key.front() == ' ' || key.front() == '\t')) key.remove_prefix(1);
        while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
        if (key != "count") continue;
        std::string e;
        std::string_view value = line.substr(eq + 1);
        value = value.substr(0, value.find(';'));  // an inline comment
        if (parse_u64(value, &e).value_or(0) > kMaxDrawnFiles) return true;
    }
    return false;
}

void check_namespace(const Config& config) {
    const Namespace ns(config);
    for (const FileConfig& f : config.files) {
        const auto ino = ns.resolve(f.path);
        const auto a = ino ? ns.attr(*ino) : std::nullopt;
        require(a && !a->dir && a->size == f.size, "a [file] does not resolve to a file of its size");
    }
    uint64_t set_files = 0;
    for (const SetConfig& s : config.sets) {
        const auto ino = ns.resolve(s.dir);
        require(ino && ns.attr(*ino) && ns.attr(*ino)->dir, "a [set] dir does not resolve to a directory");
        set_files += s.count;
    }
    require(ns.total_files() == config.files.size() + set_files, "total_files is not the files and sets");
    require(ns.total_bytes() <= kMaxStreamSize, "total_bytes above 2^63-1");
}

}  // namespace
}  // namespace dgen::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace dgen::fuzz;
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (may_draw_many_sizes(text)) return 0;
    std::vector<dgen::ConfigError> errors;
    const dgen::Config config = dgen::parse_config(text, "fuzz.ini", errors);
    const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (const dgen::ConfigError& e : errors) {
        require(!e.message.empty(), "an error without a message");
        require(e.line >= 0 && e.line <= lines, "an error names a line the file does not have");
        require(e.file == "fuzz.ini", "an error names another file");
    }
    if (errors.empty()) check_namespace(config);
    return 0;
}
