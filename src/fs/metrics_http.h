// metrics_listen = ADDR:PORT: the text of /.dgen/metrics over HTTP at /metrics (404
// elsewhere), served by libmicrohttpd's own thread, never by a FUSE worker.
#pragma once

#include <memory>
#include <string>

#include "dgen/values.h"

struct MHD_Daemon;

namespace dgen::fs {

class Stats;

class MetricsHttp {
public:
    // Listens on `address` and serves `stats` (which must outlive it); nullptr and
    // *error ("cannot listen on 127.0.0.1:9100: Address already in use") if it cannot.
    static std::unique_ptr<MetricsHttp> start(const ListenAddress& address, const Stats& stats,
                                              std::string* error);
    ~MetricsHttp();
    MetricsHttp(const MetricsHttp&) = delete;
    MetricsHttp& operator=(const MetricsHttp&) = delete;

private:
    explicit MetricsHttp(MHD_Daemon* daemon) : daemon_(daemon) {}
    MHD_Daemon* daemon_;
};

}  // namespace dgen::fs
