#include "http/listener.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/lingering_close.hpp"
#include "http/worker_pool.hpp"
#include "rules/security.hpp"

namespace nv::server {
namespace {

constexpr std::size_t kKeptThreads = 16;
constexpr std::chrono::milliseconds kThreadIdleExit{30'000};

}  // namespace

std::string route_label(const std::string& path) {
    static const std::pair<const char*, const char*> kRoutes[] = {
        {"/api/v1/verify", "verify"},     {"/api/v1/config", "config"},       {"/api/v1/usage", "usage"},
        {"/api/v1/sms/send", "sms_send"}, {"/api/v1/sms/check", "sms_check"}, {"/healthz", "healthz"},
        {"/metrics", "metrics"},          {"/api/v1/login", "login"},         {"/api/v1/risk", "risk"},
        {"/.well-known/jwks.json", "jwks"}, {"/api/v1/verify/check", "verify_check"},
        {"/api/v1/login/check", "login_check"}};
    for (const auto& [p, label] : kRoutes) {
        if (path == p) return label;
    }
    if (path.rfind("/sandbox/vendor", 0) == 0 || path.rfind("/v1/web/", 0) == 0 || path.rfind("/v2/web/", 0) == 0) {
        return "sandbox_vendor";
    }
    if (path.rfind("/sandbox", 0) == 0) return "sandbox";
    if (path.rfind("/api/", 0) == 0) return "api_other";
    if (path.rfind("/sdk/", 0) == 0) return "sdk";
    return "static";
}

int bind_listener(httplib::Server& s, const std::string& host, int port) {
    auto fd = std::make_shared<int>(-1);
    s.set_socket_options([fd](int sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        *fd = sock;
    });
    const int bound = port == 0 ? s.bind_to_any_port(host) : (s.bind_to_port(host, port) ? port : -1);
    // Linux lets listen() be called again on a listening socket to change its backlog.
    if (bound > 0 && *fd >= 0) listen(*fd, 1024);
    return bound;
}

void tune_server(httplib::Server& s, const ServerConfig& cfg, Metrics* metrics, bool log_requests) {
    // Threads start on demand up to cfg.threads (one per open connection) and a few stay when idle.
    const auto threads = static_cast<std::size_t>(cfg.threads);
    std::shared_ptr<PoolGauges> gauges;
    if (metrics) {
        gauges = std::make_shared<PoolGauges>();
        metrics->watch_pool(gauges);
    }
    s.new_task_queue = [threads, gauges] {
        return new WorkerPool(threads, std::min<std::size_t>(threads, kKeptThreads), kThreadIdleExit, gauges);
    };
    s.set_tcp_nodelay(true);
    s.set_keep_alive_max_count(10'000);
    // Slow or idle connections are closed: a read or a write that waits longer than its timeout, or a
    // keep-alive connection idle between requests. (cpp-httplib's timeouts are per read; docs/server.md.)
    s.set_keep_alive_timeout(cfg.idle_timeout_sec);
    s.set_read_timeout(cfg.read_timeout_sec, 0);
    s.set_write_timeout(cfg.write_timeout_sec, 0);
    // Bodies over the limit are refused with 413 from Content-Length, before any byte of them is read or parsed
    // (the pre-routing handler below); this is cpp-httplib's own check behind it.
    s.set_payload_max_length(static_cast<std::size_t>(cfg.max_body_bytes));
    httplib::Headers defaults;
    for (auto& [k, v] : security_headers()) defaults.emplace(k, v);
    s.set_default_headers(defaults);

    const std::vector<std::string> cors = cfg.cors_origins;
    const bool tls = !cfg.tls_cert.empty();
    const bool behind_proxy = cfg.trust_proxy;
    const auto max_body = static_cast<std::uint64_t>(cfg.max_body_bytes);
    s.set_pre_routing_handler([cors, tls, behind_proxy, max_body](const httplib::Request& req,
                                                                   httplib::Response& res) {
        // RFC 9112 6.3: a request with neither Content-Length nor Transfer-Encoding has an empty body, but
        // cpp-httplib 0.11 refuses such a POST with 400 (curl -X POST without -d sends one). The body is read
        // after this handler, so declaring the empty body here restores the standard behaviour. The request
        // object is not const (cpp-httplib owns it and hands us a const view).
        if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding") &&
            (req.method == "POST" || req.method == "PUT" || req.method == "PATCH")) {
            const_cast<httplib::Request&>(req).headers.emplace("Content-Length", "0");
        }
        reset_request_context();
        current_request().request_id = random_hex(8);
        res.set_header("X-Request-Id", current_request().request_id);

        // The body's framing is checked before a byte of it is read (cpp-httplib reads it after this handler).
        // Each refusal closes the connection, since the unread body is still on it.
        //  - Transfer-Encoding (chunked): cpp-httplib 0.11 would buffer a chunked body whatever its size (its
        //    payload limit looks only at Content-Length), so no request may carry one. Browsers never send a
        //    chunked body to us; the shipped nginx front forwards every body with a Content-Length.
        //  - a Content-Length that is not one plain number, or two that differ: two parsers could frame the
        //    request differently (request smuggling).
        //  - a declared body over the limit (cpp-httplib would read and discard it first, holding the thread
        //    for as long as a slow client takes).
        auto refuse = [&](int status, Reason reason) {
            send_error(res, status, reason, request_locale(req));
            close_after_response(req, res);
            return httplib::Server::HandlerResponse::Handled;
        };
        if (req.has_header("Transfer-Encoding")) return refuse(411, Reason::LENGTH_REQUIRED);
        if (req.has_header("Content-Length")) {
            const std::string cl = req.get_header_value("Content-Length");
            for (std::size_t i = 1; i < req.get_header_value_count("Content-Length"); ++i) {
                if (req.get_header_value("Content-Length", i) != cl) return refuse(400, Reason::BAD_REQUEST);
            }
            std::uint64_t declared = 0;
            const auto [end, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), declared);
            if (ec == std::errc::result_out_of_range || (ec == std::errc() && end == cl.data() + cl.size() &&
                                                          declared > max_body)) {
                return refuse(413, Reason::INPUT_TOO_LARGE);
            }
            if (ec != std::errc() || end != cl.data() + cl.size()) return refuse(400, Reason::BAD_REQUEST);
        }

        // Cross-origin calls: only configured partner origins (and pages we serve ourselves) may use the API.
        // Static files stay public (a partner page may load the SDK from us); they only gain the CORS headers.
        const std::string origin = req.get_header_value("Origin");
        // Behind the front, the page's scheme is the one the front was reached with (it terminates TLS).
        const bool secure = tls || (behind_proxy && req.get_header_value("X-Forwarded-Proto") == "https");
        const OriginCheck check = check_origin(origin, req.get_header_value("Host"), secure, cors);
        const bool api = req.path.rfind("/api/", 0) == 0;
        if (check == OriginCheck::Listed) {
            for (auto& [k, v] : cors_headers(origin, req.method == "OPTIONS")) res.set_header(k, v);
        }
        if (api && check == OriginCheck::Refused) {
            // Only GET /api/v1/config lets the refused page read why (security.hpp); everything else stays opaque.
            for (auto& [k, v] : refusal_cors_headers(origin, req.method, req.path)) res.set_header(k, v);
            send_error(res, 403, Reason::ORIGIN_NOT_ALLOWED, request_locale(req), std::nullopt,
                       nlohmann::json{{"origin", origin.substr(0, 200)}});
            return httplib::Server::HandlerResponse::Handled;
        }
        if (req.method == "OPTIONS") {  // a preflight: answered here, for every path
            res.status = 204;
            return httplib::Server::HandlerResponse::Handled;
        }
        if (api) res.set_header("Cache-Control", "no-store");
        return httplib::Server::HandlerResponse::Unhandled;
    });
    // Statuses >= 400 without a body (no route, payload too large, bad request line) get a JSON error.
    s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty() || res.is_chunked_content_provider_ || res.content_length_ > 0) {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        const Locale locale = request_locale(req);
        Reason reason = Reason::BAD_REQUEST;
        if (res.status == 404)
            reason = Reason::NOT_FOUND;
        else if (res.status == 413)
            reason = Reason::INPUT_TOO_LARGE;
        else if (res.status == 405)
            reason = Reason::METHOD_NOT_ALLOWED;
        else if (res.status == 415)
            reason = Reason::BAD_CONTENT_TYPE;
        else if (res.status >= 500)
            reason = Reason::SERVER_ERROR;
        send_error(res, res.status, reason, locale);
        return httplib::Server::HandlerResponse::Handled;
    }));
    s.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        log_event("error", "handler failed", "\"error\":" + nlohmann::json(what).dump());
        send_error(res, 500, Reason::SERVER_ERROR, request_locale(req));
    });
    const bool trust_proxy = cfg.trust_proxy;
    if (!log_requests) return;
    s.set_logger([metrics, trust_proxy](const httplib::Request& req, const httplib::Response& res) {
        if (metrics) metrics->request(route_label(req.path), res.status);
        log_request(req.method, req.path, res.status, client_ip(req, trust_proxy));
    });
}

}  // namespace nv::server
