#include "options.h"

#include <algorithm>
#include <cstring>

#include "fs.h"
#include "log.h"

namespace dgen::fs {
namespace {

enum Key {
    kHelp, kVersion, kForeground, kDebug, kCheck, kShowPlan, kDefaultMountpoint, kLogLevel,
    kMountOption, kFstabWord, kThreads, kMaxRead, kOvermount,
};

// One row per option. `spellings`: the fuse_opt templates ("-x " takes the next
// argument; a bare word is an -o option; "word=" takes a value). `shown`: how --help
// writes it (empty: a refused option, with `help` as the error).
struct Row {
    std::vector<const char*> spellings;
    Key key;
    const char* shown;
    const char* help;
};

const Row kRows[] = {
    {{"-h", "--help"}, kHelp, "-h, --help", "print this help and exit"},
    {{"-V", "--version"}, kVersion, "-V, --version", "print the version, data formats and libfuse version"},
    {{"-f"}, kForeground, "-f", "stay in the foreground (default: a daemon once serving)"},
    {{"-d", "debug"}, kDebug, "-d, -o debug", "foreground, log level debug, and libfuse's request trace"},
    {{"--check "}, kCheck, "--check CONFIG", "validate CONFIG, print what it describes, mount nothing"},
    {{"--show-plan "}, kShowPlan, "--show-plan CONFIG", "print the NUMA plan (a line per node group), mount nothing"},
    {{"--default-mountpoint "}, kDefaultMountpoint, "--default-mountpoint PATH",
     "mount here when neither the command line nor the\n"
     "config's mountpoint names a place; created if missing"},
    {{"log_level=", "log_level"}, kLogLevel, "-o log_level=LEVEL", "warning, notice, info (default) or debug"},
    {{"allow_other"}, kMountOption, "-o allow_other", "every user may read (root, or user_allow_other\nin /etc/fuse.conf)"},
    {{"allow_root"}, kMountOption, "-o allow_root", "let the mounting user and root read the mount"},
    {{"auto_unmount"}, kMountOption, "-o auto_unmount", "unmount when the daemon ends, even by kill -9"},
    {{"overmount"}, kOvermount, "-o overmount",
     "mount even where MOUNTPOINT is already a mount point,\nhiding what is there (default: refused)"},
    {{"default_permissions"}, kMountOption, "-o default_permissions",
     "the kernel checks the modes instead of dgenfs; root's\n"
     "access(W_OK) then says yes on dataset files"},
    {{"ro", "rw"}, kMountOption, "-o ro, rw",
     "ro: the kernel refuses every write; rw: dgenfs takes\nthem in /.verify only (default rw with verify_area)"},
    {{"nosuid", "suid", "nodev", "dev", "noexec", "exec"}, kMountOption,
     "-o nosuid, suid, nodev, dev, noexec, exec",
     "the kernel's mount flags, passed on (auto_unmount mounts\nthrough fusermount3, which adds nosuid, nodev)"},
    {{"noatime", "atime"}, kMountOption, "-o noatime, atime", "access-time flags, passed on (times never change)"},
    // libfuse 3.14's mount refuses these ("unknown option(s)"): passed on, they failed
    // every mount. An fstab line may carry them, and with times that never change they
    // would do nothing anyway.
    {{"nodiratime", "diratime", "relatime", "norelatime", "strictatime", "nostrictatime", "lazytime",
      "nolazytime"},
     kFstabWord, "-o nodiratime, diratime, relatime, norelatime,\n   strictatime, nostrictatime, lazytime, nolazytime",
     "access-time flags libfuse cannot pass on;\naccepted and ignored (times never change)"},
    {{"sync", "async", "dirsync"}, kMountOption, "-o sync, async, dirsync", "passed on; nothing is ever written"},
    {{"nofail", "_netdev", "auto", "noauto", "user", "users", "nouser", "defaults"}, kFstabWord,
     "-o nofail, _netdev, auto, noauto, user, users, nouser, defaults",
     "fstab words for mount(8); accepted and ignored"},
    // Refused, each with the reason: libfuse would take them, dgenfs would not honour them.
    {{"-s", "clone_fd", "max_idle_threads=", "max_threads="}, kThreads, "",
     "dgenfs runs its own NUMA-pinned workers, each with a cloned /dev/fuse descriptor; "
     "set workers_per_node in the config's [dataset]"},
    {{"max_read="}, kMaxRead, "", "set max_read in the config's [dataset] (one value for the kernel and libfuse)"},
};

struct ParseState {
    CommandLine* line;
    std::vector<std::string> positional;
    std::vector<std::string> mount_options;
};

const Row* row_of(int key, const char* arg) {
    for (const Row& r : kRows) {
        if (r.key != key) continue;
        for (const char* s : r.spellings) {
            const size_t n = std::strlen(s);
            const size_t cmp = s[n - 1] == ' ' || s[n - 1] == '=' ? n - 1 : n;
            if (std::strncmp(arg, s, cmp) == 0) return &r;
        }
    }
    return nullptr;
}

// The value of a "-x VALUE" spelling: fuse_opt hands over "-xVALUE".
std::string value_after(const char* arg, const char* spelling) {
    return arg + std::strlen(spelling) - 1;
}

int on_option(void* data, const char* arg, int key, fuse_args*) {
    auto& st = *static_cast<ParseState*>(data);
    CommandLine& cl = *st.line;
    if (!cl.error.empty()) return 1;  // the first error stands
    switch (key) {
    case FUSE_OPT_KEY_NONOPT:
        st.positional.push_back(arg);
        return 0;
    case FUSE_OPT_KEY_OPT:
        cl.error = std::string("unknown option '") + arg + "' (dgenfs --help lists what dgenfs accepts)";
        return 1;
    case kHelp: cl.action = Action::Help; return 0;
    case kVersion: cl.action = Action::Version; return 0;
    case kForeground: cl.daemon.foreground = true; return 0;
    case kDebug: cl.daemon.foreground = cl.daemon.debug = true; return 0;
    case kCheck:
    case kShowPlan:
        if (cl.action == Action::Mount) cl.action = key == kCheck ? Action::Check : Action::ShowPlan;
        cl.config = value_after(arg, key == kCheck ? "--check " : "--show-plan ");
        return 0;
    case kDefaultMountpoint:
        cl.daemon.default_mountpoint = value_after(arg, "--default-mountpoint ");
        if (cl.daemon.default_mountpoint.empty() || cl.daemon.default_mountpoint[0] != '/')
            cl.error = "--default-mountpoint '" + cl.daemon.default_mountpoint + "' is not an absolute path";
        return cl.error.empty() ? 0 : 1;
    case kLogLevel: {
        const char* eq = std::strchr(arg, '=');  // "-o log_level" alone: no value
        const std::string v = eq ? eq + 1 : "";
        const auto level = parse_log_level(v);
        if (!level) cl.error = "-o log_level=" + v + ": expected one of " + log_level_names();
        else cl.log_level = *level;
        return cl.error.empty() ? 0 : 1;
    }
    case kOvermount: cl.daemon.overmount = true; return 0;
    case kMountOption: st.mount_options.push_back(arg); return 0;
    case kFstabWord: return 0;
    default: {
        const Row* r = row_of(key, arg);
        cl.error = std::string("option '") + arg + "' is not supported: " + (r ? r->help : "");
        return 1;
    }
    }
}

// fuse_opt takes a "--x " option's value from the next argument or glued onto the
// option itself, so "--check-config m.ini" was --check "-config" and "--check=m.ini"
// --check "=m.ini". Split the "--x=VALUE" form (as dgen's options take it) into two
// arguments, and refuse a glued value. Returns the error, or "" with `out` filled.
std::string split_long_values(int argc, char** argv, std::vector<std::string>& out) {
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        out.push_back(a);
        if (i == 0) continue;
        if (a == "--") {  // the rest are arguments, not options
            out.insert(out.end(), argv + i + 1, argv + argc);
            break;
        }
        if (a == "-o" && i + 1 < argc) {  // its value is never an option
            out.push_back(argv[++i]);
            continue;
        }
        for (const Row& r : kRows)
            for (const std::string s : r.spellings) {
                if (s.compare(0, 2, "--") != 0 || s.back() != ' ') continue;
                const std::string name = s.substr(0, s.size() - 1);
                if (a.compare(0, name.size(), name) != 0) continue;
                if (a.size() == name.size()) {
                    if (i + 1 < argc) out.push_back(argv[++i]);
                } else if (a[name.size()] == '=') {
                    out.back() = name;
                    out.push_back(a.substr(name.size() + 1));
                } else {
                    return "unknown option '" + a + "' (dgenfs --help lists what dgenfs accepts)";
                }
            }
    }
    return "";
}

}  // namespace

CommandLine parse_command_line(int argc, char** argv) {
    CommandLine cl;
    std::vector<std::string> words;
    cl.error = split_long_values(argc, argv, words);
    if (!cl.error.empty()) return cl;
    std::vector<char*> split;
    for (std::string& w : words) split.push_back(w.data());
    std::vector<fuse_opt> spec;
    for (const Row& r : kRows)
        for (const char* s : r.spellings) spec.push_back(FUSE_OPT_KEY(s, r.key));
    spec.push_back(FUSE_OPT_END);
    ParseState st{&cl, {}, {}};
    fuse_args args = FUSE_ARGS_INIT(static_cast<int>(split.size()), split.data());
    const int rc = fuse_opt_parse(&args, &st, spec.data(), on_option);
    fuse_opt_free_args(&args);
    if (!cl.error.empty()) return cl;
    if (rc != 0) {  // fuse_opt's own complaint (e.g. "-o" without a value) is on stderr
        cl.error = "cannot parse the command line (dgenfs --help shows the forms)";
        return cl;
    }
    if (cl.action == Action::Help || cl.action == Action::Version) return cl;
    if (cl.action == Action::Check || cl.action == Action::ShowPlan) {
        // Alone: anything else, a second --check or --show-plan too, would be silently
        // ignored (regression: "--check A --show-plan A" ran the check only).
        const std::string word = cl.action == Action::Check ? "--check" : "--show-plan";
        if (cl.config.empty()) {  // "--check=" or --check "": not a file named ""
            cl.error = word + ": CONFIG is empty";
            return cl;
        }
        const auto at = std::find(words.begin() + 1, words.end(), word);
        for (auto w = words.begin() + 1; w != words.end(); ++w)
            if (w != at && w != at + 1) {
                cl.error = word + " takes only CONFIG; unexpected '" + *w + "'";
                break;
            }
        return cl;
    }
    if (st.positional.empty() || st.positional.size() > 2) {
        cl.error = "expected CONFIG [MOUNTPOINT], got " + std::to_string(st.positional.size()) + " arguments";
        return cl;
    }
    cl.daemon.config = st.positional[0];
    if (st.positional.size() == 2) cl.daemon.mountpoint = st.positional[1];
    if (!st.mount_options.empty()) {
        std::string joined;
        for (const std::string& o : st.mount_options) joined += (joined.empty() ? "" : ",") + o;
        cl.daemon.fuse_args = {"-o", joined};
    }
    return cl;
}

void print_help(FILE* out) {
    std::fprintf(out,
        "Usage: dgenfs CONFIG [MOUNTPOINT] [-f] [-d] [-o OPTION[,OPTION...]]\n"
        "  or:  dgenfs --check CONFIG\n"
        "  or:  dgenfs --show-plan CONFIG\n"
        "\n"
        "Mounts the dataset described by CONFIG (an INI file) read-only at MOUNTPOINT: files\n"
        "whose every byte is generated on read from (seed, path, offset); nothing is stored.\n"
        "Without MOUNTPOINT, the config's [dataset] mountpoint, else --default-mountpoint.\n"
        "\n"
        "Options:\n");
    for (const Row& r : kRows) {
        if (!*r.shown) continue;
        std::string help = r.help;
        for (size_t nl = help.find('\n'); nl != std::string::npos; nl = help.find('\n', nl + 1))
            help.insert(nl + 1, 30, ' ');
        std::string shown = r.shown;
        for (size_t nl = shown.find('\n'); nl != std::string::npos; nl = shown.find('\n', nl + 1))
            shown.insert(nl + 1, 2, ' ');
        if (shown.size() - shown.rfind('\n') > 28 || shown.find('\n') != std::string::npos)
            std::fprintf(out, "  %s\n%30s%s\n", shown.c_str(), "", help.c_str());
        else
            std::fprintf(out, "  %-28s%s\n", shown.c_str(), help.c_str());
    }
    std::fprintf(out,
        "\n"
        "Not accepted:\n"
        "  -s, -o clone_fd, -o max_threads=, -o max_idle_threads= (dgenfs runs its own\n"
        "  NUMA-pinned workers: set workers_per_node in the config), -o max_read= (set\n"
        "  max_read in the config)\n"
        "\n"
        "Signals:\n"
        "  SIGTERM, SIGINT, SIGHUP unmount and exit 0 (one ignored when dgenfs started,\n"
        "  e.g. SIGINT in a script's background job, stays ignored); SIGUSR2 (systemctl\n"
        "  reload) re-reads nothing, and says so in the log: the config is read once.\n"
        "\n"
        "Logging:\n"
        "  stderr in the foreground (the journal under systemd), syslog once a daemon.\n"
        "\n"
        "Exit status:\n"
        "  0 unmounted cleanly; 1 a mount, serving or worker failure (a MOUNTPOINT that\n"
        "  is a file or already a mount point, a connection aborted, a limit reached);\n"
        "  2 bad usage, an invalid CONFIG (every error listed with file:line) or a NUMA\n"
        "  plan this machine cannot carry out, nothing mounted. --check runs the same.\n"
        "\n"
        "Examples:\n"
        "  Mount by hand:\n"
        "    dgenfs /etc/dgenfs/dgenfs.ini /mnt/dgen -o allow_other,auto_unmount\n"
        "\n"
        "  An fstab line:\n"
        "    /etc/dgenfs/dgenfs.ini /mnt/dgen fuse.dgenfs allow_other 0 0\n"
        "\n"
        "  A service (dgenfs@NAME serves /etc/dgenfs/NAME.ini):\n"
        "    systemctl enable --now dgenfs\n");
}

void print_version(FILE* out) {
    std::fprintf(out, "dgenfs %s\nformats dgen1 dgen2 (default dgen2); libfuse %s\n", DGEN_VERSION,
                 fuse_pkgversion());
}

}  // namespace dgen::fs
