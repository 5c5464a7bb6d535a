// The value grammar (values.h). Each parser takes the text as typed, blanks around it
// ignored, and either returns the value or says what is wrong, quoting the text.
#include "dgen/values.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>

namespace dgen {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_hex_prefix(std::string_view t) {
    return t.size() >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
}

int digit_value(char c, int base) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    return d < base ? d : -1;
}

enum class Digits { Ok, None, Overflow };

// Reads the longest run of base-`base` digits at the start of `t` into *v; *used = how many.
Digits read_digits(std::string_view t, int base, uint64_t* v, size_t* used) {
    uint64_t x = 0;
    size_t i = 0;
    bool overflow = false;
    for (; i < t.size(); ++i) {
        const int d = digit_value(t[i], base);
        if (d < 0) break;
        const auto b = static_cast<uint64_t>(base), ud = static_cast<uint64_t>(d);
        if (x > (std::numeric_limits<uint64_t>::max() - ud) / b) overflow = true;
        x = x * b + ud;
    }
    *v = x;
    *used = i;
    return i == 0 ? Digits::None : overflow ? Digits::Overflow : Digits::Ok;
}

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

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil), so no time zone or libc locale can shift the result.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = y / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

constexpr int64_t kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z

}  // namespace

std::optional<uint64_t> parse_u64(std::string_view text, std::string* error) {
    const std::string_view t = trim(text);
    const bool hex = is_hex_prefix(t);
    const std::string_view digits = hex ? t.substr(2) : t;
    uint64_t v = 0;
    size_t used = 0;
    const Digits r = read_digits(digits, hex ? 16 : 10, &v, &used);
    if (r == Digits::None || used != digits.size()) {
        *error = quote_text(t) + " is not an unsigned integer (decimal, or 0x hex)";
        return std::nullopt;
    }
    if (r == Digits::Overflow) {
        *error = quote_text(t) + " does not fit in 64 bits";
        return std::nullopt;
    }
    return v;
}

std::optional<uint64_t> parse_u64_in(std::string_view text, uint64_t lo, uint64_t hi,
                                     std::string* error) {
    const auto v = parse_u64(text, error);
    if (v && (*v < lo || *v > hi)) {
        *error = quote_text(trim(text)) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi);
        return std::nullopt;
    }
    return v;
}

std::optional<uint64_t> parse_size(std::string_view text, std::string* error) {
    const std::string_view t = trim(text);
    const std::string what = "size " + quote_text(t);
    uint64_t number = 0;
    size_t used = 0;
    if (is_hex_prefix(t)) {
        const Digits r = read_digits(t.substr(2), 16, &number, &used);
        if (r == Digits::None || used + 2 != t.size()) {
            *error = what + ": a 0x hex size is a byte count of hex digits, with no unit";
            return std::nullopt;
        }
        if (r == Digits::Overflow) {
            *error = what + ": does not fit in 64 bits";
            return std::nullopt;
        }
        return number;
    }
    const Digits r = read_digits(t, 10, &number, &used);
    if (r == Digits::None) {
        *error = what + ": expected a whole number with an optional unit (4096, 4KiB, 1GB)";
        return std::nullopt;
    }
    if (used < t.size() && t[used] == '.') {
        *error = what + ": fractional sizes are not supported; use a smaller unit (1536MiB)";
        return std::nullopt;
    }
    if (r == Digits::Overflow) {
        *error = what + ": does not fit in 64 bits";
        return std::nullopt;
    }
    const std::string_view rest = trim(t.substr(used));
    const std::string suffix = lower(rest);
    for (const Suffix& s : kSuffixes) {
        if (suffix != s.text) continue;
        if (number != 0 && s.multiplier > std::numeric_limits<uint64_t>::max() / number) {
            *error = what + ": does not fit in 64 bits";
            return std::nullopt;
        }
        return number * s.multiplier;
    }
    *error = what + ": unknown unit " + quote_text(rest) +
             " (use B, KiB, MiB, GiB, TiB, PiB, EiB or KB, MB, GB, TB, PB, EB)";
    return std::nullopt;
}

std::optional<uint64_t> parse_size_in(std::string_view text, uint64_t lo, uint64_t hi,
                                      std::string* error) {
    const auto v = parse_size(text, error);
    if (v && (*v < lo || *v > hi)) {
        *error = "size " + quote_text(trim(text)) + " is outside " + format_size(lo) + ".." + format_size(hi);
        return std::nullopt;
    }
    return v;
}

// [+-] digits [. digits] [e [+-] digits], or [+-] . digits [...]: checked here, because
// strtod and from_chars would also take hex, inf, nan and (strtod) the locale's comma.
std::optional<double> parse_real(std::string_view text, std::string* error) {
    const std::string_view t = trim(text);
    size_t i = 0, mantissa = 0;
    auto digits = [&] {
        const size_t from = i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
        return i - from;
    };
    const bool negative = i < t.size() && t[i] == '-';
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    mantissa += digits();
    if (i < t.size() && t[i] == '.') {
        ++i;
        mantissa += digits();
    }
    bool shaped = mantissa > 0, tiny_exponent = false;
    if (shaped && i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        tiny_exponent = i < t.size() && t[i] == '-';
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        shaped = digits() > 0;
    }
    if (!shaped || i != t.size()) {
        *error = quote_text(t) + " is not a decimal number (1, 1.5, 2.5e3; no hex, inf or nan)";
        return std::nullopt;
    }
    const size_t from = t[0] == '+' ? 1 : 0;  // from_chars takes '-' but not '+'
    double v = 0;
    const auto [end, ec] = std::from_chars(t.data() + from, t.data() + t.size(), v);
    if (ec == std::errc::result_out_of_range) {
        if (tiny_exponent) return negative ? -0.0 : 0.0;  // below the smallest double: zero
        *error = quote_text(t) + " is out of range (beyond " +
                 format_number(std::numeric_limits<double>::max()) + ")";
        return std::nullopt;
    }
    if (ec != std::errc() || end != t.data() + t.size()) {
        *error = quote_text(t) + " is not a decimal number";
        return std::nullopt;
    }
    return v;
}

std::optional<double> parse_ratio(std::string_view text, double max, std::string* error) {
    const std::string_view t = trim(text);
    const std::string what = "ratio " + quote_text(t);
    std::string e;
    const auto v = parse_real(t, &e);
    if (!v && e.find("out of range") != std::string::npos) {
        *error = what + " is out of range: at most " + format_number(max);
        return std::nullopt;
    }
    if (!v) {
        *error = what + ": expected a decimal number >= 1 (1, 1.5, 2; no hex, inf or nan)";
        return std::nullopt;
    }
    if (*v < 1.0) {
        *error = what + ": must be >= 1 (1 means no reduction)";
        return std::nullopt;
    }
    if (*v > max) {
        *error = what + " is above " + format_number(max) + ", the largest supported";
        return std::nullopt;
    }
    return v;
}

std::optional<bool> parse_bool(std::string_view text, std::string* error) {
    const std::string l = lower(trim(text));
    for (const char* t : {"true", "yes", "on", "1"})
        if (l == t) return true;
    for (const char* f : {"false", "no", "off", "0"})
        if (l == f) return false;
    *error = quote_text(trim(text)) + " is not a boolean (true/false, yes/no, on/off, 1/0)";
    return std::nullopt;
}

std::optional<int64_t> parse_time(std::string_view text, std::string* error) {
    const std::string_view v = trim(text);
    const std::string bad = quote_text(v) + " is not a time (epoch seconds, or YYYY-MM-DDTHH:MM:SSZ in UTC)";
    if (!v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        const auto x = parse_u64(v, error);
        if (x && *x > static_cast<uint64_t>(kMaxTime)) {
            *error = quote_text(v) + " is after 9999-12-31T23:59:59Z";
            return std::nullopt;
        }
        return x ? std::optional<int64_t>(static_cast<int64_t>(*x)) : std::nullopt;
    }
    static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";  // d: a digit
    bool shaped = v.size() == kShape.size();
    for (size_t i = 0; shaped && i < v.size(); ++i)
        shaped = kShape[i] == 'd' ? v[i] >= '0' && v[i] <= '9' : v[i] == kShape[i];
    if (!shaped) {
        *error = bad;
        return std::nullopt;
    }
    auto num = [&](size_t at, size_t n) {
        unsigned x = 0;
        for (size_t i = at; i < at + n; ++i) x = x * 10 + static_cast<unsigned>(v[i] - '0');
        return x;
    };
    const unsigned y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
                   s = num(17, 2);
    static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap) ||
        h > 23 || mi > 59 || s > 59) {
        *error = quote_text(v) + " is not a valid UTC time from 1970 to 9999";
        return std::nullopt;
    }
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

std::optional<std::vector<unsigned>> parse_node_list(std::string_view text, std::string* error) {
    const std::string_view t = trim(text);
    std::vector<unsigned> nodes;
    if (is_word(t, "all")) return nodes;
    const std::string how = " (write all, or node numbers 0..4095 separated by commas: 0,2)";
    for (size_t at = 0;;) {
        const size_t comma = std::min(t.find(',', at), t.size());
        const std::string_view item = trim(t.substr(at, comma - at));
        std::string e;
        const auto n = parse_u64_in(item, 0, 4095, &e);
        if (!n) {
            *error = quote_text(t) + ": " + (item.empty() ? "an empty item" : "item " + quote_text(item) +
                                                                             " is not a node number") + how;
            return std::nullopt;
        }
        if (std::find(nodes.begin(), nodes.end(), *n) != nodes.end()) {
            *error = quote_text(t) + ": node " + std::to_string(*n) + " is listed twice";
            return std::nullopt;
        }
        nodes.push_back(static_cast<unsigned>(*n));
        if (comma == t.size()) break;
        at = comma + 1;
    }
    return nodes;
}

bool is_word(std::string_view text, std::string_view word) { return lower(trim(text)) == lower(word); }

std::optional<size_t> parse_word(std::string_view text, const std::vector<std::string_view>& words,
                                 std::string* error) {
    std::string all;
    for (size_t i = 0; i < words.size(); ++i) {
        if (is_word(text, words[i])) return i;
        all += (i ? ", " : "") + std::string(words[i]);
    }
    *error = quote_text(trim(text)) + " is not one of: " + all;
    return std::nullopt;
}

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string closest_word(std::string_view typed, const std::vector<std::string>& candidates) {
    const std::string* best = nullptr;
    size_t best_d = 3;
    for (const std::string& c : candidates) {
        const size_t d = lower(typed) == lower(c) ? 0 : edit_distance(typed, c);
        if (d < best_d) best = &c, best_d = d;
    }
    return best ? *best : "";
}

std::optional<DatasetPath> parse_dataset_path(std::string_view text, std::string* error) {
    const std::string q = "path " + quote_text(text) + " ";
    const char* why = nullptr;
    DatasetPath p;
    if (text.empty()) why = "is empty";
    else if (text.find('\0') != std::string_view::npos) why = "contains a NUL byte";
    for (size_t at = 0; !why && at <= text.size();) {
        const size_t end = std::min(text.find('/', at), text.size());
        const std::string_view c = text.substr(at, end - at);
        const bool last = end == text.size();
        if (c == "..") {
            why = "has a '..' component; a path cannot leave the dataset (write it from the root)";
        } else if (c.size() > 255) {
            why = "has a component longer than 255 bytes";
        } else if (!c.empty() && c != ".") {
            p.path.append(p.path.empty() ? "" : "/").append(c);
        } else if (last && at > 0) {
            p.trailing_slash = true;  // "a/" or "a/.": the directory a
        }
        at = end + 1;
    }
    if (!why) return p;
    *error = q + why;
    return std::nullopt;
}

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string* error) {
    const std::string t(trim(text));
    ListenAddress a;
    std::string port;
    const size_t colon = t.rfind(':');
    if (!t.empty() && t[0] == '[') {
        const size_t close = t.find(']');
        if (close != std::string::npos && close + 1 == colon) {
            a.host = t.substr(1, close - 1);
            a.ipv6 = true;
        }
    } else if (colon != std::string::npos && t.find(':') == colon) {
        a.host = t.substr(0, colon);
    }
    if (colon != std::string::npos) port = t.substr(colon + 1);
    in6_addr any;
    const bool host_ok = !a.host.empty() && inet_pton(a.ipv6 ? AF_INET6 : AF_INET, a.host.c_str(), &any) == 1;
    std::string e;
    const auto p = host_ok ? parse_u64_in(port, 1, 65535, &e) : std::nullopt;
    if (p) {
        a.port = static_cast<uint16_t>(*p);
        return a;
    }
    *error = "address " + quote_text(text) + " is not ADDR:PORT with a numeric address and a port "
             "1..65535 (127.0.0.1:9464, 0.0.0.0:9464, [::1]:9464)";
    return std::nullopt;
}

namespace {

// The length of the valid UTF-8 character at the start of `s` whose code point is at
// least U+00A0 (so not a C1 control), or 0.
size_t utf8_printable_length(std::string_view s) {
    const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = b(0);
    const size_t n = c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || s.size() < n) return 0;
    uint32_t cp = c & (0x7Fu >> n);
    for (size_t i = 1; i < n; ++i) {
        if ((b(i) & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (b(i) & 0x3F);
    }
    const uint32_t least[] = {0, 0, 0xA0, 0x800, 0x10000};  // below: overlong, or C1
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        size_t n = c >= 0x20 && c < 0x7F ? 1 : utf8_printable_length(text.substr(i));
        if (n > 0) {
            out.append(text.substr(i, n));
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out.append(hex);
            n = 1;
        }
        i += n;
    }
    return out;
}

std::string quote_text(std::string_view text, size_t max) {
    bool cut = false;
    if (text.size() > max) {
        size_t end = max;  // back to the start of a character, not into one
        while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
        text = text.substr(0, end);
        cut = true;
    }
    std::string q(1, '\'');  // not "'" + s + "'": GCC 12 warns falsely (-Wrestrict) on that
    q.append(printable(text));
    if (cut) q.append("\u2026");
    q.push_back('\'');
    return q;
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

std::string format_number(double value) {
    char buf[400];
    const auto fmt = std::fabs(value) < 1e16 ? std::chars_format::fixed : std::chars_format::general;
    const auto r = std::to_chars(buf, buf + sizeof buf, value, fmt);
    return std::string(buf, r.ptr);
}

}  // namespace dgen
