// dgen cat: write a stream (or a range of it) to stdout in large writes.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "common.h"
#include "dgen/kernel.h"
#include "dgen/values.h"
#include "dgen/stream.h"

namespace dgen::cli {
namespace {

struct CatOptions {
    StreamOptions stream;
    uint64_t offset = 0;
    uint64_t length = UINT64_MAX;  // to the end
    bool verbose = false;
};

bool write_all(int fd, const uint8_t* p, size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

void run_cat(const CatOptions& o, const CLI::App& app) {
    o.stream.apply_simd();
    std::unique_ptr<FileSource> src = o.stream.open_config_file(app);
    if (!src) {
        const StreamParams p = o.stream.params(app);
        src = std::make_unique<FileSource>(std::make_unique<Stream>(p), p.size);
    }
    const uint64_t offset = o.offset;
    const uint64_t length = std::min(o.length, offset < src->size() ? src->size() - offset : 0);
    if (o.verbose) {
        const std::string host = src->stream() ? src->stream()->params().host : "";
        std::fprintf(stderr, "dgen cat: kernel %s, %s from offset %llu%s\n", active_kernel().name,
                     format_size(length).c_str(), static_cast<unsigned long long>(offset),
                     host.empty() ? "" : (", host identity " + quote_text(host)).c_str());
    }
    if (::isatty(STDOUT_FILENO))
        throw UsageError("refusing to write binary data to a terminal; redirect or pipe stdout");
    constexpr size_t kChunk = 1u << 20;  // large writes keep a pipe full
    std::vector<uint8_t> buf(kChunk);
    for (uint64_t done = 0; done < length;) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, length - done));
        src->read(offset + done, n, buf.data());
        if (!write_all(STDOUT_FILENO, buf.data(), n)) {
            std::fprintf(stderr, "dgen cat: write to stdout failed: %s\n", std::strerror(errno));
            exit_status() = 1;
            return;
        }
        done += n;
    }
}

}  // namespace

void add_cat(CLI::App& app) {
    auto o = std::make_shared<CatOptions>();
    CLI::App* cmd = app.add_subcommand("cat", "Write a stream's bytes to stdout");
    o->stream.add_to(*cmd, 0);
    add_size_option(*cmd, "--offset", o->offset, "First byte to write (a size: 0, 4KiB, 1GiB)")
        ->default_str("0");
    add_size_option(*cmd, "--length", o->length, "Bytes to write (default: to the end of the stream)");
    cmd->add_flag("-v,--verbose", o->verbose, "Log the kernel and range on stderr");
    cmd->callback([o, cmd] { run_cat(*o, *cmd); });
}

}  // namespace dgen::cli
