#include "dgen/size_parse.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace dgen {
namespace {

struct Suffix {
    const char* text;
    uint64_t multiplier;
};

constexpr Suffix kSuffixes[] = {
    {"", 1},          {"b", 1},
    {"k", 1ull << 10}, {"kib", 1ull << 10}, {"kb", 1000ull},
    {"m", 1ull << 20}, {"mib", 1ull << 20}, {"mb", 1000000ull},
    {"g", 1ull << 30}, {"gib", 1ull << 30}, {"gb", 1000000000ull},
    {"t", 1ull << 40}, {"tib", 1ull << 40}, {"tb", 1000000000000ull},
    {"p", 1ull << 50}, {"pib", 1ull << 50}, {"pb", 1000000000000000ull},
    {"e", 1ull << 60}, {"eib", 1ull << 60}, {"eb", 1000000000000000000ull},
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

std::optional<uint64_t> parse_size(std::string_view text, std::string* error) {
    const std::string quoted = "size '" + std::string(text) + "'";
    size_t i = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == 0) {
        *error = quoted + ": expected a whole number with an optional unit (4096, 4KiB, 1GB)";
        return std::nullopt;
    }
    if (i < text.size() && text[i] == '.') {
        *error = quoted + ": fractional sizes are not supported; use a smaller unit (1536MiB)";
        return std::nullopt;
    }
    uint64_t number = 0;
    for (size_t j = 0; j < i; ++j) {
        const uint64_t digit = static_cast<uint64_t>(text[j] - '0');
        if (number > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
            *error = quoted + ": does not fit in 64 bits";
            return std::nullopt;
        }
        number = number * 10 + digit;
    }
    std::string_view rest = text.substr(i);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const std::string suffix = lower(rest);
    for (const Suffix& s : kSuffixes) {
        if (suffix != s.text) continue;
        if (number != 0 && s.multiplier > std::numeric_limits<uint64_t>::max() / number) {
            *error = quoted + ": does not fit in 64 bits";
            return std::nullopt;
        }
        return number * s.multiplier;
    }
    *error = quoted + ": unknown unit '" + std::string(rest) +
             "' (use B, KiB, MiB, GiB, TiB, PiB, EiB or KB, MB, GB, TB, PB, EB)";
    return std::nullopt;
}

std::optional<double> parse_ratio(std::string_view text, std::string* error) {
    const std::string s(text);
    const std::string quoted = "ratio '" + s + "'";
    char* end = nullptr;
    errno = 0;
    const double v = s.empty() ? 0.0 : std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE) {
        *error = quoted + ": expected a number >= 1 (1, 1.5, 2)";
        return std::nullopt;
    }
    if (std::isnan(v) || std::isinf(v)) {
        *error = quoted + ": must be a finite number >= 1";
        return std::nullopt;
    }
    if (v < 1.0) {
        *error = quoted + ": must be >= 1 (1 means no reduction)";
        return std::nullopt;
    }
    return v;
}

std::string format_size(uint64_t bytes) {
    static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    double v = static_cast<double>(bytes);
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    if (u == 0 || v == std::floor(v))
        std::snprintf(buf, sizeof buf, "%.0f %s", v, kUnits[u]);
    else
        std::snprintf(buf, sizeof buf, "%.3g %s", v, kUnits[u]);
    return buf;
}

}  // namespace dgen
