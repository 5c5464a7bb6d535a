// Where dgenfs mounts, and what it will not mount on. Every check runs before mounting,
// so a refused mountpoint leaves nothing mounted:
//
//   choose_mountpoint: command line, config, --default-mountpoint ──▶ absolute path
//     ──▶ a dead dgenfs mount there is detached ──▶ resolved (realpath)
//   check_mountpoint (each path mounted): a directory ──▶ not already a mount point
//     (a second mount would hide the first: refused unless -o overmount)
//
// After serving, the same mount table tells an unmount (our mount is gone) from an
// aborted connection (our mount is still there, answering ENOTCONN).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "daemon.h"
#include "dgen/config.h"

namespace dgen::fs {

// The mountpoint: the command line's, else the config's `mountpoint`, else
// --default-mountpoint; the latter two are created if missing (mkdir -p), as a systemd
// unit expects. Returns it absolute and resolved, or "" after logging why not (none of
// the three given: "" unlogged, for the caller to report as the usage error it is).
std::string choose_mountpoint(const DaemonOptions& o, const DatasetConfig& d);

// Where the verify area is mounted (special.h): the config's verify_mountpoint, else
// /run/dgenfs/verify<MOUNTPOINT> (root) or $XDG_RUNTIME_DIR/dgenfs/verify<MOUNTPOINT>.
// Created if missing (each directory made is added to `made`, for removal after the
// unmount); a dead dgenfs mount there is detached. Returns it resolved, or "" after
// logging why not.
std::string choose_verify_mountpoint(const std::string& mountpoint, const DatasetConfig& d,
                                     std::vector<std::string>* made);

// True if `path` is a directory; else logs what it is and returns false.
bool check_directory(const std::string& path);

// True if dgenfs may mount at `path` (absolute, resolved): a directory that is not a
// mount point (unless `overmount`). Else logs why not and returns false.
bool check_mountpoint(const std::string& path, bool overmount);

// One line of /proc/self/mountinfo.
struct MountEntry {
    dev_t dev = 0;       // the mount's device (st_dev of files under it)
    std::string point;   // unescaped
    std::string fstype;  // "fuse.dgenfs", "tmpfs", ...
    std::string source;  // "dgenfs", "/dev/sda1", ...
};

// The topmost mount at `path` (absolute, resolved), if any.
std::optional<MountEntry> mount_at(const std::string& path);

// The mount of device `dev`, if this namespace still has one.
std::optional<MountEntry> mount_of(dev_t dev);

// Detaches the mount at `path` (umount2 MNT_DETACH; fusermount3 -u -z when not root).
// Returns "" or why it could not.
std::string detach(const std::string& path);

}  // namespace dgen::fs
