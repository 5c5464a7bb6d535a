// What the soak watches in the daemon: /proc/PID (RSS, threads, open fds) and its log.
#include <dirent.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "daemon_watch.h"

namespace dgen::soak {

std::optional<DaemonSample> sample_daemon(int pid) {
    const std::string proc = "/proc/" + std::to_string(pid);
    std::ifstream status(proc + "/status");
    DaemonSample s;
    bool rss = false, threads = false;
    for (std::string line; std::getline(status, line);) {
        if (std::sscanf(line.c_str(), "VmRSS: %llu kB", &s.rss_kib) == 1) rss = true;
        if (std::sscanf(line.c_str(), "Threads: %llu", &s.threads) == 1) threads = true;
    }
    DIR* fds = ::opendir((proc + "/fd").c_str());
    if (!rss || !threads || !fds) {
        if (fds) ::closedir(fds);
        return std::nullopt;  // gone (or not ours to look at)
    }
    while (const dirent* e = ::readdir(fds))
        if (e->d_name[0] != '.') ++s.fds;
    ::closedir(fds);
    return s;
}

std::vector<std::string> log_problems(const std::string& path) {
    std::vector<std::string> problems;
    std::ifstream in(path);
    if (!in) return {"cannot read the daemon log " + path};
    // <0> emerg .. <4> warning are problems; <5> notice, <6> info, <7> debug are not.
    static const std::regex quiet("^<[5-7]>.*");
    for (std::string line; std::getline(in, line);)
        if (!std::regex_match(line, quiet)) problems.push_back(line);
    return problems;
}

}  // namespace dgen::soak
