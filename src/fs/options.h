// dgenfs's command line: one table of what it accepts. --help prints the table, the
// parser (libfuse's fuse_opt_parse, as libfuse's examples use it) is built from it, and
// tests/integration/test-fs-options.sh holds docs/dgenfs.md and dgenfs(8) to it.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "daemon.h"

namespace dgen::fs {

enum class Action { Mount, Help, Version, Check, ShowPlan };

struct CommandLine {
    Action action = Action::Mount;
    DaemonOptions daemon;
    std::string config;   // --check / --show-plan CONFIG
    int log_level = -1;   // -o log_level=; -1: not given
    std::string error;    // a usage error, said in full; empty when the line is good
};

CommandLine parse_command_line(int argc, char** argv);
void print_help(FILE* out);
void print_version(FILE* out);

}  // namespace dgen::fs
