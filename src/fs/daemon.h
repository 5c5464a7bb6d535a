// Mounting and serving one dataset: parse -> plan -> mount(s) -> daemonize -> INIT ->
// pinned workers -> wait for a signal or an unmount -> unwind.
#pragma once

#include <string>
#include <vector>

#include "dgen/config.h"

namespace dgen::fs {

struct DaemonOptions {
    std::string config;      // path of the INI file
    std::string mountpoint;          // empty: the config's, else default_mountpoint
    std::string default_mountpoint;  // --default-mountpoint (the systemd units)
    bool foreground = false;
    bool debug = false;
    bool overmount = false;  // -o overmount: mount even where something is mounted
    std::vector<std::string> fuse_args;  // libfuse options, checked by the command line
};

// Returns the process exit code: 0 after a clean unmount, 1 if mounting or serving
// failed, 2 if the config (or its NUMA plan) is invalid: every error printed, nothing
// mounted.
int run_daemon(const DaemonOptions& options);

// `dgenfs --show-plan CONFIG`: prints the placement plan; 0, or 2 if it cannot be met.
int show_plan(const std::string& config);

// Why mounting `dataset` here would fail its NUMA plan, before anything is allocated or
// mounted ("" if it would not): a node that does not exist or has no usable CPU, a pool
// too small for its workers' buffers, pools beyond a node's memory or beyond
// MemAvailable. `dgenfs --check` runs it.
std::string plan_error(const DatasetConfig& dataset);

}  // namespace dgen::fs
