// The command line and the config read every shared key the same way: each value below
// goes through `dgen`'s stream options (the code cat and check use) and through a config
// file, and both must give the same stream parameters, or the same error message.
// Regression: `--seed 010` was 8 (octal) on the command line and 10 in a config.
#include <gtest/gtest.h>

#include <sstream>

#include "common.h"
#include "dgen/config.h"

namespace dgen {
namespace {

struct Outcome {
    bool ok = false;
    std::string text;  // the parameters, or the error without its "where" prefix
};

std::string describe(const StreamParams& p) {
    std::ostringstream o;
    o.precision(17);
    o << "seed=" << p.seed << " size=" << p.size << " unit=" << p.unit << " dedup=" << p.dedup
      << " compress=" << p.compress << " dedup_run=" << p.dedup_run << " format=" << p.format
      << " name=" << p.name;
    return o.str();
}

std::string drop_prefix(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : s;
}

// [file] f of a config whose only non-default is `key = value` (size 1 MiB otherwise).
Outcome via_config(const std::string& key, const std::string& value) {
    std::string text = "[file]\npath = f\n";
    text += key == "size" ? "size = " + value + "\n" : "size = 1MiB\n" + key + " = " + value + "\n";
    std::vector<ConfigError> errors;
    const Config c = parse_config(text, "t.ini", errors);
    if (!errors.empty()) {
        std::string m = drop_prefix(errors[0].message, "[file] " + key + ": ");
        return {false, drop_prefix(m, "[file] 'f': ")};
    }
    StreamParams p = effective_params(c.dataset, c.files[0].over);
    p.size = c.files[0].size;
    p.name = c.files[0].path;
    return {true, describe(p)};
}

// dgen's stream options, as `dgen cat --stream f --size 1MiB --FLAG=value` parses them.
Outcome via_cli(const std::string& key, const std::string& value) {
    CLI::App app;
    cli::StreamOptions o;
    o.add_to(app, 0);
    std::string flag = "--" + key;
    for (char& c : flag)
        if (c == '_') c = '-';
    std::vector<std::string> args = {"--stream", "f"};
    if (key != "size") args.insert(args.end(), {"--size", "1MiB"});
    // --flag=VALUE, so that values like -1 stay values; CLI11 reads "--flag=" as a flag
    // with its value missing, so an empty value is given as a word of its own.
    if (value.empty())
        args.insert(args.end(), {flag, ""});
    else
        args.push_back(flag + "=" + value);
    std::vector<const char*> argv = {"dgen"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    try {
        app.parse(static_cast<int>(argv.size()), argv.data());
        return {true, describe(o.params(app))};
    } catch (const CLI::ParseError& e) {
        return {false, drop_prefix(e.what(), flag + ": ")};
    } catch (const cli::UsageError& e) {
        return {false, e.what()};
    }
}

const char* const kKeys[] = {"seed", "size", "unit", "dedup", "compress", "dedup_run", "format"};

// Leading zeros, hex, every size unit, reals, words, blanks, and values that are wrong
// for one reason or another.
const char* const kValues[] = {
    "0", "1", "2", "3", "010", "0010", "08", "0x10", "0X1f", "0x0", "0x", "0x1G", "0x10KiB",
    "1e3", "1E1", "1.5", "01.5", "2.5e0", ".5", "16", "17", "1000000", "2000000", "1e309",
    "1e-400", "0.5", "-1", "+1", "-0", "nan", "NaN", "inf", "-inf", "1,5", "two", "", "  2  ",
    "512", "4096", "04096", "6144", "8192", "12288", "4KiB", "4kib", "4K", "4k", "8KiB",
    "12KiB", "6KiB", "64KiB", "1MiB", "1MB", "2MiB", "1GiB", "1GB", "1TiB", "1TB", "2TiB",
    "1PiB", "1PB", "1EiB", "1EB", "8EiB", "16EiB", "7B", "3 mib", "1.5GiB", "0x1000",
    "18446744073709551615", "18446744073709551616", "unit", "UNIT", "auto", "4QB", "KiB"};

TEST(CliConfig, EverySharedKeyReadsTheSameBothWays) {
    size_t compared = 0, accepted = 0;
    for (const char* key : kKeys) {
        for (const char* value : kValues) {
            SCOPED_TRACE(std::string(key) + " = '" + value + "'");
            const Outcome c = via_config(key, value), l = via_cli(key, value);
            EXPECT_EQ(c.ok, l.ok) << "config: " << c.text << "\ncli:    " << l.text;
            EXPECT_EQ(c.text, l.text);
            ++compared;
            accepted += c.ok;
        }
    }
    // Both kinds of outcome were exercised, in numbers.
    EXPECT_GT(accepted, 100u);
    EXPECT_GT(compared - accepted, 200u);
}

TEST(CliConfig, KnownValues) {
    // Pinned, so that "the same both ways" cannot mean "wrong both ways".
    EXPECT_EQ(via_cli("seed", "010").text, via_cli("seed", "10").text);
    EXPECT_NE(via_cli("seed", "010").text, via_cli("seed", "8").text);
    EXPECT_NE(via_cli("seed", "010").text.find("seed=10 "), std::string::npos);
    EXPECT_NE(via_cli("seed", "0x10").text.find("seed=16 "), std::string::npos);
    EXPECT_NE(via_cli("size", "0x10").text.find("size=16 "), std::string::npos);
    EXPECT_NE(via_cli("size", "1EB").text.find("size=1000000000000000000 "), std::string::npos);
    EXPECT_NE(via_cli("dedup_run", "64KiB").text.find("dedup_run=65536 "), std::string::npos);
    EXPECT_EQ(via_cli("dedup", "0x10").text,
              "ratio '0x10': expected a decimal number >= 1 (1, 1.5, 2; no hex, inf or nan)");
    EXPECT_EQ(via_cli("dedup", "1e309").text, "ratio '1e309' is out of range: at most 1000000");
    EXPECT_EQ(via_cli("size", "0x10KiB").text,
              "size '0x10KiB': a 0x hex size is a byte count of hex digits, with no unit");
    EXPECT_EQ(via_cli("dedup_run", "6KiB").text,
              "dedup_run 6 KiB must be a multiple of the unit (4 KiB), at most 1 TiB");
}

}  // namespace
}  // namespace dgen
