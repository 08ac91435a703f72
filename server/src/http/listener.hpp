// Settings every listener of ours gets (the API's and the sandbox's own), and how it binds.
#pragma once

#include <string>

#include "base/metrics.hpp"
#include "config/config.hpp"

namespace httplib {
class Server;
}

namespace nv::server {

// TCP_NODELAY, keep-alive, a thread pool, the timeouts and the payload limit, the pre-routing checks (CORS,
// declared body size, request id), JSON errors for unrouted requests, the exception guard, and (with
// `log_requests`) one log line per request. The sandbox's internal listener does not log: the verify line that
// called it already carries the vendor's code and latency.
void tune_server(httplib::Server& server, const ServerConfig& config, Metrics* metrics, bool log_requests = true);

// Binds `server` to host:port (port 0: any free port) with SO_REUSEADDR only (cpp-httplib's default also sets
// SO_REUSEPORT, which lets a second process silently share the port) and a listen backlog of 1024 instead of
// cpp-httplib's compiled-in 5 (a burst of new connections otherwise loses SYNs and waits a second for the
// retransmit). Returns the port, or -1. Call it after install_api/tune_server: cpp-httplib sets TCP_NODELAY on
// the listening socket when it is created, and accepted sockets inherit it (else every answer waits ~40 ms for a
// delayed ACK).
int bind_listener(httplib::Server& server, const std::string& host, int port);

// "verify", "config", "sandbox", ... : the metrics label for a path (a small fixed set).
std::string route_label(const std::string& path);

}  // namespace nv::server
