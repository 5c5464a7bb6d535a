// Makes `-o auto_unmount` hold when the daemon is killed outright (SIGKILL, the OOM
// killer), not only when it exits.
//
// With auto_unmount, libfuse leaves a fusermount3 process holding one end of a socket
// whose other end is in the daemon; when the socket closes, fusermount3 opens the
// mountpoint and unmounts if that fails with ENOTCONN. But a killed process closes its
// descriptors in no fixed order: the socket can close while the /dev/fuse descriptors are
// still open, fusermount3's open() then waits on a live connection, fails with another
// error when the connection is aborted a moment later, and the dead mount stays
// (1 to 3 kills in 100 here).
//
//   daemon ──life pipe──▶ guard (a child: holds a copy of each fusermount3 socket, no
//                         /dev/fuse; notes each mount's device) ── pipe EOF: the daemon
//                         is gone ──▶ for each mount still ours: statfs, which returns
//                         once our connection is aborted ──▶ one that answers with an
//                         error (over io_uring a dead daemon's connection can outlive
//                         it) is aborted through fusectl and detached ──▶ exit:
//                         fusermount3 sees EOF only now
#pragma once

#include <string>
#include <vector>

namespace dgen::fs {

// The socket descriptors this process holds: taken before and after mounting, the new ones
// are the fusermount3 sockets (libfuse keeps them only with auto_unmount, and does not
// say which they are; both ends of its socketpair name this process as the peer).
std::vector<int> socket_descriptors();

// Starts the guard for `mountpoints` (absolute), holding copies of `sockets`; nothing if
// there are none. Call after mounting, while this process has one thread. Returns "" or
// why it could not (the mounts are served anyway).
std::string start_mount_guard(const std::vector<std::string>& mountpoints, const std::vector<int>& sockets);

}  // namespace dgen::fs
