#include "log.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>

#include "fs.h"

namespace dgen::fs {
namespace {

std::atomic<int> g_level{LOG_INFO};
std::atomic<bool> g_syslog{false};
bool g_journal = false;   // stderr is the journal's stream: prefix lines with <level>
std::mutex g_lock;        // one line at a time on stderr

const char* const kNames[] = {"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"};

// JOURNAL_STREAM is "DEVICE:INODE" of the stream systemd connected; it only counts if
// stderr is still that stream (a child may have redirected it).
bool stderr_is_journal() {
    const char* env = std::getenv("JOURNAL_STREAM");
    struct stat st {};
    if (!env || ::fstat(2, &st) != 0) return false;
    unsigned long long dev = 0, ino = 0;
    return std::sscanf(env, "%llu:%llu", &dev, &ino) == 2 && dev == st.st_dev && ino == st.st_ino;
}

// `prefix`: ours get "dgenfs: " on stderr; libfuse's already say "fuse: ..." or are
// debug dumps that must stay as they are.
void write_line(int level, bool prefix, const char* text) {
    if (level > g_level.load(std::memory_order_relaxed)) return;
    if (g_syslog.load()) return syslog(level, "%s", text);
    std::lock_guard<std::mutex> g(g_lock);
    // The journal names the program itself ("dgenfs[PID]:"); a terminal needs the name.
    if (g_journal) std::fprintf(stderr, "<%d>%s\n", level, text);
    else std::fprintf(stderr, "%s%s\n", prefix ? "dgenfs: " : "", text);
}

std::string format_line(const char* format, va_list ap) {
    char line[4096];
    std::vsnprintf(line, sizeof line, format, ap);
    std::string text(line);
    while (!text.empty() && text.back() == '\n') text.pop_back();  // libfuse ends its lines with one
    return text;
}

void from_libfuse(enum fuse_log_level level, const char* format, va_list ap) {
    if (static_cast<int>(level) > g_level.load(std::memory_order_relaxed)) return;
    write_line(static_cast<int>(level), false, format_line(format, ap).c_str());
}

}  // namespace

void log_init() {
    g_journal = stderr_is_journal();
    fuse_set_log_func(from_libfuse);
}

void log_to_syslog() {
    ::openlog("dgenfs", LOG_PID, LOG_DAEMON);
    g_syslog.store(true);
}

void set_log_level(int level) { g_level.store(level); }
int log_level() { return g_level.load(); }

std::optional<int> parse_log_level(const std::string& name) {
    for (int l = LOG_WARNING; l <= LOG_DEBUG; ++l)  // errors and warnings always pass
        if (name == kNames[l]) return l;
    return std::nullopt;
}

const char* log_level_names() { return "warning, notice, info, debug"; }

void log(int level, const char* format, ...) {
    if (level > g_level.load(std::memory_order_relaxed)) return;
    va_list ap;
    va_start(ap, format);
    const std::string text = format_line(format, ap);
    va_end(ap);
    write_line(level, true, text.c_str());
}

bool RateLimit::allow(unsigned long long* dropped) {
    std::lock_guard<std::mutex> g(lock_);
    timespec now {};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    if (now.tv_sec != second_) {
        second_ = now.tv_sec;
        used_ = 0;
    }
    if (used_ >= per_second_) {
        ++dropped_;
        return false;
    }
    ++used_;
    *dropped = dropped_;
    dropped_ = 0;
    return true;
}

std::string limit_hint(int err) {
    rlimit limit{};
    if (err == EMFILE && ::getrlimit(RLIMIT_NOFILE, &limit) == 0)
        return " (the open-file limit, ulimit -n, is " + std::to_string(limit.rlim_cur) + ")";
    if ((err == ENOMEM || err == EAGAIN) && ::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        return " (the address-space limit, ulimit -v, is " + std::to_string(limit.rlim_cur / 1024) + " KiB)";
    return "";
}

std::string error_text(int err) { return std::strerror(err) + limit_hint(err); }

}  // namespace dgen::fs
