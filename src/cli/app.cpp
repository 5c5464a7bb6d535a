// The `dgen` command line: its subcommands, and how errors end it (exit 2, or 1).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string_view>

#include "common.h"
#include "dgen/values.h"

namespace dgen::cli {
namespace {

const char* const kCommands[] = {"cat", "check", "verify", "bench", "ls", "stat"};

// CLI11 would say only "A subcommand is required" for `dgen` and `dgen frobnicate`.
std::string check_command(int argc, const char* const* argv) {
    std::string list;
    for (const char* c : kCommands) list += std::string(list.empty() ? "" : ", ") + c;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (!a.empty() && a[0] == '-') continue;  // dgen's own options are flags only
        std::vector<std::string> names;
        for (const char* c : kCommands) {
            if (a == c) return "";
            names.emplace_back(c);
        }
        const std::string near = closest_word(a, names);
        return "unknown command " + quote_text(a) + " (commands: " + list + ")" +
               (near.empty() ? "" : "; did you mean '" + near + "'?");
    }
    for (int i = 1; i < argc; ++i)
        for (const char* f : {"-h", "--help", "-V", "--version"})
            if (std::string(argv[i]) == f) return "";
    // Only options, none of dgen's own: name the first (it said only "a command is required").
    const std::string what = argc > 1 ? "unknown option " + quote_text(argv[1]) +
                                            " (dgen's own: -h, --help, -V, --version); "
                                      : "";
    return what + "a command is required: " + list + " (dgen --help lists them)";
}

// A message made safe for the terminal line by line (values.h: printable), its line
// breaks kept: it may quote an argument or a config's bytes.
std::string shown(const std::string& message) {
    std::string out;
    for (size_t at = 0; at <= message.size();) {
        const size_t end = std::min(message.find('\n', at), message.size());
        out += printable(std::string_view(message).substr(at, end - at));
        if (end < message.size()) out += '\n';
        at = end + 1;
    }
    return out;
}

std::string command_of(const CLI::App& app) {
    const auto subs = app.get_subcommands();
    return subs.empty() ? "dgen" : "dgen " + subs[0]->get_name();
}

}  // namespace

void build_app(CLI::App& app) {
    app.description("dgen: deterministic synthetic storage test data (formats dgen1, dgen2)\n"
                    "Every byte is a pure function of (seed, stream, parameters, offset).");
    app.name("dgen");
    app.set_version_flag("-V,--version", std::string("dgen ") + DGEN_VERSION + ", formats dgen1 dgen2 (default dgen2)");
    app.require_subcommand(1);
    app.failure_message([](const CLI::App* a, const CLI::Error& e) {
        return command_of(*a) + ": " + shown(e.what()) + "\n";
    });
    add_cat(app);
    add_check(app);
    add_verify(app);
    add_bench(app);
    add_ls(app);
    add_stat(app);
}

int run_main(CLI::App& app, int argc, const char* const* argv) {
    exit_status() = 0;
    if (const std::string e = check_command(argc, argv); !e.empty()) {
        std::fprintf(stderr, "dgen: %s\n", e.c_str());
        return kExitUsage;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : kExitUsage;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "%s: %s\n", command_of(app).c_str(), shown(e.what()).c_str());
        return kExitUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", command_of(app).c_str(), shown(e.what()).c_str());
        return 1;
    }
    return exit_status();
}

}  // namespace dgen::cli
