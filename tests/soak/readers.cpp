// The readers: each picks a kind of file, a member, and either a burst of random preads or
// one sequential read, and compares every byte with what libdgen generates for that file.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

#include "soak.h"

namespace dgen::soak {
namespace {

constexpr size_t kMaxRead = 1u << 20;           // one pread or read call: 1 B .. 1 MiB
constexpr uint64_t kMaxSequential = 64u << 20;  // one sequential pass: up to 64 MiB
constexpr int kPreadsPerOpen = 8;
constexpr uint32_t kMaxMessages = 20;           // problems printed, over all readers

class Reader {
public:
    Reader(const ReaderPlan& plan, unsigned id, ReaderTotals& totals, SharedState& shared)
        : plan_(plan), totals_(totals), shared_(shared), rng_(plan.seed * 0x9E3779B97F4A7C15ull + id),
          got_(kMaxRead), want_(kMaxRead) {}

    void run() {
        while (!shared_.stop.load(std::memory_order_relaxed) && monotonic_ns() < plan_.deadline_ns) {
            const FileKind& kind = plan_.kinds[pick(plan_.kinds.size())];
            const SoakFile& file = kind.files[pick(kind.files.size())];
            const auto src = plan_.ns->open(file.ino);
            const std::string path = plan_.mount + "/" + file.path;
            const int fd = ::open(path.c_str(), O_RDONLY);
            if (fd < 0) {
                problem("open %s: %s", path.c_str(), std::strerror(errno));
                continue;
            }
            if (pick(4) == 0) sequential(fd, file, *src);
            else
                for (int i = 0; i < kPreadsPerOpen; ++i) random_pread(fd, file, *src);
            if (::close(fd) != 0) problem("close %s: %s", path.c_str(), std::strerror(errno));
        }
    }

private:
    uint64_t pick(uint64_t n) { return n == 0 ? 0 : rng_() % n; }

    // 1 B .. 1 MiB, log-uniform: as many 1-byte reads as 1 MiB ones, and all in between.
    size_t read_length() {
        const double x = std::uniform_real_distribution<double>(0, std::log2(double(kMaxRead)))(rng_);
        return std::max<size_t>(1, static_cast<size_t>(std::exp2(x)));
    }

    // Anywhere in the file, or (one in eight) within two read lengths of its end, so that
    // reads ending at and crossing EOF are common.
    uint64_t read_offset(uint64_t size, size_t len) {
        if (size == 0) return 0;
        if (pick(8) == 0) return size - std::min<uint64_t>(size, pick(2 * len + 1));
        return pick(size);
    }

    void random_pread(int fd, const SoakFile& file, const FileSource& src) {
        const size_t len = read_length();
        const uint64_t off = read_offset(file.size, len);
        const ssize_t n = ::pread(fd, got_.data(), len, static_cast<off_t>(off));
        check(file, src, off, len, n, "pread");
    }

    // From the start (one in four) or a random offset, successive read() calls of random
    // lengths up to kMaxSequential bytes or EOF; at EOF, read must return 0.
    void sequential(int fd, const SoakFile& file, const FileSource& src) {
        uint64_t off = pick(4) == 0 ? 0 : pick(file.size + 1);
        if (::lseek(fd, static_cast<off_t>(off), SEEK_SET) < 0) {
            problem("lseek %s to %llu: %s", file.path.c_str(), (unsigned long long)off, std::strerror(errno));
            return;
        }
        const uint64_t end = std::min(file.size, off + kMaxSequential);
        while (off <= end && !shared_.stop.load(std::memory_order_relaxed)) {
            const size_t len = read_length();
            const ssize_t n = ::read(fd, got_.data(), len);
            if (!check(file, src, off, len, n, "read") || n == 0) return;
            off += static_cast<uint64_t>(n);
        }
    }

    // A read of `len` at `off` that returned `n`: the full length up to EOF, and the bytes.
    bool check(const SoakFile& file, const FileSource& src, uint64_t off, size_t len, ssize_t n,
               const char* call) {
        if (n < 0) {
            problem("%s %s at %llu, %zu bytes: %s", call, file.path.c_str(), (unsigned long long)off, len,
                    std::strerror(errno));
            return false;
        }
        totals_.reads.fetch_add(1, std::memory_order_relaxed);
        const size_t expect = off >= file.size ? 0 : static_cast<size_t>(std::min<uint64_t>(len, file.size - off));
        if (static_cast<size_t>(n) != expect) {
            problem("%s %s at %llu, %zu bytes: got %zd bytes, want %zu (size %llu)", call, file.path.c_str(),
                    (unsigned long long)off, len, n, expect, (unsigned long long)file.size);
            return false;
        }
        src.read(off, expect, want_.data());
        totals_.bytes.fetch_add(expect, std::memory_order_relaxed);
        if (std::memcmp(got_.data(), want_.data(), expect) == 0) return true;
        const size_t at = static_cast<size_t>(
            std::mismatch(got_.begin(), got_.begin() + static_cast<long>(expect), want_.begin()).first - got_.begin());
        totals_.mismatches.fetch_add(1, std::memory_order_relaxed);
        report("MISMATCH %s: %s at %llu, %zu bytes: first wrong byte at file offset %llu (got 0x%02x, want 0x%02x)",
               file.path.c_str(), call, (unsigned long long)off, expect, (unsigned long long)(off + at), got_[at],
               want_[at]);
        return false;
    }

    template <typename... Args>
    void problem(const char* format, Args... args) {
        totals_.errors.fetch_add(1, std::memory_order_relaxed);
        report(format, args...);
    }

    template <typename... Args>
    void report(const char* format, Args... args) {
        const uint32_t k = shared_.messages.fetch_add(1);
        if (k >= kMaxMessages) return;
        char line[1024];
        std::snprintf(line, sizeof line, format, args...);
        std::fprintf(stderr, "dgen_soak: %s%s\n", line, k + 1 == kMaxMessages ? " (further problems are counted, not printed)" : "");
    }

    const ReaderPlan& plan_;
    ReaderTotals& totals_;
    SharedState& shared_;
    std::mt19937_64 rng_;
    std::vector<uint8_t> got_, want_;
};

}  // namespace

int64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void run_reader(const ReaderPlan& plan, unsigned id, ReaderTotals& totals, SharedState& shared) {
    Reader(plan, id, totals, shared).run();
}

}  // namespace dgen::soak
