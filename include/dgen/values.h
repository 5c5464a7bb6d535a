// The value grammar: how every value is written, in a config file and on a command line.
// One parser per value type. The config's key table (config.h), `dgen` and `dgenfs` all
// parse through these, so `seed = 010` in a config and `--seed 010` both mean ten.
//
//   integer  decimal, or 0x hex; leading zeros stay decimal (010 is ten)     42  0x2A  010
//   size     a decimal integer with an optional unit, or a 0x hex byte count (no unit)
//              binary: K KiB M MiB G GiB T TiB P PiB E EiB   decimal: KB MB GB TB PB EB  B
//   real     decimal, optional fraction and exponent; no hex, inf or nan    2  1.5  2.5e3
//   ratio    a real from 1 up to the key's largest value
//   bool     true/false, yes/no, on/off, 1/0
//   word     one of a key's listed words (auto, all, dgen, zero, ...)
//   time     epoch seconds, or YYYY-MM-DDTHH:MM:SSZ (UTC)
//   nodes    all, or a comma list of integers: 0,2
//   path     a path in a dataset (parse_dataset_path)
//   address  ADDR:PORT to listen on: a numeric IPv4 address, or IPv6 in brackets; port 1..65535
//
// Blanks around a value are ignored; units, booleans and words are case-insensitive.
// A parser that fails returns nullopt and sets *error to a message that quotes the value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dgen {

std::optional<uint64_t> parse_u64(std::string_view text, std::string* error);
std::optional<uint64_t> parse_u64_in(std::string_view text, uint64_t lo, uint64_t hi,
                                     std::string* error);

std::optional<uint64_t> parse_size(std::string_view text, std::string* error);
std::optional<uint64_t> parse_size_in(std::string_view text, uint64_t lo, uint64_t hi,
                                      std::string* error);

std::optional<double> parse_real(std::string_view text, std::string* error);
std::optional<double> parse_ratio(std::string_view text, double max, std::string* error);

std::optional<bool> parse_bool(std::string_view text, std::string* error);
std::optional<int64_t> parse_time(std::string_view text, std::string* error);

// "all" gives an empty list. Items are node numbers 0..4095, each at most once.
std::optional<std::vector<unsigned>> parse_node_list(std::string_view text, std::string* error);

// Whether `text` is `word`, ignoring case and surrounding blanks.
bool is_word(std::string_view text, std::string_view word);

// The index of `text` among `words` (case-insensitive), or nullopt and *error naming them.
std::optional<size_t> parse_word(std::string_view text, const std::vector<std::string_view>& words,
                                 std::string* error);

// The candidate `typed` most likely meant: one equal but for case, else the nearest
// within two edits (Levenshtein); "" if none. For "did you mean" in messages.
std::string closest_word(std::string_view typed, const std::vector<std::string>& candidates);

// A path in a dataset, as users write it in a config, on a command line or in a lookup.
// It is relative to the dataset's root, which a leading '/' also names; empty and '.'
// components are dropped (so '//a', './a' and 'a' are the same file), a trailing '/'
// says "a directory", and '..' is refused: a path cannot leave the dataset, and no tree is
// at hand to resolve it. A component is at most 255 bytes; NUL is refused.
struct DatasetPath {
    std::string path;            // canonical: "a/b"; "" is the root
    bool trailing_slash = false;  // written with a trailing '/' (names a directory)
};
std::optional<DatasetPath> parse_dataset_path(std::string_view text, std::string* error);

// ADDR:PORT (see above), split; nullopt and *error if malformed.
struct ListenAddress {
    std::string host;  // "127.0.0.1", "::1" (no brackets)
    uint16_t port = 0;
    bool ipv6 = false;
};
std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string* error);

// Text from a user (a config value, key, section name, path, command-line argument) made
// safe to print: every byte that is not printable ASCII or part of a valid UTF-8 character
// from U+00A0 on becomes \xNN, so a config cannot put terminal escape sequences (ESC,
// C1 controls, a lone byte) on a screen or in a log. Backslashes stay as they are.
std::string printable(std::string_view text);
// 'TEXT' for a message: printable(), and a value longer than `max` bytes cut there (at a
// character boundary) and ended with "…".
inline constexpr size_t kQuotedMax = 64;
std::string quote_text(std::string_view text, size_t max = kQuotedMax);

// 1536 -> "1.5 KiB", 4096 -> "4 KiB", 100 -> "100 B".
std::string format_size(uint64_t bytes);
// 1000000 -> "1000000", 1.5 -> "1.5": as short as reads back to the same double.
std::string format_number(double value);

}  // namespace dgen
