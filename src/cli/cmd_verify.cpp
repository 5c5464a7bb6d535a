// dgen verify: check copies against the bytes they should hold, with no reference data.
// A copied tree (--config CONFIG --root DIR [PATH...]) or one file written by `dgen cat`
// with the same stream options (FILE, or - for standard input).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "common.h"
#include "dgen/values.h"
#include "verify_copies.h"

namespace dgen::cli {
namespace {

struct VerifyOptions {
    StreamOptions stream;
    std::string root;
    std::vector<std::string> args;  // PATH... with --config, else FILE
    uint64_t threads = std::max(1u, std::thread::hardware_concurrency());
    bool json = false;
};

struct Report {
    std::vector<CopyCheck> copies;
    std::vector<std::string> extra;  // regular files under the root that the dataset lacks
    VerifyRun run;
};

// Regular files under root/dir that are not files of the dataset, as dataset paths, sorted.
void find_extra(const Namespace& ns, const std::string& root, const std::string& dir,
                std::vector<std::string>& extra) {
    namespace fs = std::filesystem;
    const fs::path top = fs::path(root) / dir;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
        const std::string rel = fs::relative(it->path(), root).generic_string();
        const auto ino = ns.resolve(rel);
        if (!ino || ns.attr(*ino)->dir) extra.push_back(rel);
    }
    if (ec) throw UsageError("--root: " + top.string() + ": " + ec.message());
}

void add_copy(Report& r, const Namespace* ns, std::unique_ptr<FileSource> src, const std::string& path,
              const std::string& copy) {
    CopyCheck c;
    c.copy = copy;
    c.source = std::move(src);
    c.checker = std::make_unique<FileChecker>(*c.source, path, ns);
    r.copies.push_back(std::move(c));
}

// --config CONFIG --root DIR [PATH...]: every file of the dataset (or under each PATH).
void collect_tree(const VerifyOptions& o, const Namespace& ns, Report& r) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(o.root)) throw UsageError("--root " + o.root + ": not a directory");
    std::vector<std::string> paths = o.args;
    if (paths.empty()) paths.emplace_back("");
    std::set<std::string> seen;
    for (const std::string& p : paths) {
        const uint64_t ino = p.empty() ? kRootIno : resolve_path_or_throw(ns, p, o.stream.config);
        std::string err;
        const std::string rel = p.empty() ? "" : parse_dataset_path(p, &err)->path;
        auto add = [&](const std::string& path, const NodeAttr& a) {
            if (!a.dir && seen.insert(path).second) add_copy(r, &ns, ns.open(a.ino), path, o.root + "/" + path);
            return true;
        };
        const NodeAttr a = *ns.attr(ino);
        if (!a.dir) {
            add(rel, a);
            continue;
        }
        walk_tree(ns, ino, rel, add);
        find_extra(ns, o.root, rel, r.extra);
    }
    std::sort(r.extra.begin(), r.extra.end());
    r.extra.erase(std::unique(r.extra.begin(), r.extra.end()), r.extra.end());
}

std::string range_line(const std::string& path, const BadRange& b) {
    std::string s = path + ": " + std::to_string(b.offset) + " +" + std::to_string(b.length) + " " +
                    mismatch_name(b.kind);
    if (b.kind == Mismatch::Shifted) s += " from " + std::to_string(b.source_offset);
    if (b.kind == Mismatch::OtherFile) s += " " + b.other_path + " at " + std::to_string(b.source_offset);
    return s;
}

struct Totals {
    uint64_t files = 0, missing = 0, errors = 0, bytes = 0, bad_bytes = 0, ranges = 0;
    double gbps = 0;
    bool ok = false;
};

Totals totals(const Report& r) {
    Totals t;
    for (const CopyCheck& c : r.copies) {
        ++t.files;
        t.missing += c.missing;
        t.errors += !c.error.empty();
        t.bytes += c.bytes;
        t.ranges += c.bad.size();
        for (const BadRange& b : c.bad) t.bad_bytes += b.length;
    }
    t.gbps = r.run.seconds > 0 ? t.bytes / r.run.seconds / 1e9 : 0;
    t.ok = t.missing == 0 && t.errors == 0 && t.ranges == 0 && r.extra.empty();
    return t;
}

void print_text(const Report& r, const Totals& t) {
    for (const CopyCheck& c : r.copies) {
        const std::string& path = c.checker->path();
        if (c.missing) std::printf("%s: missing\n", path.c_str());
        if (!c.error.empty()) std::printf("%s: error: %s\n", path.c_str(), c.error.c_str());
        for (const BadRange& b : c.bad) std::printf("%s\n", range_line(path, b).c_str());
    }
    for (const std::string& e : r.extra) std::printf("%s: extra\n", e.c_str());
    std::printf("dgen verify: %llu files, %s checked, %llu bad bytes in %llu ranges, %llu missing, "
                "%zu extra, %llu unreadable, %.2f GB/s: %s\n",
                static_cast<unsigned long long>(t.files), format_size(t.bytes).c_str(),
                static_cast<unsigned long long>(t.bad_bytes), static_cast<unsigned long long>(t.ranges),
                static_cast<unsigned long long>(t.missing), r.extra.size(),
                static_cast<unsigned long long>(t.errors), t.gbps, t.ok ? "ok" : "FAIL");
}

nlohmann::json to_json(const Report& r, const Totals& t) {
    nlohmann::json j = {{"files", t.files},          {"bytes_checked", t.bytes},
                        {"bad_bytes", t.bad_bytes},  {"seconds", r.run.seconds},
                        {"gbps", t.gbps},            {"threads", r.run.threads},
                        {"ok", t.ok},                {"ranges", nlohmann::json::array()},
                        {"missing", nlohmann::json::array()}, {"extra", r.extra},
                        {"errors", nlohmann::json::array()}};
    for (const CopyCheck& c : r.copies) {
        const std::string& path = c.checker->path();
        if (c.missing) j["missing"].push_back(path);
        if (!c.error.empty()) j["errors"].push_back({{"path", path}, {"error", c.error}});
        for (const BadRange& b : c.bad) {
            nlohmann::json e = {{"path", path}, {"offset", b.offset}, {"length", b.length},
                                {"class", mismatch_name(b.kind)}};
            if (b.kind == Mismatch::Shifted || b.kind == Mismatch::OtherFile) e["source_offset"] = b.source_offset;
            if (b.kind == Mismatch::OtherFile) e["other_path"] = b.other_path;
            j["ranges"].push_back(e);
        }
    }
    return j;
}

void run_verify(const VerifyOptions& o, const CLI::App& app) {
    o.stream.apply_simd();
    Report r;
    std::unique_ptr<Namespace> ns;  // outlives the checkers that refer to it
    if (!o.stream.config.empty()) {
        if (o.root.empty()) throw UsageError("--config needs --root DIR, the copy of the dataset's tree");
        ns = std::make_unique<Namespace>(o.stream.dataset(app));
        collect_tree(o, *ns, r);
    } else {
        if (!o.root.empty()) throw UsageError("--root needs --config CONFIG");
        if (o.args.size() != 1)
            throw UsageError(o.args.empty() ? "FILE is required (or --config CONFIG --root DIR)"
                                            : "one FILE only (or --config CONFIG --root DIR PATH...)");
        const StreamParams p = o.stream.params(app);
        add_copy(r, nullptr, std::make_unique<FileSource>(std::make_unique<Stream>(p), p.size), o.args[0], o.args[0]);
    }
    r.run.threads = static_cast<unsigned>(o.threads);
    r.run.progress = ::isatty(STDERR_FILENO);
    verify_copies(r.copies, r.run);
    const Totals t = totals(r);
    if (o.json)
        std::printf("%s\n", to_json(r, t).dump(2).c_str());
    else
        print_text(r, t);
    exit_status() = t.ok ? 0 : 1;
}

}  // namespace

void add_verify(CLI::App& app) {
    auto o = std::make_shared<VerifyOptions>();
    CLI::App* cmd = app.add_subcommand(
        "verify",
        "Check copies against the bytes they should hold: a copied tree (--config CONFIG\n"
        "--root DIR [PATH...]) or a file written by `dgen cat` with the same stream options\n"
        "(FILE; - reads standard input). One line per bad range: 'PATH: OFFSET +LENGTH CLASS',\n"
        "CLASS one of zeroed, truncated, extended, shifted (from OFFSET), other-file (OTHER at\n"
        "OFFSET), corrupt; then 'PATH: missing', 'PATH: extra', and a summary line\n"
        "(exit 0 intact, 1 a bad range, a missing, extra or unreadable file, 2 usage error)");
    o->stream.add_to(*cmd, 0, false);
    o->stream.config_form = "--config CONFIG --root DIR";
    cmd->get_option("--config")->description("Check a copy of this dataset's tree (with --root)");
    cmd->add_option("--root", o->root, "With --config: the directory that holds the copied tree")
        ->type_name("DIR");
    cmd->add_option("paths", o->args,
                    "With --config: dataset paths to check (files or directories; default: all). "
                    "Without: the copy to check, - for standard input")
        ->type_name("PATH|FILE");
    add_u64_option(*cmd, "--threads", o->threads, 1, 1024,
                   "Threads that compare (default: every online CPU)")
        ->default_str("all");
    cmd->add_flag("--json", o->json, "Print the report as one JSON document");
    cmd->callback([o, cmd] { run_verify(*o, *cmd); });
}

}  // namespace dgen::cli
