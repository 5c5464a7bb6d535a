// The daemon's one logging path. Every message, libfuse's included, goes through log():
//
//   before daemonizing, or with -f:  stderr, "dgenfs: MESSAGE"; when stderr is the
//       journal's stream (JOURNAL_STREAM names it, as under systemd) "<N>MESSAGE"
//       instead, N the syslog level, so `journalctl -p` filters it
//   once daemonized (stdio is /dev/null): syslog, ident "dgenfs", LOG_PID, LOG_DAEMON
//
// Levels are syslog's; messages above the threshold (-o log_level=, default info; debug
// with -d) are dropped.
#pragma once

#include <syslog.h>

#include <mutex>
#include <optional>
#include <string>

namespace dgen::fs {

// Routes libfuse's messages here and notes whether stderr is the journal.
void log_init();
// From now on, syslog (called by the daemonized process when stdio goes).
void log_to_syslog();

void set_log_level(int level);
int log_level();
// "warning", "notice", "info", "debug"; nullopt for anything else. There is no "error"
// threshold: warnings (refused writes among them) and errors always reach the log.
std::optional<int> parse_log_level(const std::string& name);
const char* log_level_names();

void log(int level, const char* format, ...) __attribute__((format(printf, 2, 3)));

// strerror(err), and where a resource limit is the likely cause, the limit: EMFILE names
// the open-file limit (ulimit -n); ENOMEM and EAGAIN (a thread stack that could not be
// mapped) the address-space limit (ulimit -v) when one is set.
std::string error_text(int err);
// Only the limit part: " (the open-file limit, ulimit -n, is 16)", or "".
std::string limit_hint(int err);

// For messages a client can cause at any rate (refused writes): at most `per_second`
// lines a second; the next line that passes says how many were dropped.
class RateLimit {
public:
    explicit RateLimit(unsigned per_second) : per_second_(per_second) {}
    // True if a line may be logged now; `*dropped` gets the count suppressed before it.
    bool allow(unsigned long long* dropped);

private:
    const unsigned per_second_;
    std::mutex lock_;
    long long second_ = -1;
    unsigned used_ = 0;
    unsigned long long dropped_ = 0;
};

}  // namespace dgen::fs
