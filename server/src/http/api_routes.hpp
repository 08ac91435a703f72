// The companion server's HTTP surface (server/openapi.yaml): /api/v1/config, /api/v1/verify, /api/v1/sms/send,
// /api/v1/sms/check, /api/v1/usage,
// /healthz, /metrics, the static web package at /sdk/ and the demo at /. Handlers only translate between HTTP
// and the rules (quota, outcome, risk, billing) and adapters (store, upstream client) they are given.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "config/config.hpp"
#include "base/metrics.hpp"
#include "vendor/sms_sender.hpp"
#include "store/store.hpp"
#include "vendor/upstream_client.hpp"

namespace httplib {
class Server;
}

namespace nv::server {

struct App {
    const ServerConfig& config;
    Store& store;
    UpstreamClient& upstream;
    Metrics& metrics;
    SmsSender& sms;
    std::function<std::int64_t()> now_ms;  // Unix time in ms (injected so tests can move the clock)
};

// Routes, static mounts, JSON error pages, the exception guard, the request logger and the throughput
// settings (TCP_NODELAY, keep-alive, payload limit).
void install_api(httplib::Server& server, App& app);

// Settings every listener of ours gets (also the sandbox's own): TCP_NODELAY, keep-alive, a thread pool, JSON
// errors for unrouted requests, the exception guard, and (with `log_requests`) one log line per request. The
// sandbox's internal listener does not log: the verify line that called it already carries the vendor's code
// and latency.
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
