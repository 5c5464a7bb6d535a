// Parsing of the sizes and ratios users type, shared by the CLI and (later) the config.
//   sizes:  4096  4KiB 1MiB 1GiB 1TiB 1PiB 1EiB  (binary; K/M/G/T/P/E alone are binary too)
//           1KB 1MB 1GB 1TB 1PB 1EB              (decimal)   suffixes are case-insensitive
//   ratios: a finite real number >= 1 ("2", "1.5")
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dgen {

// On failure returns nullopt and sets *error to a message that quotes the input.
std::optional<uint64_t> parse_size(std::string_view text, std::string* error);
std::optional<double> parse_ratio(std::string_view text, std::string* error);

// 1536 -> "1.5 KiB", 4096 -> "4 KiB", 100 -> "100 B".
std::string format_size(uint64_t bytes);

}  // namespace dgen
