#include "mountpoint.h"

#include <limits.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "log.h"

extern char** environ;

namespace dgen::fs {
namespace {

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string unescape(const std::string& s) {
    auto octal = [&](size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '7'; };
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Every entry of /proc/self/mountinfo, in mount order (a later one lies on top):
//   36 35 98:0 /root /mnt/point rw,noatime master:1 - ext4 /dev/sda1 rw
std::vector<MountEntry> mount_table() {
    std::vector<MountEntry> table;
    std::ifstream info("/proc/self/mountinfo");
    for (std::string line; std::getline(info, line);) {
        std::istringstream f(line);
        std::string id, parent, dev, root, point;
        f >> id >> parent >> dev >> root >> point;
        const size_t dash = line.find(" - ");
        unsigned major = 0, minor = 0;
        if (dash == std::string::npos || std::sscanf(dev.c_str(), "%u:%u", &major, &minor) != 2) continue;
        MountEntry e;
        e.dev = makedev(major, minor);
        e.point = unescape(point);
        std::istringstream(line.substr(dash + 3)) >> e.fstype >> e.source;
        table.push_back(std::move(e));
    }
    return table;
}

// A dgenfs mount whose daemon is gone but which nobody unmounted (fusermount3 killed
// too, e.g. kill -9 of the whole process group) answers ENOTCONN; mounting over it would
// stack a new mount on a dead one. Such a mount is detached first, and only if it is
// dgenfs's own (fuse.dgenfs).
void remove_stale_mount(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 || errno != ENOTCONN) return;
    const auto m = mount_at(path);
    if (!m || m->fstype != "fuse.dgenfs") return;  // mounting then fails with libfuse's message
    if (const std::string e = detach(path); !e.empty()) {
        log(LOG_WARNING, "%s: cannot detach a stale dgenfs mount: %s", path.c_str(), e.c_str());
        return;
    }
    log(LOG_NOTICE, "%s: detached a stale dgenfs mount (its daemon had died)", path.c_str());
}

const char* file_type(mode_t mode) {
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "not a directory";
}

// mkdir -p `path` (absolute), adding each directory made to `made` (if given).
void make_directories(const std::string& path, std::vector<std::string>* made) {
    for (size_t slash = path.find('/', 1); ; slash = path.find('/', slash + 1)) {
        const std::string prefix = path.substr(0, slash);
        if (::mkdir(prefix.c_str(), 0755) == 0) {
            log(LOG_NOTICE, "created %s", prefix.c_str());
            if (made) made->push_back(prefix);
        }
        if (slash == std::string::npos) break;
    }
}

// `path` resolved, once a dead dgenfs mount there is detached; "" after logging why not
// (`key` names the setting). Resolving must happen before mounting: after, it would wait
// on our own unanswered INIT.
std::string resolve(const std::string& path, const char* key, const char* after) {
    remove_stale_mount(path);
    char real[PATH_MAX];
    if (!::realpath(path.c_str(), real)) {
        log(LOG_ERR, "%s %s: %s%s", key, path.c_str(), std::strerror(errno), after);
        return "";
    }
    return real;
}

}  // namespace

std::string choose_mountpoint(const DaemonOptions& o, const DatasetConfig& d) {
    std::string path = o.mountpoint;
    if (path.empty()) {
        path = d.mountpoint.empty() ? o.default_mountpoint : d.mountpoint;
        if (path.empty()) return "";  // the caller said why
        make_directories(path, nullptr);
    }
    // libfuse reads "/dev/fd/N" as a /dev/fuse descriptor that a parent opened and
    // mounted (mount.fuse3 -o drop_privileges); dgenfs mounts by itself, and needs the
    // mountpoint to probe, unmount and report it.
    if (path.compare(0, 8, "/dev/fd/") == 0 && path.size() > 8 &&
        path.find_first_not_of("0123456789", 8) == std::string::npos) {
        log(LOG_ERR, "mountpoint %s: a /dev/fuse descriptor from the parent (mount.fuse3 -o drop_privileges) "
                     "is not supported; give a directory", path.c_str());
        return "";
    }
    if (path[0] != '/') {  // relative: absolute without resolving, for the mountinfo match
        char cwd[PATH_MAX];
        if (::getcwd(cwd, sizeof cwd)) path = std::string(cwd) + "/" + path;
    }
    return resolve(path, "mountpoint", "");
}

std::string choose_verify_mountpoint(const std::string& mountpoint, const DatasetConfig& d,
                                     std::vector<std::string>* made) {
    std::string path = d.verify_mountpoint;
    if (path.empty()) {
        // Root's runtime state lives in /run; another user's in its XDG_RUNTIME_DIR.
        const char* runtime = std::getenv("XDG_RUNTIME_DIR");
        if (::geteuid() == 0) {
            path = "/run/dgenfs/verify" + mountpoint;
        } else if (runtime && runtime[0] == '/') {
            path = std::string(runtime) + "/dgenfs/verify" + mountpoint;
        } else {
            log(LOG_ERR, "verify area: no place to mount it: not root, and XDG_RUNTIME_DIR is not set; set "
                         "verify_mountpoint (or verify_area = false) in [dataset]; nothing mounted");
            return "";
        }
    }
    make_directories(path, made);
    return resolve(path, "verify_mountpoint", "; nothing mounted");
}

bool check_directory(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        log(LOG_ERR, "mountpoint %s: %s; nothing mounted", path.c_str(), std::strerror(errno));
        return false;
    }
    // The kernel would mount a FUSE root over a file, and every lookup through it
    // would then fail (ENOTDIR, EIO): a dataset is a directory tree.
    if (!S_ISDIR(st.st_mode)) {
        log(LOG_ERR, "mountpoint %s is %s, not a directory; nothing mounted", path.c_str(), file_type(st.st_mode));
        return false;
    }
    return true;
}

bool check_mountpoint(const std::string& path, bool overmount) {
    remove_stale_mount(path);
    if (!check_directory(path)) return false;
    const auto m = mount_at(path);
    if (m && !overmount) {
        // Mounting would stack: the new mount hides the old one (a running dgenfs, a
        // volume) until it goes, and nothing says so. Stop the other first.
        log(LOG_ERR, "mountpoint %s is already a mount point (%s from %s); mounting would hide it: unmount "
                     "it first (fusermount3 -u %s), or add -o overmount; nothing mounted",
            path.c_str(), m->fstype.c_str(), m->source.c_str(), path.c_str());
        return false;
    }
    if (m) log(LOG_NOTICE, "mounting over %s from %s at %s (-o overmount)", m->fstype.c_str(), m->source.c_str(), path.c_str());
    return true;
}

std::optional<MountEntry> mount_at(const std::string& path) {
    std::optional<MountEntry> top;
    for (MountEntry& e : mount_table())
        if (e.point == path) top = std::move(e);
    return top;
}

std::optional<MountEntry> mount_of(dev_t dev) {
    for (MountEntry& e : mount_table())
        if (e.dev == dev) return std::move(e);
    return std::nullopt;
}

std::string detach(const std::string& path) {
    if (::umount2(path.c_str(), MNT_DETACH) == 0) return "";
    const int err = errno;
    if (err != EPERM) return std::string("umount2: ") + std::strerror(err);
    // Not root: fusermount3 can. posix_spawn, not fork: the daemon may have threads.
    const char* argv[] = {"fusermount3", "-u", "-z", "--", path.c_str(), nullptr};
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, "fusermount3", nullptr, nullptr, const_cast<char**>(argv), environ);
    if (rc != 0) return std::string("fusermount3: ") + std::strerror(rc);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "fusermount3 -u -z failed";
    return "";
}

}  // namespace dgen::fs
