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
    // The daemon is gone: killed, or ended after unmounting. For each mount still ours
    // (the same device at the same place), a statfs waits until the connection is
    // aborted (over /dev/fuse, once the last descriptor closed), then fails; then
    // fusermount3 may look. alarm: never wait forever.
    //
    // Over io_uring a killed daemon's connection may outlive it: a request that reached
    // its ring was never ended, its reader waiting unkillably (Linux 6.18), while new
    // requests fail with ECANCELED, which fusermount3 does not take for a dead mount. So
    // a mount of ours that answers with such an error has its connection aborted
    // (fusectl) and is detached here. Only such a mount: a daemon that ended cleanly has
    // unmounted, and a connection that answers ENOTCONN or ECONNABORTED is fusermount3's
    // to unmount; once it has, the connection's number may at once be a new daemon's
    // (a restart at the same place), whose mount must not be touched.
    ::alarm(30);
    for (size_t i = 0; i < points.size(); ++i) {
        const std::string& p = points[i];
        const auto before = mount_at(p);
        if (!devs[i] || !before || before->dev != devs[i]) continue;
        struct statfs s {};
        if (::statfs(p.c_str(), &s) == 0 || errno == ENOTCONN || errno == ECONNABORTED) continue;
        const auto m = mount_at(p);
        if (!m || m->dev != devs[i]) continue;
        abort_connection(minor(devs[i]));
        (void)detach(p);
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
