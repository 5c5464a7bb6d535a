#include "mount_guard.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "mountpoint.h"

namespace dgen::fs {
namespace {

// Aborts FUSE connection `minor` through fusectl, mounting fusectl first if this root
// process finds it missing (systemd mounts it at boot; a container may not).
void abort_connection(unsigned minor) {
    const std::string dir = "/sys/fs/fuse/connections";
    const std::string file = dir + "/" + std::to_string(minor) + "/abort";
    if (::access(file.c_str(), F_OK) != 0 && ::geteuid() == 0) (void)::mount("fusectl", dir.c_str(), "fusectl", 0, nullptr);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    (void)!::write(fd, "1\n", 2);
    ::close(fd);
}

[[noreturn]] void guard(int life, const std::vector<int>& keep, const std::vector<std::string>& points) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);  // ends on its own
    (void)!::chdir("/");
    // Every other descriptor goes, above all the /dev/fuse ones, which would keep the
    // connection alive: close the gaps between the ones kept.
    std::vector<int> kept = keep;
    kept.push_back(life);
    std::sort(kept.begin(), kept.end());
    unsigned from = 0;
    for (int fd : kept) {
        if (static_cast<unsigned>(fd) > from) ::close_range(from, static_cast<unsigned>(fd) - 1, 0);
        from = static_cast<unsigned>(fd) + 1;
    }
    ::close_range(from, ~0u, 0);
    std::vector<dev_t> devs;  // each mount's connection, while it is surely ours
    for (const std::string& p : points) {
        const auto m = mount_at(p);
        devs.push_back(m && m->fstype == "fuse.dgenfs" ? m->dev : 0);
    }
    char c;
    for (;;) {  // nobody writes: EOF when the daemon's end closes, however it ended
        const ssize_t n = ::read(life, &c, 1);
        if (n == 0 || (n < 0 && errno != EINTR)) break;
    }
    // The daemon is gone. Over io_uring its connections may outlive it: a request that
    // reached a dead ring was never ended, and the reader waited unkillably (seen after
    // kill -9 at start-up, Linux 6.18); fusectl's abort ends them. (Over /dev/fuse the
    // kernel aborts once the last descriptor closes; aborting first changes nothing.)
    for (dev_t d : devs)
        if (d) abort_connection(minor(d));
    // A statfs on one of its mounts waits until the connection is aborted, then fails;
    // an unmounted path answers at once. Either way fusermount3 may look now. alarm:
    // never wait forever. fusermount3 unmounts only on ENOTCONN or ECONNABORTED, and a
    // request to a dying io_uring queue fails with ECANCELED, so a mount of ours that
    // answers with any error is detached here.
    ::alarm(30);
    for (const std::string& p : points) {
        struct statfs s {};
        if (::statfs(p.c_str(), &s) == 0) continue;
        const auto m = mount_at(p);
        if (m && m->fstype == "fuse.dgenfs") (void)detach(p);
    }
    ::_exit(0);
}

}  // namespace

std::vector<int> socket_descriptors() {
    std::vector<int> fds;
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return fds;
    const int own = ::dirfd(d);
    while (const dirent* e = ::readdir(d)) {
        char* end = nullptr;
        const long fd = std::strtol(e->d_name, &end, 10);
        struct stat st {};
        if (*end == '\0' && fd != own && ::fstat(static_cast<int>(fd), &st) == 0 && S_ISSOCK(st.st_mode))
            fds.push_back(static_cast<int>(fd));
    }
    ::closedir(d);
    return fds;
}

std::string start_mount_guard(const std::vector<std::string>& mountpoints, const std::vector<int>& sockets) {
    if (sockets.empty()) return "";  // no auto_unmount: nothing to guard
    int life[2];
    if (::pipe2(life, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int err = errno;
        ::close(life[0]);
        ::close(life[1]);
        return std::string("fork: ") + std::strerror(err);
    }
    if (pid == 0) {
        ::close(life[1]);
        guard(life[0], sockets, mountpoints);
    }
    ::close(life[0]);  // life[1] stays open, unused, until this process ends
    return "";
}

}  // namespace dgen::fs
