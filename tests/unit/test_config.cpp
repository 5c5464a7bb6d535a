// The config parser: exact values for good files, and for bad ones the exact line and a
// message naming the key and value. The key table is checked against itself, the structs'
// defaults, docs/CONFIG.md and the shipped configs, so none of them can drift.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "dgen/config.h"
#include "dgen/fileset.h"

namespace dgen {
namespace {

namespace fs = std::filesystem;

std::string join(const std::vector<ConfigError>& errors) {
    std::string out;
    for (const ConfigError& e : errors) out += "\n  " + e.str();
    return out;
}

std::vector<ConfigError> errors_of(const std::string& text) {
    std::vector<ConfigError> errors;
    parse_config(text, "test.ini", errors);
    return errors;
}

Config parse_ok(const std::string& text) {
    std::vector<ConfigError> errors;
    Config c = parse_config(text, "test.ini", errors);
    EXPECT_TRUE(errors.empty()) << "unexpected errors:" << join(errors) << "\nin:\n" << text;
    return c;
}

// Exactly one error, at `line`, whose message holds every one of `parts`.
void expect_error(const std::string& text, int line, std::initializer_list<std::string> parts) {
    const auto errors = errors_of(text);
    ASSERT_EQ(errors.size(), 1u) << "want one error at line " << line << ", got:" << join(errors)
                                 << "\nin:\n" << text;
    EXPECT_EQ(errors[0].file, "test.ini");
    EXPECT_EQ(errors[0].line, line) << errors[0].str() << "\nin:\n" << text;
    for (const std::string& p : parts)
        EXPECT_NE(errors[0].message.find(p), std::string::npos)
            << "message lacks '" << p << "': " << errors[0].str();
}

// Every value a config ends up with, overrides resolved, as one comparable string.
std::string describe(const Config& c) {
    std::ostringstream o;
    auto params = [&](const StreamParams& p, Pattern pat) {
        o << " seed=" << p.seed << " unit=" << p.unit << " dedup=" << p.dedup
          << " compress=" << p.compress << " format=" << p.format << " dedup_run=" << p.dedup_run
          << " host=" << p.host << " pattern=" << (pat == Pattern::Zero ? "zero" : "dgen");
    };
    const DatasetConfig& d = c.dataset;
    o << "dataset";
    params(effective_params(d, {}), d.pattern);
    o << " mtime=" << d.mtime << " direct_io=" << d.direct_io << " page_cache_max=" << d.page_cache_max
      << " skip_open=" << (d.skip_open ? (*d.skip_open ? "true" : "false") : "auto") << " readahead=" << d.readahead
      << " workers_per_node=" << d.workers_per_node << " max_read=" << d.max_read
      << " pool_size=" << d.pool_size << " per_node_mount=" << d.per_node_mount
      << " host_seed=" << static_cast<int>(d.host_seed) << " mountpoint=" << d.mountpoint
      << " verify_area=" << d.verify_area
      << " verify_mountpoint=" << d.verify_mountpoint << " transport=" << static_cast<int>(d.transport) << " metrics_listen=" << d.metrics_listen << " numa_nodes=";
    for (unsigned n : d.numa_nodes) o << n << ",";
    o << "\n";
    for (const FileConfig& f : c.files) {
        o << "file " << f.path << " size=" << f.size;
        params(effective_params(d, f.over), effective_pattern(d, f.over));
        o << "\n";
    }
    for (const SetConfig& s : c.sets) {
        o << "set " << s.dir << " name=" << s.name << " count=" << s.count
          << " dist=" << static_cast<int>(s.size_dist) << " size=" << s.size
          << " min=" << s.size_min << " max=" << s.size_max
          << " draw=" << static_cast<int>(s.size_draw) << " fpd=" << s.files_per_dir
          << " dpd=" << s.dirs_per_dir;
        params(effective_params(d, s.over), effective_pattern(d, s.over));
        o << "\n";
    }
    return o.str();
}

fs::path repo_root() { return fs::path(__FILE__).parent_path() / ".." / ".."; }

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// ---------------------------------------------------------------------------------------

TEST(ConfigParse, EmptySectionsGiveTheDocumentedDefaults) {
    const Config c = parse_ok("[dataset]\n");
    EXPECT_EQ(c.source, "test.ini");
    EXPECT_EQ(c.dataset.seed, 0u);
    EXPECT_EQ(c.dataset.unit, 4096u);
    EXPECT_EQ(c.dataset.dedup, 1.0);
    EXPECT_EQ(c.dataset.compress, 1.0);
    EXPECT_EQ(c.dataset.format, 2);
    EXPECT_EQ(c.dataset.dedup_run, 0u);  // one unit
    EXPECT_EQ(c.dataset.pattern, Pattern::Dgen);
    EXPECT_EQ(c.dataset.mtime, 1767225600);  // 2026-01-01T00:00:00Z
    EXPECT_TRUE(c.dataset.direct_io);
    EXPECT_EQ(c.dataset.readahead, 1u << 20);
    EXPECT_EQ(c.dataset.workers_per_node, 0u);  // auto
    EXPECT_TRUE(c.dataset.numa_nodes.empty());
    EXPECT_EQ(c.dataset.pool_size, 0u);
    EXPECT_FALSE(c.dataset.per_node_mount);
    EXPECT_EQ(c.dataset.max_read, 1u << 20);
    EXPECT_TRUE(c.files.empty());
    EXPECT_TRUE(c.sets.empty());
    EXPECT_EQ(describe(parse_ok("")), describe(c));
}

TEST(ConfigParse, DatasetKeysTakeExactValues) {
    const Config c = parse_ok(
        "[dataset]\n"
        "seed = 0xDEADbeef00000001\n"
        "unit = 64KiB\n"
        "dedup = 2.5\n"
        "compress = 3\n"
        "format = 1\n"
        "pattern = zero\n"
        "mtime = 2000-02-29T12:34:56Z\n"
        "direct_io = off\n"
        "readahead = 0\n"
        "workers_per_node = 8\n"
        "numa_nodes = 0,2\n"
        "pool_size = 64MiB\n"
        "per_node_mount = yes\n"
        "max_read = 128KiB\n");
    EXPECT_EQ(c.dataset.seed, 0xDEADBEEF00000001ull);
    EXPECT_EQ(c.dataset.unit, 65536u);
    EXPECT_EQ(c.dataset.dedup, 2.5);
    EXPECT_EQ(c.dataset.compress, 3.0);
    EXPECT_EQ(c.dataset.pattern, Pattern::Zero);
    EXPECT_EQ(c.dataset.mtime, 951827696);
    EXPECT_FALSE(c.dataset.direct_io);
    EXPECT_EQ(c.dataset.readahead, 0u);
    EXPECT_EQ(c.dataset.workers_per_node, 8u);
    EXPECT_EQ(c.dataset.numa_nodes, (std::vector<unsigned>{0, 2}));
    EXPECT_EQ(c.dataset.pool_size, 64u << 20);
    EXPECT_TRUE(c.dataset.per_node_mount);
    EXPECT_EQ(c.dataset.max_read, 131072u);
}

TEST(ConfigParse, ValueSpellings) {
    EXPECT_EQ(parse_ok("[dataset]\nseed = 18446744073709551615").dataset.seed, UINT64_MAX);
    EXPECT_EQ(parse_ok("[dataset]\nseed = 0xffffffffffffffff").dataset.seed, UINT64_MAX);
    EXPECT_EQ(parse_ok("[dataset]\nseed = 42").dataset.seed, 42u);
    EXPECT_EQ(parse_ok("[dataset]\nmtime = 0").dataset.mtime, 0);
    EXPECT_EQ(parse_ok("[dataset]\nmtime = 1767225600").dataset.mtime, 1767225600);
    EXPECT_EQ(parse_ok("[dataset]\nmtime = 1970-01-01T00:00:00Z").dataset.mtime, 0);
    EXPECT_EQ(parse_ok("[dataset]\nmtime = 9999-12-31T23:59:59Z").dataset.mtime, 253402300799);
    for (const char* t : {"true", "YES", "on", "1"})
        EXPECT_TRUE(parse_ok(std::string("[dataset]\ndirect_io = ") + t).dataset.direct_io) << t;
    for (const char* f : {"false", "No", "OFF", "0"})
        EXPECT_FALSE(parse_ok(std::string("[dataset]\ndirect_io = ") + f).dataset.direct_io) << f;
    EXPECT_EQ(parse_ok("[dataset]\nunit = 512").dataset.unit, 512u);
    EXPECT_EQ(parse_ok("[dataset]\nunit = 1MiB").dataset.unit, 1u << 20);
    EXPECT_EQ(parse_ok("[dataset]\ndedup = 1000000").dataset.dedup, 1e6);
    EXPECT_EQ(parse_ok("[dataset]\ncompress = 16").dataset.compress, 16.0);
    EXPECT_EQ(parse_ok("[dataset]\nreadahead = 64MiB").dataset.readahead, 64u << 20);
    EXPECT_EQ(parse_ok("[dataset]\nworkers_per_node = 256").dataset.workers_per_node, 256u);
    EXPECT_EQ(parse_ok("[dataset]\nworkers_per_node = auto").dataset.workers_per_node, 0u);
    EXPECT_TRUE(parse_ok("[dataset]\nnuma_nodes = all").dataset.numa_nodes.empty());
    EXPECT_EQ(parse_ok("[dataset]\nmax_read = 4KiB").dataset.max_read, 4096u);
    // One grammar for every key (values.h): leading zeros are decimal, words any case.
    EXPECT_EQ(parse_ok("[dataset]\nseed = 010").dataset.seed, 10u);
    EXPECT_EQ(parse_ok("[dataset]\nworkers_per_node = AUTO").dataset.workers_per_node, 0u);
    EXPECT_EQ(parse_ok("[dataset]\npattern = ZERO").dataset.pattern, Pattern::Zero);
    EXPECT_EQ(parse_ok("[dataset]\nnuma_nodes = All").dataset.numa_nodes.size(), 0u);
    EXPECT_EQ(parse_ok("[dataset]\npool_size = Auto").dataset.pool_size, 0u);
    EXPECT_EQ(parse_ok("[dataset]\nreadahead = 0x1000").dataset.readahead, 4096u);
    EXPECT_EQ(parse_ok("[dataset]\ndedup_run = 64KiB").dataset.dedup_run, 65536u);
    EXPECT_EQ(parse_ok("[dataset]\ndedup_run = UNIT").dataset.dedup_run, 0u);
    EXPECT_EQ(parse_ok("[dataset]\nformat = 1").dataset.format, 1);
    EXPECT_EQ(parse_ok("[set]\ndir=d\ncount=1\nsize_min=1\nsize_max=2\nsize_dist=LogUniform")
                  .sets[0].size_dist, SizeDist::LogUniform);
}

// One path normaliser (values.h): a path is stored, and named to the generator, in one
// spelling, so './a', '/a' and 'a' are the same file with the same bytes.
TEST(ConfigParse, PathsAreStoredCanonical) {
    const Config c = parse_ok("[file]\npath = /a//./b.bin\nsize = 1\n[set]\ndir = ./s/\ncount = 1\nsize = 1\n");
    EXPECT_EQ(c.files[0].path, "a/b.bin");
    EXPECT_EQ(c.sets[0].dir, "s");
    // 255-byte components: lines well past inih's built-in 199 bytes.
    const std::string part(255, 'p');
    const std::string deep = part + "/" + part + "/" + part;
    EXPECT_EQ(parse_ok("[file]\nsize = 1\npath = " + deep + "\n").files[0].path, deep);
    // Two spellings of one path collide.
    expect_error("[file]\npath = a\nsize = 1\n[file]\npath = ./a\nsize = 1\n", 5, {"file 'a'", "line 2"});
}

TEST(ConfigParse, FileOverridesAndInheritance) {
    const Config c = parse_ok(
        "[dataset]\n"
        "seed = 7\n"
        "dedup = 2\n"
        "[file]\n"
        "path = a/b.bin\n"
        "size = 1GiB\n"
        "compress = 4\n"
        "unit = 8KiB\n"
        "pattern = zero\n");
    ASSERT_EQ(c.files.size(), 1u);
    const FileConfig& f = c.files[0];
    EXPECT_EQ(f.path, "a/b.bin");
    EXPECT_EQ(f.size, 1ull << 30);
    EXPECT_EQ(f.line, 4);
    EXPECT_FALSE(f.over.seed.has_value());
    EXPECT_FALSE(f.over.dedup.has_value());
    EXPECT_FALSE(f.over.format.has_value());
    EXPECT_EQ(f.over.compress, 4.0);
    EXPECT_EQ(f.over.unit, 8192u);
    const StreamParams p = effective_params(c.dataset, f.over);
    EXPECT_EQ(p.seed, 7u);
    EXPECT_EQ(p.dedup, 2.0);
    EXPECT_EQ(p.compress, 4.0);
    EXPECT_EQ(p.unit, 8192u);
    EXPECT_EQ(p.format, 2);
    EXPECT_EQ(p.dedup_run, 0u);
    EXPECT_EQ(p.size, 0u);           // left for the caller
    EXPECT_EQ(p.name, "stream");     // likewise
    EXPECT_EQ(effective_pattern(c.dataset, f.over), Pattern::Zero);
    EXPECT_EQ(effective_pattern(c.dataset, {}), Pattern::Dgen);
}

TEST(ConfigParse, ConsecutiveFileSectionsAreSeparateFiles) {
    const Config c = parse_ok(
        "[file]\n"
        "path = one\n"
        "size = 1\n"
        "[file]\n"
        "path = two\n"
        "size = 2\n"
        "seed = 9\n");
    ASSERT_EQ(c.files.size(), 2u);
    EXPECT_EQ(c.files[0].path, "one");
    EXPECT_EQ(c.files[0].size, 1u);
    EXPECT_EQ(c.files[0].line, 1);
    EXPECT_FALSE(c.files[0].over.seed.has_value());
    EXPECT_EQ(c.files[1].path, "two");
    EXPECT_EQ(c.files[1].size, 2u);
    EXPECT_EQ(c.files[1].line, 4);
    EXPECT_EQ(c.files[1].over.seed, 9u);
}

TEST(ConfigParse, FixedSizeSetWithDefaults) {
    const Config c = parse_ok(
        "[dataset]\n"
        "seed = 5\n"
        "[set]\n"
        "dir = many\n"
        "count = 100000\n"
        "size = 4KiB\n");
    ASSERT_EQ(c.sets.size(), 1u);
    const SetConfig& s = c.sets[0];
    EXPECT_EQ(s.dir, "many");
    EXPECT_EQ(s.name, "f%08u");
    EXPECT_EQ(s.count, 100000u);
    EXPECT_EQ(s.size_dist, SizeDist::Fixed);
    EXPECT_EQ(s.size, 4096u);
    EXPECT_EQ(s.files_per_dir, 1000u);
    EXPECT_EQ(s.dirs_per_dir, 100u);
    EXPECT_EQ(s.line, 3);
    EXPECT_EQ(effective_params(c.dataset, s.over).seed, 5u);  // a set inherits the seed
}

TEST(ConfigParse, DrawnSizeSets) {
    const Config c = parse_ok(
        "[set]\n"
        "dir = u\n"
        "count = 10\n"
        "size_min = 1KiB\n"
        "size_max = 1MiB\n"
        "[set]\n"
        "dir = l\n"
        "name = file-%u.dat\n"
        "count = 4294967296\n"
        "size_min = 0\n"
        "size_max = 0\n"
        "size_dist = loguniform\n"
        "size_draw = stratified\n"
        "files_per_dir = 4294967296\n"
        "dirs_per_dir = 65536\n"
        "seed = 0x10\n");
    ASSERT_EQ(c.sets.size(), 2u);
    EXPECT_EQ(c.sets[0].size_dist, SizeDist::Uniform);  // the default with size_min/size_max
    EXPECT_EQ(c.sets[0].size_draw, SizeDrawMode::Independent);
    EXPECT_EQ(c.sets[1].size_draw, SizeDrawMode::Stratified);
    EXPECT_EQ(c.sets[0].size_min, 1024u);
    EXPECT_EQ(c.sets[0].size_max, 1u << 20);
    EXPECT_EQ(c.sets[1].size_dist, SizeDist::LogUniform);
    EXPECT_EQ(c.sets[1].name, "file-%u.dat");
    EXPECT_EQ(c.sets[1].count, 1ull << 32);
    EXPECT_EQ(c.sets[1].files_per_dir, 1ull << 32);
    EXPECT_EQ(c.sets[1].dirs_per_dir, 65536u);
    EXPECT_EQ(effective_params(c.dataset, c.sets[1].over).seed, 16u);
    EXPECT_EQ(parse_ok("[set]\ndir=d\ncount=1\nsize=5\nsize_dist=fixed").sets[0].size, 5u);
    EXPECT_EQ(parse_ok("[set]\ndir=d\ncount=1\nsize_min=1\nsize_max=2\nsize_dist=uniform")
                  .sets[0].size_dist, SizeDist::Uniform);
    EXPECT_EQ(parse_ok("[set]\ndir=d\ncount=1\nsize_min=1\nsize_max=2\nsize_draw=Independent")
                  .sets[0].size_draw, SizeDrawMode::Independent);
    EXPECT_EQ(parse_ok("[set]\ndir=d\ncount=1\nsize=5\nsize_draw=independent").sets[0].size_draw,
              SizeDrawMode::Independent);
}

TEST(ConfigParse, CommentsBlanksIndentationAndLineEndings) {
    const std::string text =
        "\xEF\xBB\xBF; a comment\r\n"
        "# another comment\r\n"
        "\r\n"
        "[dataset]   ; trailing comment\r\n"
        "  seed = 3 ; inline comment\r\n"
        "\tdedup: 2\r\n"
        "   \r\n"
        "[file]\r\n"
        "    path = x y/z\r\n"
        "    size = 10 MB\r\n";
    const Config c = parse_ok(text);
    EXPECT_EQ(c.dataset.seed, 3u);
    EXPECT_EQ(c.dataset.dedup, 2.0);
    ASSERT_EQ(c.files.size(), 1u);
    EXPECT_EQ(c.files[0].path, "x y/z");
    EXPECT_EQ(c.files[0].size, 10000000u);
    EXPECT_EQ(c.files[0].line, 8);
}

// ---------------------------------------------------------------------------------------

TEST(ConfigErrors, PathsMayNotStartWithTheMountsOwnTrees) {
    expect_error("[file]\npath = .dgen/stats.json\nsize = 1\n", 2, {"file '.dgen/stats.json'", "reserves for its statistics"});
    expect_error("[set]\ndir = /.verify\ncount = 1\nsize = 1\n", 2, {"set dir '.verify'", "reserves for its verify area"});
    parse_ok("[file]\npath = a/.dgen\nsize = 1\n[file]\npath = .verify2\nsize = 1\n");
}

TEST(ConfigErrors, MetricsListenIsAnAddress) {
    expect_error("[dataset]\nmetrics_listen = localhost:9464\n[file]\npath = a\nsize = 1\n", 2,
                 {"metrics_listen", "'localhost:9464' is not ADDR:PORT"});
    EXPECT_EQ(parse_ok("[dataset]\nmetrics_listen = [::]:9464\n[file]\npath = a\nsize = 1\n").dataset.metrics_listen, "[::]:9464");
}

TEST(ConfigErrors, StrHasFileAndLine) {
    EXPECT_EQ((ConfigError{"x.ini", 3, "bad"}).str(), "x.ini:3: bad");
    EXPECT_EQ((ConfigError{"x.ini", 0, "bad"}).str(), "x.ini: bad");
}

TEST(ConfigErrors, UnknownSectionSuggestsTheClosest) {
    expect_error("[dataset]\n[fiel]\npath = a\n", 2, {"unknown section [fiel]", "did you mean [file]"});
    expect_error("[global]\nseed = 1\n", 1, {"unknown section [global]", "[dataset], [file], [set]"});
    expect_error("[FILE]\npath = a\nsize = 1\n", 1, {"unknown section [FILE]", "did you mean [file]", "lower case"});
    expect_error("[dataset]\nSeed = 1\n", 2, {"unknown key 'Seed'", "did you mean 'seed'"});
}

TEST(ConfigErrors, UnknownKeyNamesTheSectionAndSuggests) {
    expect_error("[dataset]\nsede = 1\n", 2, {"unknown key 'sede'", "[dataset]", "did you mean 'seed'"});
    expect_error("[set]\ndir=d\ncount=1\nsize=1\nfile_per_dir = 5\n", 5,
                 {"'file_per_dir'", "[set]", "did you mean 'files_per_dir'"});
    const auto e = errors_of("[dataset]\nfrobnicate = 1\n");
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].line, 2);
    EXPECT_NE(e[0].message.find("'frobnicate'"), std::string::npos);
    EXPECT_EQ(e[0].message.find("did you mean"), std::string::npos) << e[0].str();
}

TEST(ConfigErrors, KeyInTheWrongSection) {
    expect_error("[file]\npath = a\nsize = 1\nmtime = 0\n", 4,
                 {"'mtime'", "not allowed in [file]", "[dataset]"});
    expect_error("[dataset]\ncount = 3\n", 2, {"'count'", "not allowed in [dataset]", "[set]"});
    expect_error("[dataset]\nsize = 3\n", 2, {"'size'", "[file] or [set]"});
    expect_error("seed = 1\n[dataset]\n", 1, {"'seed'", "before any section"});
}

TEST(ConfigErrors, KeyGivenTwiceOrDatasetTwice) {
    expect_error("[file]\npath = a\nsize = 1\nsize = 2\n", 4, {"'size'", "twice", "line 3"});
    expect_error("[dataset]\nseed = 1\n[dataset]\nunit = 8KiB\n", 3, {"[dataset]", "twice", "line 1"});
}

TEST(ConfigErrors, BadValuesQuoteKeyAndValue) {
    struct Case {
        std::string text;  // the line that is wrong is the last one
        std::vector<std::string> parts;
    };
    const Case cases[] = {
        {"[dataset]\nseed = 0x1G", {"seed", "'0x1G'", "unsigned integer"}},
        {"[dataset]\nseed = -1", {"seed", "'-1' is not an unsigned integer"}},
        {"[dataset]\nseed = 18446744073709551616", {"seed", "'18446744073709551616' does not fit in 64 bits"}},
        {"[dataset]\nseed =", {"seed", "'' is not an unsigned integer"}},
        {"[dataset]\nunit = 3000", {"unit", "'3000'", "power of two"}},
        {"[dataset]\nverify_mountpoint = run/v", {"verify_mountpoint 'run/v' is not an absolute path"}},
        {"[dataset]\ntransport = rdma", {"transport", "'rdma'"}},
        {"[dataset]\nunit = 256", {"unit", "'256'", "power of two"}},
        {"[dataset]\nunit = 2MiB", {"unit", "'2MiB' is not a power of two from 512 B to 1 MiB"}},
        {"[dataset]\nunit = 4QB", {"unit", "'4QB'", "unknown unit"}},
        {"[dataset]\nseed = 1e3", {"seed", "'1e3'", "unsigned integer"}},
        {"[dataset]\nunit = 0x10", {"unit", "'0x10'", "power of two"}},
        {"[dataset]\ndedup = nan", {"dedup", "'nan'", "no hex, inf or nan"}},
        {"[dataset]\ndedup = 0x10", {"dedup", "'0x10'", "no hex, inf or nan"}},
        {"[dataset]\ndedup = 1e309", {"dedup", "'1e309'", "out of range: at most 1000000"}},
        {"[dataset]\ndedup = 0.5", {"dedup", "'0.5'", ">= 1"}},
        {"[dataset]\ndedup = 2000000", {"dedup", "'2000000'", "above 1000000"}},
        {"[dataset]\ncompress = 17", {"compress", "'17' is above 16, the largest supported"}},
        {"[dataset]\ncompress = two", {"compress", "'two': expected a decimal number >= 1"}},
        {"[dataset]\nformat = 3", {"format", "'3'", "not supported"}},
        {"[dataset]\nformat = 0", {"format", "'0'", "not supported"}},
        {"[dataset]\ndedup_run = 256", {"dedup_run", "'256'", "512 B..1 TiB"}},
        {"[dataset]\ndedup_run = 2TiB", {"dedup_run", "'2TiB'", "512 B..1 TiB"}},
        {"[dataset]\ndedup_run = runs", {"dedup_run", "'runs': expected a whole number with an optional unit"}},
        {"[file]\npath = f\nsize = 1\ndedup_run = 6KiB", {"'f'", "dedup_run 6 KiB", "multiple of the unit"}},
        {"[file]\npath = f\nsize = 1\nformat = 1\ndedup_run = 8KiB", {"'f'", "needs format 2"}},
        {"[dataset]\npattern = random", {"pattern", "'random'", "dgen, zero"}},
        {"[dataset]\nworkers_per_node = many", {"workers_per_node", "'many'", "neither auto nor"}},
        {"[dataset]\ndirect_io = maybe", {"direct_io", "'maybe'", "boolean"}},
        {"[dataset]\nmtime = yesterday", {"mtime", "'yesterday'", "YYYY-MM-DDTHH:MM:SSZ"}},
        {"[dataset]\nmtime = 2026-01-01 00:00:00", {"mtime", "'2026-01-01 00:00:00' is not a time"}},
        {"[dataset]\nmtime = 2026-13-01T00:00:00Z", {"mtime", "'2026-13-01T00:00:00Z' is not a valid UTC time from 1970 to 9999"}},
        {"[dataset]\nmtime = 2025-02-29T00:00:00Z", {"mtime", "'2025-02-29T00:00:00Z' is not a valid UTC time from 1970 to 9999"}},
        {"[dataset]\nmtime = 1969-12-31T23:59:59Z", {"mtime", "'1969-12-31T23:59:59Z' is not a valid UTC time from 1970 to 9999"}},
        {"[dataset]\nmtime = 253402300800", {"mtime", "'253402300800' is after 9999-12-31T23:59:59Z"}},
        {"[dataset]\nworkers_per_node = 0", {"workers_per_node", "'0'", "1..256"}},
        {"[dataset]\nnuma_nodes = 0,x", {"numa_nodes", "'0,x'", "separated by commas"}},
        {"[dataset]\nnuma_nodes = 1,1", {"numa_nodes", "node 1 is listed twice"}},
        {"[dataset]\npool_size = 1KiB", {"pool_size", "'1KiB' is outside 4 KiB..64 GiB"}},
        {"[dataset]\nworkers_per_node = 257", {"workers_per_node", "'257'", "1..256"}},
        {"[dataset]\nreadahead = 65MiB", {"readahead", "'65MiB'", "64 MiB"}},
        {"[dataset]\nmax_read = 6KiB", {"max_read", "'6KiB'", "multiple of 4 KiB"}},
        {"[dataset]\nmax_read = 2MiB", {"max_read", "'2MiB'", "1 MiB"}},
        {"[dataset]\nmax_read = 2KiB", {"max_read", "'2KiB' is outside 4 KiB..1 MiB"}},
        {"[file]\npath = f\nsize = 16EiB", {"size", "'16EiB'", "64 bits"}},
        {"[file]\npath = f\nsize = 8EiB", {"size", "'8EiB'", "2^63-1"}},
        {"[file]\npath = f\nsize = 1.5GiB", {"size", "'1.5GiB'", "fractional"}},
        {"[file]\nsize = 1\npath = /", {"path", "'/'", "names the dataset root"}},
        {"[file]\nsize = 1\npath = ./.", {"path", "'./.'", "names the dataset root"}},
        {"[file]\nsize = 1\npath = a/", {"path", "'a/'", "ends in '/'", "directory"}},
        {"[file]\nsize = 1\npath = a/../b", {"path", "'a/../b'", "'..'"}},
        {"[file]\nsize = 1\npath = ..", {"path", "'..' has a '..' component"}},
        {"[file]\nsize = 1\npath =", {"path", "''", "empty"}},
        {"[file]\nsize = 1\npath = a/" + std::string(256, 'x'), {"path", "longer than 255 bytes"}},
        {"[file]\npath = f\nsize = 1\ndedup = 0", {"[file] dedup", "'0': must be >= 1"}},
        {"[set]\ndir = s\nsize = 1\ncount = 0", {"count", "'0'", "1..4294967296"}},
        {"[set]\ndir = s\nsize = 1\ncount = 4294967297", {"count", "'4294967297' is outside 1..4294967296"}},
        {"[set]\ndir = s\nsize = 1\ncount = 1\nfiles_per_dir = 0", {"files_per_dir", "'0' is outside 1..4294967296"}},
        {"[set]\ndir = s\nsize = 1\ncount = 1\ndirs_per_dir = 1", {"dirs_per_dir", "'1'", "2..65536"}},
        {"[set]\ndir = s\nsize = 1\ncount = 1\ndirs_per_dir = 65537", {"dirs_per_dir", "'65537' is outside 2..65536"}},
        {"[set]\ndir = s\nsize = 1\ncount = 1\nname = file", {"name", "'file'", "%u"}},
        {"[set]\ndir = s\nsize = 1\ncount = 1\nname = a/%u", {"name", "'a/%u'", "'/'"}},
        {"[set]\ndir = s\nsize = 1\ncount = 1\nname = %u%u", {"name", "'%u%u' must hold exactly one %u"}},
        {"[set]\ndir = s\ncount = 1\nsize_min = 1\nsize_max = 2\nsize_dist = normal",
         {"size_dist", "'normal'", "fixed, uniform, loguniform"}},
        {"[set]\ndir = s\ncount = 1\nsize_min = 1\nsize_max = 2\nsize_draw = sorted",
         {"size_draw", "'sorted'", "independent, stratified"}},
        {"[set]\ncount = 1\nsize = 1\ndir = /", {"dir", "'/'", "dataset root"}},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.text);
        const int last_line = static_cast<int>(std::count(c.text.begin(), c.text.end(), '\n')) + 1;
        const auto errors = errors_of(c.text);
        ASSERT_EQ(errors.size(), 1u) << join(errors);
        EXPECT_EQ(errors[0].line, last_line) << errors[0].str();
        for (const std::string& p : c.parts)
            EXPECT_NE(errors[0].message.find(p), std::string::npos)
                << "message lacks '" << p << "': " << errors[0].str();
    }
}

TEST(ConfigErrors, MissingRequiredKeysOnTheHeaderLine) {
    expect_error("[dataset]\n[file]\nsize = 1\n", 2, {"[file]", "'path'"});
    expect_error("[file]\npath = a\n", 1, {"[file]", "'size'"});
    const auto e = errors_of("\n[set]\nsize = 1\n");
    ASSERT_EQ(e.size(), 2u) << join(e);
    EXPECT_EQ(e[0].line, 2);
    EXPECT_EQ(e[1].line, 2);
    EXPECT_NE(join(e).find("'dir'"), std::string::npos) << join(e);
    EXPECT_NE(join(e).find("'count'"), std::string::npos) << join(e);
}

TEST(ConfigErrors, SetSizeKeysMustAgree) {
    const std::string head = "[set]\ndir = s\ncount = 1\n";  // lines 1-3
    expect_error(head + "size = 1\nsize_min = 1\nsize_max = 2\n", 5,
                 {"'size'", "line 4", "size_min", "exclude"});
    expect_error(head + "size_min = 1\n", 1, {"'size_min' but no 'size_max'"});
    expect_error(head + "size_max = 1\n", 1, {"'size_max' but no 'size_min'"});
    expect_error(head, 1, {"needs 'size', or 'size_min' and 'size_max'"});
    expect_error(head + "size_min = 1\nsize_max = 2\nsize_dist = fixed\n", 6, {"size_dist", "fixed"});
    expect_error(head + "size = 1\nsize_dist = loguniform\n", 5, {"size_dist", "must be fixed"});
    // stratified lays out drawn sizes; a fixed-size set has none to lay out.
    expect_error(head + "size = 1\nsize_draw = stratified\n", 5, {"size_draw = stratified", "'size' (line 4)"});
    expect_error(head + "size_min = 8KiB\nsize_max = 4KiB\n", 4,
                 {"size_min 8 KiB", "size_max 4 KiB", "line 5"});
}

TEST(ConfigErrors, SetFileSizeLimitFollowsTheUnit) {
    // 2^30 units: 4 TiB at the default 4 KiB unit, 512 GiB at 512 B.
    parse_ok("[set]\ndir = s\ncount = 1\nsize = 4TiB\n");
    expect_error("[set]\ndir = s\ncount = 1\nsize = 4TiB\nunit = 512\n", 4,
                 {"size 4 TiB", "2^30 units of 512 B = 512 GiB"});
    expect_error("[dataset]\nunit = 512\n[set]\ndir = s\ncount = 1\nsize_min = 0\nsize_max = 1TiB\n", 7,
                 {"size_max 1 TiB", "512 GiB"});
}

TEST(ConfigErrors, SetFileSizeLimitLeavesRoomForOneRun) {
    // A group's contents must stay below 2^40 units: 2^30 units a file, less one run.
    EXPECT_TRUE(errors_of("[set]\ndir = s\ncount = 1\nsize = 4TiB\n").empty());
    expect_error("[set]\ndir = s\ncount = 1\nsize = 4TiB\ndedup_run = 8KiB\n", 4,
                 {"size 4 TiB", "less one dedup run"});
    EXPECT_TRUE(errors_of("[set]\ndir = s\ncount = 1\nsize = 4398046502912\ndedup_run = 8KiB\n").empty());
}

TEST(ConfigErrors, TotalsMustFit63Bits) {
    // 2^32 files of 4 TiB = 2^74 bytes.
    expect_error("[set]\ndir = small\ncount = 4294967296\nsize = 4TiB\n", 1,
                 {"set 'small' totals more than 2^63-1 bytes"});
    // Two files of 5 EiB are each fine, together not: a whole-dataset error, on no line.
    const auto e = errors_of("[file]\npath = a\nsize = 5EiB\n[file]\npath = b\nsize = 5EiB\n");
    ASSERT_EQ(e.size(), 1u) << join(e);
    EXPECT_EQ(e[0].line, 0);
    EXPECT_EQ(e[0].str().rfind("test.ini: ", 0), 0u) << e[0].str();
    EXPECT_NE(e[0].message.find("2^63-1"), std::string::npos) << e[0].str();
    // Just at the limit is fine: 2^63-1 = 8 EiB - 1.
    parse_ok("[file]\npath = a\nsize = 4EiB\n[file]\npath = b\nsize = 4611686018427387903\n");
}

TEST(ConfigErrors, DrawnSetTotalsAreExactWhenTheBoundIsNotEnough) {
    // count * size_max = 8192 * 2^50 = 2^63 does not fit, but the drawn sizes (mean about
    // 2^49) do: the exact sum decides. With 20000 files the exact sum overflows too.
    const std::string set = "[dataset]\nunit = 1MiB\n[set]\ndir = s\nsize_min = 0\nsize_max = 1PiB\n";
    parse_ok(set + "count = 8192\n");
    expect_error(set + "count = 20000\n", 3, {"set 's' totals more than 2^63-1 bytes"});
    // Three sets whose bounds (3 * 4000 * 2^50) overflow together, though their sizes do not.
    std::string three = "[dataset]\nunit = 1MiB\n";
    for (const char* dir : {"x", "y", "z"})
        three += std::string("[set]\ndir = ") + dir + "\ncount = 4000\nsize_min = 0\nsize_max = 1PiB\n";
    parse_ok(three);
    // Stratified sizes total in O(4096) files: 2^32 files whose bound (2^32 * 8 GiB = 2^65)
    // does not fit are summed exactly at once (about 1.4 * 2^60 bytes). 2^32 files of 1 to
    // 3 GiB (bounds 2^62 .. 3 * 2^62) total about 1.82 * 2^62 and pass; of 1 to 5 GiB,
    // about 2.49 * 2^62, and the exact sum refuses them.
    const std::string strat = "[set]\ndir = s\ncount = 4294967296\nsize_dist = loguniform\nsize_draw = stratified\n";
    parse_ok(strat + "size_min = 1\nsize_max = 8GiB\n");
    parse_ok(strat + "size_min = 1GiB\nsize_max = 3GiB\n");
    expect_error(strat + "size_min = 1GiB\nsize_max = 5GiB\n", 1, {"set 's' totals"});
    // count * size_min alone overflows: no need to draw 2^32 sizes to know.
    expect_error("[dataset]\nunit = 1MiB\n[set]\ndir = s\ncount = 4294967296\n"
                 "size_min = 1PiB\nsize_max = 1PiB\nsize_dist = loguniform\n", 3, {"set 's' totals"});
}

TEST(ConfigErrors, PathCollisionsNameBothLines) {
    const std::string a = "[file]\npath = a\nsize = 1\n";          // path on line 2
    const std::string ab = "[file]\npath = a/b\nsize = 1\n";       // path on line 2 (+3 when second)
    const std::string set_a = "[set]\ndir = a\ncount = 1\nsize = 1\n";
    const std::string set_ab = "[set]\ndir = a/b\ncount = 1\nsize = 1\n";
    expect_error(a + a, 5, {"file 'a'", "[file] at line 2"});
    expect_error(a + set_a, 5, {"set dir 'a'", "[file] at line 2"});
    expect_error(set_a + a, 6, {"file 'a'", "[set] at line 2"});
    expect_error(set_a + ab, 6, {"file 'a/b'", "inside set dir 'a'", "line 2"});
    expect_error(ab + set_a, 2, {"file 'a/b'", "inside set dir 'a'", "line 5"});
    expect_error(set_a + set_ab, 6, {"set dir 'a/b'", "inside set dir 'a'", "line 2"});
    expect_error(set_a + set_a, 6, {"set dir 'a'", "[set] at line 2"});
    expect_error(a + ab, 5, {"file 'a/b'", "needs directory 'a'", "[file] at line 2"});
    expect_error(a + set_ab, 5, {"set dir 'a/b'", "needs directory 'a'", "[file] at line 2"});
    // Sharing a parent directory, or a name prefix that is not a directory, is fine.
    parse_ok("[file]\npath = d/x\nsize = 1\n[file]\npath = d/y\nsize = 1\n"
             "[file]\npath = ab\nsize = 1\n[set]\ndir = d/s\ncount = 1\nsize = 1\n" + a);
}

TEST(ConfigErrors, SyntaxErrorsAreAllReported) {
    const auto e = errors_of("[file\nnot a key\n[dataset]\nseed = 1\njunk\n");
    ASSERT_EQ(e.size(), 3u) << join(e);
    EXPECT_EQ(e[0].line, 1);
    EXPECT_NE(e[0].message.find("no closing ']'"), std::string::npos) << e[0].str();
    EXPECT_EQ(e[1].line, 2);
    EXPECT_NE(e[1].message.find("'not a key'"), std::string::npos) << e[1].str();
    EXPECT_EQ(e[2].line, 5);
}

// Regression: a 250-byte path was refused as a line over inih's built-in 199 bytes.
TEST(ConfigErrors, LongLinesAreReadWholeAndNulBytesReported) {
    const std::string path(250, 'p');
    EXPECT_EQ(parse_ok("[file]\nsize = 1\npath = " + path + "\n").files[0].path, path);
    // A line must never be split into two; one over a megabyte is refused whole, and its
    // section's "missing path" is not reported on top.
    expect_error("[file]\nsize = 1\npath = " + std::string(1u << 20, 'p') + "\n", 3, {"too long"});
    const char nul[] = "[file]\nsize = 1\npath = a\0b\n";
    expect_error(std::string(nul, sizeof nul - 1), 3, {"NUL"});
}

TEST(ConfigErrors, EveryErrorInOneCallInLineOrder) {
    const std::string text =
        "[dataset]\n"           // 1
        "seed = x\n"            // 2 bad value
        "colour = red\n"        // 3 unknown key
        "[file]\n"              // 4 missing size
        "path = big\n"          // 5
        "mtime = 0\n"           // 6 wrong section
        "[file]\n"              // 7
        "path = big\n"          // 8 duplicate path
        "size = 1\n"            // 9
        "size = 2\n"            // 10 twice
        "[sets]\n"              // 11 unknown section
        "dir = x\n";            // 12 ignored: its section was reported
    const auto e = errors_of(text);
    std::vector<int> lines;
    for (const ConfigError& x : e) lines.push_back(x.line);
    EXPECT_EQ(lines, (std::vector<int>{2, 3, 4, 6, 8, 10, 11})) << join(e);
}

// Regression: "[file" gave an error for every key under it; one error, keys skipped.
TEST(ConfigErrors, HeaderWithoutBracketIsOneErrorAndItsKeysAreSkipped) {
    expect_error("[dataset]\nseed = 1\n[file\npath = a\nsize = 1\nbogus = 2\n[file]\npath = b\nsize = 1\n", 3,
                 {"section header '[file' has no closing ']'; the keys under it are ignored"});
}

// Regression: a 10 MB bad file printed 331,155 lines.
TEST(ConfigErrors, AtMostTwentyErrorsThenHowManyMore) {
    std::string text;
    for (int i = 0; i < 1000; ++i) text += "junk\n";
    const auto e = errors_of(text);
    ASSERT_EQ(e.size(), kMaxConfigErrors + 1) << join(e);
    EXPECT_EQ(e[19].line, 20);
    EXPECT_EQ(e[20].str(), "test.ini: \xe2\x80\xa6 and 980 more errors");
    EXPECT_EQ(errors_of("junk\n").size(), 1u);
}

// Regression: config bytes reached the terminal raw; str() shows every byte printable.
TEST(ConfigErrors, MessagesShowNoRawControlBytes) {
    const auto e = errors_of("[dataset]\nseed = \x1b[2J\n\x1b]0;x\x07 = 1\n");
    ASSERT_EQ(e.size(), 2u) << join(e);
    for (const ConfigError& x : e)
        for (const char c : x.str()) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << x.str();
    EXPECT_NE(e[0].str().find("'\\x1b[2J'"), std::string::npos) << e[0].str();
    EXPECT_NE(e[1].str().find("'\\x1b]0;x\\x07'"), std::string::npos) << e[1].str();
}

// Regression: a config with no file mounted an empty tree without a word.
TEST(ConfigErrors, LoadConfigRefusesAConfigWithNoFiles) {
    const fs::path p = fs::temp_directory_path() / ("dgen_test_empty_" + std::to_string(::getpid()) + ".ini");
    for (const char* text : {"", "[dataset]\nseed = 1\n", "; nothing\n"}) {
        std::ofstream(p) << text;
        std::vector<ConfigError> errors;
        load_config(p.string(), errors);
        ASSERT_EQ(errors.size(), 1u) << text;
        EXPECT_EQ(errors[0].str(), p.string() + ": no files: add a [file] or [set] section (docs/CONFIG.md)");
    }
    fs::remove(p);
}

TEST(ConfigErrors, LoadConfigNamesTheFile) {
    std::vector<ConfigError> errors;
    load_config("/nonexistent/dgenfs.ini", errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].str().rfind("/nonexistent/dgenfs.ini: ", 0), 0u) << errors[0].str();
    EXPECT_NE(errors[0].message.find("No such file"), std::string::npos) << errors[0].str();

    const fs::path p = fs::temp_directory_path() / ("dgen_test_config_" + std::to_string(::getpid()) + ".ini");
    std::ofstream(p) << "[dataset]\nseed = 11\n[file]\npath = x\nsize = 9\nbogus = 1\n";
    errors.clear();
    const Config c = load_config(p.string(), errors);
    fs::remove(p);
    EXPECT_EQ(c.source, p.string());
    EXPECT_EQ(c.dataset.seed, 11u);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].str().rfind(p.string() + ":6: ", 0), 0u) << errors[0].str();
}

// ---------------------------------------------------------------------------------------

const std::set<std::string> kSections = {"dataset", "file", "set"};

std::vector<std::string> words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// A minimal valid section of each kind, so one more key can be tried in it.
std::string minimal(const std::string& section) {
    if (section == "file") return "[file]\npath = f\nsize = 1\n";
    if (section == "set") return "[set]\ndir = s\ncount = 1\nsize = 1\n";
    return "[dataset]\n";
}

// Regression: set 65536 wrapped the inode encoding into the explicit range.
TEST(ConfigErrors, AtMost32767Sets) {
    std::string text;
    for (size_t i = 0; i <= kMaxSets; ++i)
        text += "[set]\ndir = s" + std::to_string(i) + "\ncount = 1\nsize = 1\n";
    std::vector<ConfigError> errors;
    parse_config(text, "test.ini", errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].line, static_cast<int>(4 * kMaxSets + 1));
    EXPECT_NE(errors[0].message.find("more than 32767 [set] sections"), std::string::npos);
}

TEST(ConfigKeys, EveryRowIsCompleteAndUnique) {
    const std::set<std::string> types = {"size", "ratio", "u64", "bool", "enum", "list", "path", "pattern", "time", "host", "address"};
    std::set<std::string> names;
    ASSERT_FALSE(config_keys().empty());
    for (const ConfigKey& k : config_keys()) {
        SCOPED_TRACE(k.name);
        EXPECT_TRUE(names.insert(k.name).second) << "duplicate key";
        EXPECT_TRUE(types.count(k.type)) << k.type;
        ASSERT_FALSE(words(k.sections).empty());
        for (const std::string& s : words(k.sections)) EXPECT_TRUE(kSections.count(s)) << s;
        EXPECT_STRNE(k.range, "");
        EXPECT_STRNE(k.help, "");
        for (const char* field : {k.name, k.sections, k.type, k.def, k.range, k.help})
            EXPECT_EQ(std::string(field).find('|'), std::string::npos) << "breaks the docs table";
    }
}

// DefaultsAreWhatTheStructsHold compares describe() strings: that says nothing about a key
// describe() leaves out. Every [dataset] key set to another value must change it.
TEST(ConfigKeys, DescribeSeesEveryDatasetKey) {
    const std::map<std::string, std::string> other = {
        {"seed", "1"},           {"unit", "8KiB"},           {"dedup", "2"},
        {"compress", "2"},       {"dedup_run", "8KiB"},      {"format", "1"},
        {"pattern", "zero"},     {"host_seed", "name:x"},    {"mtime", "0"},
        {"direct_io", "false"},  {"readahead", "0"},         {"workers_per_node", "2"},
        {"numa_nodes", "0"},     {"pool_size", "8MiB"},      {"per_node_mount", "true"},
        {"mountpoint", "/mnt/x"}, {"verify_area", "false"},  {"metrics_listen", "127.0.0.1:9100"},
        {"max_read", "64KiB"},   {"page_cache_max", "0"},       {"skip_open", "false"},
        {"verify_mountpoint", "/srv/v"}, {"transport", "classic"},
    };
    const std::string defaults = describe(parse_ok("[dataset]\n"));
    for (const ConfigKey& k : config_keys()) {
        const auto sections = words(k.sections);
        if (std::find(sections.begin(), sections.end(), "dataset") == sections.end()) continue;
        SCOPED_TRACE(k.name);
        const auto it = other.find(k.name);
        if (it == other.end()) {
            ADD_FAILURE() << "no other value for [dataset] " << k.name << ": add one here";
            continue;
        }
        EXPECT_NE(describe(parse_ok("[dataset]\n" + it->first + " = " + it->second + "\n")), defaults)
            << "describe() does not show " << k.name;
    }
}

TEST(ConfigKeys, DefaultsAreWhatTheStructsHold) {
    for (const ConfigKey& k : config_keys()) {
        if (std::string(k.def).empty()) continue;
        for (const std::string& s : words(k.sections)) {
            SCOPED_TRACE(std::string(k.name) + " in [" + s + "]");
            const std::string base = minimal(s);
            EXPECT_EQ(describe(parse_ok(base + k.name + " = " + k.def + "\n")), describe(parse_ok(base)));
        }
    }
}

TEST(ConfigKeys, SectionsListedAreExactlyWhereAKeyIsAccepted) {
    for (const ConfigKey& k : config_keys()) {
        const auto listed = words(k.sections);
        for (const std::string& s : kSections) {
            SCOPED_TRACE(std::string(k.name) + " in [" + s + "]");
            const auto e = errors_of(minimal(s) + k.name + " = 1\n");
            const bool refused = std::any_of(e.begin(), e.end(), [](const ConfigError& x) {
                return x.message.find("not allowed in") != std::string::npos ||
                       x.message.find("unknown key") != std::string::npos;
            });
            const bool allowed = std::find(listed.begin(), listed.end(), s) != listed.end();
            EXPECT_EQ(refused, !allowed) << join(e);
        }
    }
}

// The docs table row a key must have, built from the key table itself.
std::string doc_row(const ConfigKey& k) {
    const std::string def = std::string(k.def).empty() ? "—" : std::string("`") + k.def + "`";
    return std::string("| `") + k.name + "` | " + k.sections + " | " + k.type + " | " + def + " | " +
           k.range + " | " + k.help + " |";
}

TEST(ConfigKeys, DocsTableMatchesTheKeyTable) {
    const fs::path doc = repo_root() / "docs" / "CONFIG.md";
    const std::string text = read_text(doc);
    ASSERT_FALSE(text.empty()) << "cannot read " << doc;
    for (const ConfigKey& k : config_keys())
        EXPECT_NE(text.find(doc_row(k) + "\n"), std::string::npos)
            << "docs/CONFIG.md lacks (or has an outdated) row:\n" << doc_row(k);
    // And the "## Keys" table has no other rows: none for a key that no longer exists.
    const size_t from = text.find("\n## Keys\n");
    ASSERT_NE(from, std::string::npos) << "docs/CONFIG.md has no '## Keys' section";
    std::istringstream in(text.substr(from + 1, text.find("\n## ", from + 1) - from));
    size_t rows = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("| `", 0) != 0) continue;
        ++rows;
        EXPECT_TRUE(std::any_of(config_keys().begin(), config_keys().end(),
                                [&](const ConfigKey& k) { return line == doc_row(k); }))
            << "row matches no key: " << line;
    }
    EXPECT_EQ(rows, config_keys().size());
}

TEST(ConfigKeys, DocsExampleParses) {
    const std::string text = read_text(repo_root() / "docs" / "CONFIG.md");
    const size_t example = text.find("\n## Example\n");
    ASSERT_NE(example, std::string::npos);
    const size_t from = text.find("```ini\n", example);
    ASSERT_NE(from, std::string::npos);
    const size_t to = text.find("```", from + 7);
    const Config c = parse_ok(text.substr(from + 7, to - from - 7));
    EXPECT_EQ(c.files.size(), 2u);
    EXPECT_EQ(c.sets.size(), 1u);
}

TEST(ConfigKeys, ShippedConfigsParse) {
    std::vector<fs::path> paths = {repo_root() / "config" / "dgenfs.ini"};
    const fs::path examples = repo_root() / "config" / "examples";
    ASSERT_TRUE(fs::is_directory(examples)) << examples;
    for (const auto& entry : fs::directory_iterator(examples))
        if (entry.path().extension() == ".ini") paths.push_back(entry.path());
    EXPECT_GE(paths.size(), 4u);
    for (const fs::path& p : paths) {
        std::vector<ConfigError> errors;
        const Config c = load_config(p.string(), errors);
        EXPECT_TRUE(errors.empty()) << p << ":" << join(errors);
        EXPECT_FALSE(c.files.empty() && c.sets.empty()) << p << " serves nothing";
    }
}

TEST(ConfigKeys, DefaultConfigIsTheDocumentedMix) {
    std::vector<ConfigError> errors;
    const Config c = load_config((repo_root() / "config" / "dgenfs.ini").string(), errors);
    ASSERT_TRUE(errors.empty()) << join(errors);
    EXPECT_EQ(c.dataset.seed, 1u);
    ASSERT_EQ(c.files.size(), 3u);
    ASSERT_EQ(c.sets.size(), 1u);
    EXPECT_EQ(c.files[0].path, "big/incompressible.bin");
    EXPECT_EQ(c.files[0].size, 16ull << 30);
    EXPECT_EQ(c.files[1].path, "reduce/dedup2-compress2.bin");
    EXPECT_EQ(c.files[1].size, 4ull << 30);
    EXPECT_EQ(effective_params(c.dataset, c.files[1].over).dedup, 2.0);
    EXPECT_EQ(effective_params(c.dataset, c.files[1].over).compress, 2.0);
    EXPECT_EQ(c.files[2].path, "zero/zeros.bin");
    EXPECT_EQ(effective_pattern(c.dataset, c.files[2].over), Pattern::Zero);
    const SetConfig& s = c.sets[0];
    EXPECT_EQ(s.dir, "small");
    EXPECT_EQ(s.count, 100000u);
    EXPECT_EQ(s.size_dist, SizeDist::LogUniform);
    EXPECT_EQ(s.size_min, 4096u);
    EXPECT_EQ(s.size_max, 1u << 20);
    EXPECT_EQ(effective_params(c.dataset, s.over).dedup, 1.5);
    EXPECT_EQ(effective_params(c.dataset, s.over).compress, 2.0);
}

}  // namespace
}  // namespace dgen
