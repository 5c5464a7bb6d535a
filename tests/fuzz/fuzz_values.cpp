// Fuzz target: the value grammar (values.h), set name patterns (fileset.h) and every
// config key's setter (config_keys.cpp). The first byte picks what reads the rest:
//
//   byte 0 = P < kParsers   parser P of the table below, on bytes 1..
//   byte 0 >= kParsers      config key (byte 0 - kParsers) % keys, its setter on bytes 1..
//
// Beyond "no crash, no sanitizer report", each parser's result must read back: a value
// printed the way dgen prints it parses to the same value, and a canonical form is stable.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dgen/config.h"
#include "dgen/fileset.h"
#include "dgen/values.h"
#include "fuzz_check.h"

namespace dgen::fuzz {
namespace {

constexpr int64_t kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z (values.h)

void check_u64(std::string_view t) {
    std::string e;
    const auto v = parse_u64(t, &e);
    if (!v) return require(!e.empty(), "parse_u64 failed without a message");
    std::string e2;
    require(parse_u64(std::to_string(*v), &e2) == v, "parse_u64(to_string(v)) != v");
    const auto in = parse_u64_in(t, 1, 65535, &e2);
    require(in.has_value() == (*v >= 1 && *v <= 65535), "parse_u64_in disagrees with parse_u64");
}

void check_size(std::string_view t) {
    std::string e;
    const auto v = parse_size(t, &e);
    if (!v) return require(!e.empty(), "parse_size failed without a message");
    require(!format_size(*v).empty(), "format_size gave nothing");
    std::string e2;
    require(parse_size(std::to_string(*v), &e2) == v, "parse_size(to_string(v)) != v");
    const auto in = parse_size_in(t, 512, 1u << 20, &e2);
    require(in.has_value() == (*v >= 512 && *v <= (1u << 20)), "parse_size_in disagrees with parse_size");
}

void check_real(std::string_view t) {
    std::string e;
    const auto v = parse_real(t, &e);
    if (!v) return require(!e.empty(), "parse_real failed without a message");
    require(std::isfinite(*v), "parse_real gave inf or nan");
    const std::string printed = format_number(*v);
    const auto back = parse_real(printed, &e);
    if (!back || *back != *v) property_failed("format_number(" + printed + ") does not read back");
    const auto r = parse_ratio(t, 16, &e);
    require(r.has_value() == (*v >= 1 && *v <= 16), "parse_ratio disagrees with parse_real");
}

void check_time(std::string_view t) {
    std::string e;
    const auto v = parse_time(t, &e);
    if (!v) return require(!e.empty(), "parse_time failed without a message");
    require(*v >= 0 && *v <= kMaxTime, "parse_time outside 1970..9999");
}

void check_nodes(std::string_view t) {
    std::string e;
    const auto v = parse_node_list(t, &e);
    if (!v) return require(!e.empty(), "parse_node_list failed without a message");
    std::string joined;
    for (size_t i = 0; i < v->size(); ++i) {
        require((*v)[i] <= 4095, "node number above 4095");
        for (size_t j = 0; j < i; ++j) require((*v)[i] != (*v)[j], "node listed twice");
        joined += (i ? "," : "") + std::to_string((*v)[i]);
    }
    if (!v->empty()) require(parse_node_list(joined, &e) == v, "a node list does not read back");
}

void check_words(std::string_view t) {
    const std::vector<std::string_view> words = {"auto", "all", "dgen", "zero", "loguniform"};
    std::string e;
    (void)parse_bool(t, &e);  // nothing to check beyond "returns"
    if (const auto i = parse_word(t, words, &e)) require(*i < words.size() && is_word(t, words[*i]), "parse_word");
    const std::vector<std::string> candidates(words.begin(), words.end());
    const std::string best = closest_word(t, candidates);
    require(best.empty() || std::find(candidates.begin(), candidates.end(), best) != candidates.end(),
            "closest_word gave a word not among the candidates");
}

// A canonical path has no empty, '.' or '..' component, none over 255 bytes, and reads
// back as itself.
void check_path(std::string_view t) {
    std::string e;
    const auto p = parse_dataset_path(t, &e);
    if (!p) return require(!e.empty(), "parse_dataset_path failed without a message");
    if (p->path.empty()) return;
    for (size_t at = 0; at <= p->path.size();) {
        const size_t end = std::min(p->path.find('/', at), p->path.size());
        const std::string_view c = std::string_view(p->path).substr(at, end - at);
        require(!c.empty() && c != "." && c != ".." && c.size() <= 255, "bad component in a canonical path");
        at = end + 1;
    }
    const auto again = parse_dataset_path(p->path, &e);
    require(again && again->path == p->path && !again->trailing_slash, "canonical path not stable");
}

void check_address(std::string_view t) {
    std::string e;
    const auto a = parse_listen_address(t, &e);
    if (!a) return require(!e.empty(), "parse_listen_address failed without a message");
    require(a->port >= 1 && !a->host.empty(), "address without a host or a port");
    const std::string printed =
        (a->ipv6 ? "[" + a->host + "]" : a->host) + ":" + std::to_string(a->port);
    const auto back = parse_listen_address(printed, &e);
    require(back && back->host == a->host && back->port == a->port && back->ipv6 == a->ipv6,
            "a listen address does not read back");
}

// Bytes 1..: the pattern up to the first newline, then a name to look up in it.
void check_name_pattern(std::string_view t) {
    const size_t nl = std::min(t.find('\n'), t.size());
    const std::string text(t.substr(0, nl));
    std::string e;
    const auto p = NamePattern::parse(text, &e);
    if (!p) return require(!e.empty(), "NamePattern::parse failed without a message");
    for (const uint64_t k : {uint64_t{0}, uint64_t{7}, uint64_t{1023}, uint64_t{4294967295}, UINT64_MAX}) {
        const std::string name = p->format(k);
        require(name.find('/') == std::string::npos && name.find('\0') == std::string::npos,
                "a name pattern made a name with '/' or NUL");
        if (p->index_of(name) != k) property_failed("index_of(format(" + std::to_string(k) + ")) != k");
    }
    if (nl < t.size()) {
        const std::string name(t.substr(nl + 1));
        if (const auto k = p->index_of(name)) require(p->format(*k) == name, "index_of accepted a non-canonical name");
    }
}

void check_key(const ConfigKey& k, std::string_view t) {
    DatasetConfig d;
    FileConfig f;
    SetConfig s;
    const KeyTarget target = k.allowed_in(Section::Dataset) ? KeyTarget::of(d)
                             : k.allowed_in(Section::File)  ? KeyTarget::of(f)
                                                            : KeyTarget::of(s);
    (void)k.set(target, std::string(t));
}

using Check = void (*)(std::string_view);
constexpr Check kParsers[] = {check_u64,   check_size,  check_real,    check_time,        check_nodes,
                              check_words, check_path,  check_address, check_name_pattern};
constexpr size_t kParserCount = sizeof kParsers / sizeof kParsers[0];

}  // namespace
}  // namespace dgen::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace dgen::fuzz;
    if (size == 0) return 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] < kParserCount) {
        kParsers[data[0]](text);
    } else {
        const auto& keys = dgen::config_keys();
        check_key(keys[(data[0] - kParserCount) % keys.size()], text);
    }
    return 0;
}
