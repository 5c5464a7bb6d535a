#include "metrics_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "stats.h"

namespace dgen::fs {
namespace {

MHD_Result reply(MHD_Connection* connection, unsigned status, const std::string& body, const char* type) {
    MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                      MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    const MHD_Result ok = MHD_queue_response(connection, status, r);
    MHD_destroy_response(r);
    return ok;
}

MHD_Result answer(void* cls, MHD_Connection* connection, const char* url, const char* method,
                  const char*, const char*, size_t*, void**) {
    const auto& stats = *static_cast<const Stats*>(cls);
    try {
        if (std::strcmp(url, "/metrics") != 0)
            return reply(connection, MHD_HTTP_NOT_FOUND, "not found: dgenfs serves /metrics\n", "text/plain");
        if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0)
            return reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n", "text/plain");
        return reply(connection, MHD_HTTP_OK, render_prometheus(stats.snapshot()),
                     "text/plain; version=0.0.4; charset=utf-8");
    } catch (const std::exception& e) {
        return reply(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, std::string(e.what()) + "\n", "text/plain");
    }
}

// The listening socket is ours, so a failure says which call failed and why.
int listen_on(const ListenAddress& a, std::string* error) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (a.ipv6) {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(a.port);
        inet_pton(AF_INET6, a.host.c_str(), &s6->sin6_addr);
        len = sizeof *s6;
    } else {
        auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
        s4->sin_family = AF_INET;
        s4->sin_port = htons(a.port);
        inet_pton(AF_INET, a.host.c_str(), &s4->sin_addr);
        len = sizeof *s4;
    }
    const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = std::string("socket: ") + std::strerror(errno);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 64) != 0) {
        *error = std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

std::unique_ptr<MetricsHttp> MetricsHttp::start(const ListenAddress& address, const Stats& stats,
                                                std::string* error) {
    const std::string where = address.ipv6 ? "[" + address.host + "]:" + std::to_string(address.port)
                                           : address.host + ":" + std::to_string(address.port);
    std::string why;
    const int fd = listen_on(address, &why);
    if (fd < 0) {
        *error = "metrics_listen: cannot listen on " + where + ": " + why;
        return nullptr;
    }
    MHD_Daemon* d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | (address.ipv6 ? MHD_USE_IPv6 : 0), 0,
                                     nullptr, nullptr, answer, const_cast<Stats*>(&stats),
                                     MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_END);
    if (!d) {
        ::close(fd);
        *error = "metrics_listen: cannot start the HTTP server on " + where;
        return nullptr;
    }
    return std::unique_ptr<MetricsHttp>(new MetricsHttp(d));
}

MetricsHttp::~MetricsHttp() {
    MHD_stop_daemon(daemon_);  // closes the listening socket it was given
}

}  // namespace dgen::fs
