// Host identities (config key host_seed, docs/FORMAT.md §8): the key seed and bytes they
// give are pinned here, as the golden vectors pin the formats; host_seed = none changes
// nothing; how the identity is found and given (config, `dgen --host`, xattrs).
// A failing constant below is a format break.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <xxhash.h>

#include "common.h"
#include "dgen/config.h"
#include "cpu_kernels.h"
#include "dgen/kernel.h"
#include "dgen/namespace.h"
#include "dgen/stream.h"

namespace dgen {
namespace {

// Computed once with the code of the change that added §8, then frozen.
struct KeySeedRow {
    uint64_t seed;
    const char* host;
    uint64_t key_seed;
};
const KeySeedRow kKeySeeds[] = {
    {0, "alpha", 0x96050D48BABAB39Full},
    {0, "beta", 0x70727B1334D4F14Aull},
    {42, "alpha", 0xA00EA534662B1808ull},
    {42, "10.0.0.7", 0xABB87CBE6362B877ull},
    {0xFFFFFFFFFFFFFFFFull, "node07", 0xFE078A49E253E1B0ull},
};

TEST(HostSeed, KeySeedGolden) {
    for (const KeySeedRow& r : kKeySeeds) {
        SCOPED_TRACE(std::to_string(r.seed) + " " + r.host);
        EXPECT_EQ(effective_seed(r.seed, r.host), r.key_seed) << "format break: key seed";
        // The formula of docs/FORMAT.md §8, written out again.
        const std::string m = std::string("dgen/host/") + r.host;
        EXPECT_EQ(XXH3_64bits_withSeed(m.data(), m.size(), r.seed), r.key_seed);
    }
    for (uint64_t seed : {0ull, 1ull, 42ull, 0xFFFFFFFFFFFFFFFFull}) EXPECT_EQ(effective_seed(seed, ""), seed);
}

std::vector<uint8_t> bytes_of(const Stream& s, uint64_t len, const Kernel& k) {
    std::vector<uint8_t> b(len);
    EXPECT_EQ(s.read(0, len, b.data(), k), len);
    return b;
}

TEST(HostSeed, StreamBytesGolden) {
    StreamParams p;
    p.seed = 42;
    p.name = "big.bin";
    p.size = 1 << 20;
    p.host = "alpha";
    const uint8_t first16[] = {0x03, 0x08, 0x58, 0x42, 0x9C, 0xD0, 0x6D, 0xDA,
                               0xA4, 0x39, 0xCB, 0x9B, 0xC8, 0xFD, 0x6C, 0x02};
    StreamParams q = p;  // dedup and compression: the dedup key takes the host too
    q.size = 8 << 20;
    q.dedup = 2;
    q.compress = 2;
    q.host = "10.0.0.7";
    size_t kernels_run = 0;
    for (const Kernel& k : available_kernels()) {
        ++kernels_run;
        SCOPED_TRACE(k.name);
        const auto b = bytes_of(Stream(p), 65536, k);
        EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.begin() + 16), std::vector<uint8_t>(std::begin(first16), std::end(first16)))
            << "format break: host bytes";
        EXPECT_EQ(XXH64(b.data(), b.size(), 0), 0x52386B6DB12D3D3Dull) << "format break: host bytes";
        const auto c = bytes_of(Stream(q), q.size, k);
        EXPECT_EQ(XXH64(c.data(), c.size(), 0), 0xB61E601871FCB3D6ull) << "format break: host bytes, D 2 C 2";
    }
    EXPECT_EQ(kernels_run, test::kernels_the_cpu_has().size()) << "kernels run";
}

TEST(HostSeed, IsTheStreamOfTheKeySeed) {
    StreamParams p;
    p.seed = 7;
    p.name = "a/b";
    p.size = 3 << 20;
    p.dedup = 3;
    p.compress = 1.5;
    p.dedup_run = 64 << 10;
    for (const char* host : {"alpha", "10.0.0.7"}) {
        StreamParams with = p, plain = p;
        with.host = host;
        plain.seed = effective_seed(p.seed, host);
        const Kernel& k = active_kernel();
        EXPECT_EQ(bytes_of(Stream(with), p.size, k), bytes_of(Stream(plain), p.size, k)) << host;
        EXPECT_NE(bytes_of(Stream(with), 4096, k), bytes_of(Stream(p), 4096, k)) << host;
    }
}

Config parse_or_fail(const std::string& text) {
    std::vector<ConfigError> errors;
    Config c = parse_config(text, "t.ini", errors);
    for (const ConfigError& e : errors) ADD_FAILURE() << e.str();
    return c;
}

std::string file_bytes(const Config& c, const std::string& path) {
    const Namespace ns(c);
    const auto ino = ns.resolve(path);
    EXPECT_TRUE(ino.has_value()) << path;
    if (!ino) return {};
    const auto f = ns.open(*ino);
    std::string b(f->size(), '\0');
    f->read(0, b.size(), reinterpret_cast<uint8_t*>(b.data()));
    return b;
}

// A set's tree is the same on every host; its bytes are not. The file's XXH64 is pinned.
TEST(HostSeed, SetFileGolden) {
    const std::string body = "\nseed = 42\n[set]\ndir = s\ncount = 10\nsize_min = 1000\nsize_max = 100000\ndedup = 2\n";
    const struct {
        const char* host_seed;
        uint64_t xxh64;
    } rows[] = {{"none", 0x2701E70CC027AFC4ull}, {"name:alpha", 0x809E3EAB526C1EE0ull}, {"name:beta", 0xF290D51CD139BD16ull}};
    for (const auto& r : rows) {
        SCOPED_TRACE(r.host_seed);
        const std::string b = file_bytes(parse_or_fail(std::string("[dataset]\nhost_seed = ") + r.host_seed + body), "s/f00000003");
        EXPECT_EQ(b.size(), 40087u) << "a host changed a drawn size";
        EXPECT_EQ(XXH64(b.data(), b.size(), 0), r.xxh64) << "format break: host set bytes";
    }
    // The default is none: no key at all is the same as host_seed = none.
    EXPECT_EQ(file_bytes(parse_or_fail("[dataset]" + body), "s/f00000003"),
              file_bytes(parse_or_fail("[dataset]\nhost_seed = none" + body), "s/f00000003"));
}

TEST(HostSeed, ConfigValues) {
    auto dataset = [](const std::string& v) { return parse_or_fail("[dataset]\nhost_seed = " + v + "\n").dataset; };
    EXPECT_EQ(dataset("none").host_seed, HostSeed::None);
    EXPECT_EQ(dataset("NONE").host, "");
    EXPECT_EQ(dataset("name:rack1-node07").host_seed, HostSeed::Name);
    EXPECT_EQ(dataset("Name: rack 1 ").host, "rack 1");
    EXPECT_EQ(dataset("name:Alpha").host, "Alpha");  // the text is taken as written
    char name[256] = {};
    ASSERT_EQ(gethostname(name, sizeof name - 1), 0);
    EXPECT_EQ(dataset("hostname").host_seed, HostSeed::Hostname);
    EXPECT_EQ(dataset("HostName").host, name);
    EXPECT_EQ(describe_host(dataset("name:n7")), "host_seed = name:n7, host identity 'n7'");
    EXPECT_EQ(describe_host(dataset("none")), "host_seed = none (every host serves the same bytes)");
    // ip: this machine may have no address to use; then the error says so.
    std::vector<ConfigError> errors;
    const Config c = parse_config("[dataset]\nhost_seed = ip\n", "t.ini", errors);
    if (errors.empty()) {
        EXPECT_EQ(c.dataset.host_seed, HostSeed::Ip);
        EXPECT_NE(c.dataset.host.find('.'), std::string::npos) << c.dataset.host;
    } else {
        EXPECT_NE(errors[0].message.find("no IPv4 address"), std::string::npos) << errors[0].str();
    }
    for (const char* bad : {"name:", "name:   ", "host", "ipv4", "1"}) {
        errors.clear();
        parse_config(std::string("[dataset]\nhost_seed = ") + bad + "\n", "t.ini", errors);
        ASSERT_EQ(errors.size(), 1u) << bad;
        EXPECT_EQ(errors[0].line, 2) << bad;
        EXPECT_EQ(errors[0].message.rfind("[dataset] host_seed: '", 0), 0u) << errors[0].str();
    }
    errors.clear();
    parse_config("[file]\npath = f\nsize = 1\nhost_seed = hostname\n", "t.ini", errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].message.find("belongs in [dataset]"), std::string::npos) << errors[0].str();
}

uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

TEST(HostSeed, IpRule) {
    using A = InterfaceAddress;
    // Interface index order, not getifaddrs order; the kernel's order within an interface.
    EXPECT_EQ(pick_host_ip({{"eth1", 3, true, false, ip(10, 0, 1, 5)},
                            {"eth0", 2, true, false, ip(10, 0, 0, 5)},
                            {"eth0", 2, true, false, ip(10, 0, 0, 6)}}),
              "10.0.0.5");
    // Skipped: down, loopback interfaces, 127/8, 169.254/16.
    EXPECT_EQ(pick_host_ip({A{"lo", 1, true, true, ip(127, 0, 0, 1)},
                            A{"lo", 1, true, true, ip(10, 9, 9, 9)},
                            A{"eth0", 2, false, false, ip(10, 0, 0, 5)},
                            A{"eth1", 3, true, false, ip(169, 254, 3, 4)},
                            A{"eth1", 3, true, false, ip(127, 1, 2, 3)},
                            A{"eth2", 4, true, false, ip(192, 168, 1, 20)}}),
              "192.168.1.20");
    EXPECT_EQ(pick_host_ip({A{"lo", 1, true, true, ip(127, 0, 0, 1)}}), std::nullopt);
    EXPECT_EQ(pick_host_ip({}), std::nullopt);
}

TEST(HostSeed, Xattr) {
    auto xattrs = [](const std::string& host_seed) {
        const Config c = parse_or_fail("[dataset]\nhost_seed = " + host_seed + "\n[file]\npath = f\nsize = 1\n");
        const Namespace ns(c);
        return ns.xattrs(*ns.resolve("f"));
    };
    const auto with = xattrs("name:n7"), without = xattrs("none");
    EXPECT_EQ(with.size(), without.size() + 1);
    EXPECT_EQ(with.back(), std::make_pair(std::string("user.dgen.host"), std::string("n7")));
}

// `dgen cat --host`, parsed as dgen parses it.
struct Cli {
    CLI::App app;
    cli::StreamOptions o;
    Cli() { o.add_to(app, 0); }
    void parse(std::vector<const char*> args) {
        args.insert(args.begin(), "dgen");
        app.parse(static_cast<int>(args.size()), args.data());
    }
};

std::string write_config(const std::string& name, const std::string& text) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("dgen-test-hosts-" + std::to_string(getpid()) + "-" + name)).string();
    std::ofstream(path) << text;
    return path;
}

TEST(HostSeed, CliHost) {
    const std::string body = "\n[file]\npath = f\nsize = 64KiB\n";
    const std::string with = write_config("with.ini", "[dataset]\nseed = 5\nhost_seed = name:n7" + body);
    const std::string none = write_config("none.ini", "[dataset]\nseed = 5" + body);
    auto read = [](const FileSource& f) {
        std::string b(f.size(), '\0');
        f.read(0, b.size(), reinterpret_cast<uint8_t*>(b.data()));
        return b;
    };
    Cli own, other, same, standalone;
    own.parse({"--config", with.c_str(), "f"});
    other.parse({"--config", with.c_str(), "f", "--host", "n8"});
    same.parse({"--config", with.c_str(), "f", "--host", " n7 "});
    standalone.parse({"--seed", "5", "--stream", "f", "--size", "64KiB", "--host", "n8"});
    const std::string b7 = read(*own.o.open_config_file(own.app));
    const std::string b8 = read(*other.o.open_config_file(other.app));
    EXPECT_EQ(read(*same.o.open_config_file(same.app)), b7);
    EXPECT_NE(b7, b8);
    const Stream s(standalone.o.params(standalone.app));
    std::string b(s.size(), '\0');
    s.read(0, b.size(), reinterpret_cast<uint8_t*>(b.data()));
    EXPECT_EQ(b, b8) << "--seed --stream --host is the config's file on that host";

    Cli refused;
    refused.parse({"--config", none.c_str(), "f", "--host", "n8"});
    try {
        refused.o.open_config_file(refused.app);
        ADD_FAILURE() << "--host with host_seed = none was accepted";
    } catch (const cli::UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("host_seed = none"), std::string::npos) << e.what();
    }
    Cli empty;
    EXPECT_THROW(empty.parse({"--size", "1", "--host", " "}), CLI::ValidationError);
    std::remove(with.c_str());
    std::remove(none.c_str());
}

}  // namespace
}  // namespace dgen
