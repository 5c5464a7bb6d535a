// The daemon as the soak sees it from outside: /proc/PID and its log file.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dgen::soak {

struct DaemonSample {
    unsigned long long rss_kib = 0;  // VmRSS
    unsigned long long threads = 0;  // Threads
    unsigned long long fds = 0;      // entries of /proc/PID/fd
};

// nullopt if the process is gone.
std::optional<DaemonSample> sample_daemon(int pid);

// The daemon's log as soak.sh has it written (JOURNAL_STREAM set, so every line the daemon
// logs starts "<LEVEL>"): the lines at warning or worse (<0>..<4>), and every line without a
// level (a sanitizer report, or anything else that bypassed the log).
std::vector<std::string> log_problems(const std::string& path);

}  // namespace dgen::soak
