// dgen verify's reading: files cut into chunks that every thread takes in turn, mapped
// (MAP_POPULATE off: pages come in as compared; MADV_SEQUENTIAL for readahead);
// standard input read in blocks whose slices the threads compare side by side.
#include "verify_copies.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "dgen/values.h"

namespace dgen::cli {
namespace {

constexpr uint64_t kChunk = 64ull << 20;  // the share of a file one thread takes at once
constexpr size_t kBlock = 256u << 10;       // one read, or one compare() of a mapped chunk

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Once a second on stderr, as dd status=progress: bytes, time, GB/s, and the ETA when the
// total is known. Ends with a newline if it printed anything.
class Progress {
public:
    Progress(const std::atomic<uint64_t>& done, uint64_t total)
        : done_(done), total_(total), start_(Clock::now()), thread_([this] { loop(); }) {}
    ~Progress() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_one();
        thread_.join();
    }

private:
    void loop() {
        std::unique_lock<std::mutex> lock(mutex_);
        bool printed = false;
        while (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) {
            print();
            printed = true;
        }
        if (printed) {
            print();
            std::fputc('\n', stderr);
        }
    }
    void print() const {
        const double s = since(start_);
        const uint64_t done = done_.load();
        const double rate = done / s;
        std::string eta;
        if (total_ > 0 && rate > 0) eta = ", ETA " + std::to_string(static_cast<uint64_t>((total_ - done) / rate)) + " s";
        std::fprintf(stderr, "\r%llu bytes (%s) checked, %.0f s, %.2f GB/s%s   ",
                     static_cast<unsigned long long>(done), format_size(done).c_str(), s, rate / 1e9,
                     eta.c_str());
    }

    const std::atomic<uint64_t>& done_;
    const uint64_t total_;
    const Clock::time_point start_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

struct Task {
    size_t copy;
    uint64_t offset, length;
    std::vector<BadRange> bad;
    std::string error;
};

void take(std::vector<BadRange>& into, std::vector<BadRange> more) {
    into.insert(into.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

// Compares the task's range straight from the page cache (no copy to a buffer, which
// would cost what `cat` spends in all); a file mmap refuses is read with pread instead.
void run_task(const CopyCheck& c, Task& t, std::vector<uint8_t>& buf, std::atomic<uint64_t>& done) {
    const int fd = ::open(c.copy.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        t.error = std::string("open: ") + std::strerror(errno);
        return;
    }
    void* map = ::mmap(nullptr, t.length, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(t.offset));
    if (map != MAP_FAILED) ::madvise(map, t.length, MADV_SEQUENTIAL);
    for (uint64_t o = t.offset; o < t.offset + t.length;) {
        const size_t want = std::min<uint64_t>(kBlock, t.offset + t.length - o);
        const uint8_t* bytes = static_cast<const uint8_t*>(map) + (o - t.offset);
        ssize_t n = static_cast<ssize_t>(want);
        if (map == MAP_FAILED) {
            n = ::pread(fd, buf.data(), want, static_cast<off_t>(o));
            bytes = buf.data();
            if (n < 0 && errno == EINTR) continue;
        }
        if (n <= 0) {
            t.error = n < 0 ? std::string("read: ") + std::strerror(errno) : "the copy shrank while it was read";
            break;
        }
        take(t.bad, c.checker->compare(o, bytes, static_cast<size_t>(n)));
        o += static_cast<uint64_t>(n);
        done += static_cast<uint64_t>(n);
    }
    if (map != MAP_FAILED) ::munmap(map, t.length);
    ::close(fd);
}

// Fills `buf` from fd until full or EOF; returns the bytes read (error: sets `error`).
size_t read_full(int fd, uint8_t* buf, size_t len, std::string& error) {
    size_t got = 0;
    while (got < len) {
        const ssize_t n = ::read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) error = std::string("read: ") + std::strerror(errno);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    return got;
}

void verify_stdin(CopyCheck& c, unsigned threads, std::atomic<uint64_t>& done) {
    const size_t slice = 4 * kBlock, block = slice * threads;
    std::vector<uint8_t> buf(block);
    std::vector<std::vector<BadRange>> found(threads);
    uint64_t offset = 0;
    for (;;) {
        const size_t n = read_full(STDIN_FILENO, buf.data(), block, c.error);
        std::vector<std::thread> helpers;
        auto compare_slice = [&](unsigned i) {
            const size_t a = std::min(n, i * slice), b = std::min(n, a + slice);
            if (a < b) take(found[i], c.checker->compare(offset + a, buf.data() + a, b - a));
        };
        for (unsigned i = 1; i < threads; ++i) helpers.emplace_back(compare_slice, i);
        compare_slice(0);
        for (std::thread& h : helpers) h.join();
        offset += n;
        done += n;
        if (n < block) break;
    }
    c.bytes = offset;
    for (std::vector<BadRange>& f : found) take(c.bad, std::move(f));
}

}  // namespace

void verify_copies(std::vector<CopyCheck>& copies, VerifyRun& run) {
    const Clock::time_point t0 = Clock::now();
    std::atomic<uint64_t> done{0};
    std::vector<Task> tasks;
    uint64_t total = 0;
    for (size_t i = 0; i < copies.size(); ++i) {
        CopyCheck& c = copies[i];
        if (c.copy == "-") continue;
        struct stat st;
        if (::stat(c.copy.c_str(), &st) != 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                c.missing = true;
            else
                c.error = std::string("stat: ") + std::strerror(errno);
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            c.error = "not a regular file";
            continue;
        }
        c.bytes = static_cast<uint64_t>(st.st_size);
        total += c.bytes;
        for (uint64_t o = 0; o < c.bytes; o += kChunk) tasks.push_back({i, o, std::min(kChunk, c.bytes - o), {}, {}});
    }
    {
        std::optional<Progress> progress;
        if (run.progress) progress.emplace(done, total);
        for (CopyCheck& c : copies)
            if (c.copy == "-") verify_stdin(c, run.threads, done);
        std::atomic<size_t> next{0};
        auto worker = [&] {
            std::vector<uint8_t> buf(kBlock);
            for (size_t k; (k = next++) < tasks.size();) run_task(copies[tasks[k].copy], tasks[k], buf, done);
        };
        std::vector<std::thread> threads;
        for (unsigned i = 1; i < run.threads; ++i) threads.emplace_back(worker);
        worker();
        for (std::thread& t : threads) t.join();
    }
    for (Task& t : tasks) {
        CopyCheck& c = copies[t.copy];
        if (c.error.empty()) c.error = std::move(t.error);
        take(c.bad, std::move(t.bad));
    }
    for (CopyCheck& c : copies) {
        if (c.missing) continue;
        if (auto t = c.checker->truncation(c.bytes); t && c.error.empty()) c.bad.push_back(*t);
        c.checker->merge(c.bad);
    }
    run.seconds = since(t0);
}

}  // namespace dgen::cli
