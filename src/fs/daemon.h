// Mounting and serving one dataset: parse -> plan -> mount(s) -> daemonize -> INIT ->
// pinned workers -> wait for a signal or an unmount -> unwind.
#pragma once

#include <string>
#include <vector>

namespace dgen::fs {

struct DaemonOptions {
    std::string config;      // path of the INI file
    std::string mountpoint;          // empty: the config's, else default_mountpoint
    std::string default_mountpoint;  // --default-mountpoint (the systemd units)
    bool foreground = false;
    bool debug = false;
    std::vector<std::string> fuse_args;  // libfuse options, checked by the command line
};

// Returns the process exit code: 0 after a clean unmount, 1 if mounting or serving
// failed, 2 if the config (or its NUMA plan) is invalid: every error printed, nothing
// mounted.
int run_daemon(const DaemonOptions& options);

// `dgenfs --show-plan CONFIG`: prints the placement plan; 0, or 2 if it cannot be met.
int show_plan(const std::string& config);

}  // namespace dgen::fs
