#include "http/api_routes.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "rules/billing.hpp"
#include "rules/calendar.hpp"
#include "base/crypto.hpp"
#include "http/http_util.hpp"
#include "nv/phone.hpp"
#include "rules/outcome.hpp"
#include "base/request_log.hpp"
#include "rules/security.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTokenBytes = 2048;
constexpr std::size_t kMaxExIdBytes = 128;
constexpr std::int64_t kMaxTokenTtlMs = 600'000;  // the longest carrier TTL (CU): remember unknown tokens this long

json text_json(const Text& t) { return json{{"zh-CN", t.zh}, {"en", t.en}}; }

bool printable_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool no_controls(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

void handle_config(const App& app, httplib::Response& res) {
    const ServerConfig& c = app.config;
    json carriers = json::array();
    for (Operator op : kOperators) {
        const OperatorInfo& i = operator_info(op);
        carriers.push_back(json{{"operator", operator_id(op)},
                                {"name", text_json(i.name)},
                                {"branding", text_json(i.branding)},
                                {"agreement", {{"name", text_json(i.agreement)}, {"url", i.agreement_url}}},
                                {"tokenTtlSec", i.token_ttl_ms / 1000},
                                {"networks", i.networks}});
    }
    send_json(res, 200,
              json{{"sandbox", c.sandbox},
                   {"apiVersion", c.upstream.api_version},
                   {"carriers", carriers},
                   {"timeouts",
                    {{"tokenTimeoutMs", c.flow.token_timeout_ms},
                     {"tokenBudgetMs", c.flow.token_budget_ms},
                     {"verifyTimeoutMs", c.flow.verify_timeout_ms}}},
                   {"sameNumberIntervalSec", c.quotas.number_interval_ms / 1000},
                   {"locales", {"zh-CN", "en"}}});
}

// The checks every JSON endpoint makes: Content-Type, valid JSON, an object, only the fields it knows.
std::optional<json> read_body(const httplib::Request& req, httplib::Response& res, Locale locale,
                              std::initializer_list<const char*> fields) {
    if (!is_json_content_type(req)) {
        send_error(res, 415, Reason::BAD_CONTENT_TYPE, locale);
        return std::nullopt;
    }
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) {
        send_error(res, 400, Reason::BAD_JSON, locale);
        return std::nullopt;
    }
    if (!body.is_object()) {
        send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", ""}});
        return std::nullopt;
    }
    if (const auto k = unknown_field(body, fields)) {
        send_error(res, 400, Reason::UNKNOWN_FIELD, locale, std::nullopt,
                   json{{"field", k->size() > 64 ? k->substr(0, 64) : *k}});
        return std::nullopt;
    }
    return body;
}

// `phone` as users type it (the vendor's own example sends a number, so digits are accepted too), parsed by the
// core; a refusal answers 400 with the core's reason.
std::optional<PhoneNumber> read_phone(const json& body, httplib::Response& res, Locale locale) {
    std::string text;
    Reason reason = Reason::OK;
    if (!body.contains("phone")) reason = Reason::PHONE_EMPTY;
    else if (body["phone"].is_string()) text = body["phone"].get<std::string>();
    else if (body["phone"].is_number_unsigned()) text = std::to_string(body["phone"].get<std::uint64_t>());
    else reason = Reason::BAD_ARGUMENT;
    PhoneNumber phone;
    if (reason == Reason::OK) {
        phone = parse_phone(text);
        if (!phone.valid) reason = phone.reason;
    }
    if (reason != Reason::OK) {
        send_error(res, 400, reason, locale, std::nullopt, json{{"field", "phone"}});
        return std::nullopt;
    }
    current_request().phone_masked = mask_phone(phone.national);
    return phone;
}

// A store failure is the server's problem, said as such (503 STORE_UNAVAILABLE, retry in a few seconds); the
// cause (which names the store's host, never a password) goes to the log and the metric.
void store_failed(App& app, httplib::Response& res, Locale locale, const char* op, const StoreError& e,
                  const json& extra = json::object()) {
    log_event("error", "store failed", "\"op\":\"" + std::string(op) + "\",\"error\":" + json(e.what()).dump());
    app.metrics.store_error(op);
    send_error(res, 503, Reason::STORE_UNAVAILABLE, locale, 5, extra);
}

void handle_verify(App& app, const httplib::Request& req, httplib::Response& res) {
    const ServerConfig& cfg = app.config;
    const Locale locale = request_locale(req);
    RequestContext& ctx = current_request();
    auto bad = [&](Reason reason, const char* field) {
        send_error(res, 400, reason, locale, std::nullopt, json{{"field", field}});
    };

    const auto parsed = read_body(req, res, locale, {"phone", "token", "operator", "exID"});
    if (!parsed) return;
    const json& body = *parsed;
    const auto phone_parsed = read_phone(body, res, locale);
    if (!phone_parsed) return;
    const PhoneNumber& phone = *phone_parsed;

    if (!body.contains("token") || !body["token"].is_string()) return bad(Reason::BAD_ARGUMENT, "token");
    const std::string token = body["token"].get<std::string>();
    if (token.empty() || token.size() > kMaxTokenBytes || !printable_ascii(token)) return bad(Reason::BAD_ARGUMENT, "token");

    std::optional<Operator> op = phone.segment.network;
    if (body.contains("operator") && !body["operator"].is_null()) {
        const auto given = body["operator"].is_string() ? operator_from_id(body["operator"].get<std::string>()) : std::nullopt;
        if (!given) return bad(Reason::BAD_OPERATOR, "operator");
        op = given;  // the gateway that issued the token (ported numbers: not the segment's)
    }
    if (op) ctx.op = std::string(operator_id(*op));

    std::optional<std::string> ex_id;
    if (body.contains("exID") && !body["exID"].is_null()) {
        if (!body["exID"].is_string()) return bad(Reason::BAD_ARGUMENT, "exID");
        ex_id = body["exID"].get<std::string>();
        if (ex_id->size() > kMaxExIdBytes || !no_controls(*ex_id)) return bad(Reason::BAD_ARGUMENT, "exID");
    }

    const std::int64_t now = app.now_ms();
    const std::string ip = client_ip(req, cfg.trust_proxy);
    Admission adm;
    adm.app_key = cfg.app_key;
    adm.number_key = sha256_hex(phone.national);
    adm.ip = ip;
    adm.token_key = sha256_hex(token);
    adm.token_expires_ms = now + (op ? operator_info(*op).token_ttl_ms : kMaxTokenTtlMs);
    adm.now_ms = now;

    json common{{"requestId", ctx.request_id}, {"operator", op ? json(operator_id(*op)) : json(nullptr)}};
    AdmitResult admitted;
    bool unguarded = false;  // admitted without the store (fail-open): nothing to refund
    try {
        admitted = app.store.admit(adm, cfg.quotas);
    } catch (const StoreError& e) {
        if (!cfg.store.fail_open) return store_failed(app, res, locale, "admit", e, common);
        log_event("warn", "store failed; verifying without quota checks (fail-open)",
                  "\"error\":" + json(e.what()).dump());
        app.metrics.store_error("admit");
        app.metrics.store_fail_open();
        admitted.status = AdmitStatus::Admitted;
        unguarded = true;
    }
    if (admitted.status == AdmitStatus::TokenUsed) {
        app.metrics.quota_rejection("TOKEN_USED");
        return send_error(res, 409, Reason::TOKEN_USED, locale, std::nullopt, common);
    }
    if (admitted.status == AdmitStatus::Limited) {
        app.metrics.quota_rejection(std::string(reason_id(admitted.reason)));
        return send_error(res, 429, admitted.reason, locale, admitted.retry_after_sec, common);
    }

    UpstreamRequest up{token, phone.national, ex_id, ip};
    const UpstreamReply reply = app.upstream.verify(up);
    OutcomeContext octx{cfg.risk, ex_id, now};
    const VerifyOutcome out = map_upstream(reply, octx);
    ctx.upstream_ms = reply.elapsed_ms;
    if (out.vendor_code) ctx.upstream_code = *out.vendor_code;
    static const char* const kTransport[] = {"ok", "connect_failed", "tls_failed", "timeout", "dropped"};
    std::string label = out.vendor_code ? std::to_string(*out.vendor_code)
                        : reply.transport == Transport::Ok ? "bad_reply"
                                                           : kTransport[static_cast<int>(reply.transport)];
    if (!out.vendor_code) ctx.upstream_failure = label;
    app.metrics.upstream(static_cast<double>(reply.elapsed_ms) / 1000.0, label);

    try {
        if (out.refund && !unguarded) app.store.refund(adm, admitted.previous_last_ms);
    } catch (const StoreError& e) {
        log_event("error", "store failed to refund", "\"error\":" + json(e.what()).dump());
        app.metrics.store_error("refund");
    }
    try {
        if (out.vendor_code) app.store.record_result(cfg.app_key, shanghai_day(now), *out.vendor_code);
    } catch (const StoreError& e) {
        // The answer is still true; only the books are behind (the Redis store keeps the count and writes it
        // when Redis is back). Say so loudly in the log.
        log_event("error", "store failed after the upstream answered", "\"error\":" + json(e.what()).dump());
        app.metrics.store_error("ledger");
    }

    if (out.is_error) {
        json extra = common;
        if (out.vendor_code) extra["upstream"] = out.upstream;
        return send_error(res, out.http_status, out.reason, locale, out.retry_after_sec, extra);
    }
    json j = common;
    j["verified"] = out.verified;
    j["result"] = out.result;
    j["code"] = reason_id(out.reason);
    j["message"] = reason_message(out.reason, locale);
    j["upstream"] = out.upstream;
    if (out.risk) j["risk"] = *out.risk;
    send_json(res, out.http_status, j);
}

// The SMS fallback (DESIGN 6): the same quotas as a verification (30 s per number, 10 per number per day, the
// appKey's daily limit, the client IP's window), counted apart from verifications.
constexpr std::int64_t kSmsCodeTtlMs = 300'000;
constexpr int kSmsMaxAttempts = 5;

std::string sms_code_hash(const std::string& app_key, const std::string& national, const std::string& code) {
    return sha256_hex(app_key + ":" + national + ":" + code);
}

void handle_sms_send(App& app, const httplib::Request& req, httplib::Response& res) {
    const ServerConfig& cfg = app.config;
    const Locale locale = request_locale(req);
    const auto body = read_body(req, res, locale, {"phone"});
    if (!body) return;
    const auto phone = read_phone(*body, res, locale);
    if (!phone) return;
    const std::int64_t now = app.now_ms();
    const json common{{"requestId", current_request().request_id}};
    Admission adm;
    adm.app_key = "sms:" + cfg.app_key;
    adm.number_key = sha256_hex(phone->national);
    adm.ip = client_ip(req, cfg.trust_proxy);
    adm.token_key = "sms:" + random_hex(16);  // every send is new; the "token" rule never refuses it
    adm.token_expires_ms = now + kSmsCodeTtlMs;
    adm.now_ms = now;
    try {
        const AdmitResult admitted = app.store.admit(adm, cfg.quotas);
        if (admitted.status != AdmitStatus::Admitted) {
            app.metrics.quota_rejection(std::string(reason_id(admitted.reason)));
            return send_error(res, 429, admitted.reason, locale, admitted.retry_after_sec, common);
        }
        // Six digits from the CSPRNG: the last 6 decimal digits of a random 64-bit value.
        const std::string hex = random_hex(8);
        const std::string code = std::to_string(std::stoull(hex, nullptr, 16) % 1'000'000 + 1'000'000).substr(1);
        app.store.put_sms_code(cfg.app_key, adm.number_key, sms_code_hash(cfg.app_key, phone->national, code),
                               now + kSmsCodeTtlMs);
        const std::string text = "【号码认证】验证码 " + code + "，5 分钟内有效。Your verification code is " + code +
                                 " (valid for 5 minutes).";
        if (!app.sms.send(phone->national, text, code)) {
            app.store.refund(adm, admitted.previous_last_ms);
            return send_error(res, 503, Reason::SMS_UNAVAILABLE, locale, std::nullopt, common);
        }
    } catch (const StoreError& e) {
        return store_failed(app, res, locale, "sms", e, common);
    }
    json j = common;
    j["sent"] = true;
    j["phone"] = mask_phone(phone->national);
    j["expiresInSec"] = kSmsCodeTtlMs / 1000;
    j["resendAfterSec"] = cfg.quotas.number_interval_ms / 1000;
    send_json(res, 200, j);
}

void handle_sms_check(App& app, const httplib::Request& req, httplib::Response& res) {
    const ServerConfig& cfg = app.config;
    const Locale locale = request_locale(req);
    const auto body = read_body(req, res, locale, {"phone", "code"});
    if (!body) return;
    const auto phone = read_phone(*body, res, locale);
    if (!phone) return;
    const json common{{"requestId", current_request().request_id}};
    const json& c = (*body).contains("code") ? (*body)["code"] : json();
    const std::string code = c.is_string() ? c.get<std::string>() : "";
    if (code.size() < 4 || code.size() > 8 || !std::all_of(code.begin(), code.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        return send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", "code"}, {"requestId", common["requestId"]}});
    }
    SmsCheck r = SmsCheck::Expired;
    try {
        r = app.store.check_sms_code(cfg.app_key, sha256_hex(phone->national),
                                     sms_code_hash(cfg.app_key, phone->national, code), app.now_ms(), kSmsMaxAttempts);
    } catch (const StoreError& e) {
        return store_failed(app, res, locale, "sms", e, common);
    }
    if (r == SmsCheck::Wrong) return send_error(res, 400, Reason::SMS_CODE_INVALID, locale, std::nullopt, common);
    if (r == SmsCheck::Expired) return send_error(res, 400, Reason::SMS_CODE_EXPIRED, locale, std::nullopt, common);
    json j = common;
    j["verified"] = true;
    j["method"] = "sms";
    j["phone"] = mask_phone(phone->national);
    send_json(res, 200, j);
}

void handle_usage(App& app, const httplib::Request& req, httplib::Response& res) {
    const ServerConfig& cfg = app.config;
    const Locale locale = request_locale(req);
    const std::string auth = req.get_header_value("Authorization");
    if (cfg.admin_token.empty()) {
        return send_error(res, 403, Reason::UNAUTHORIZED, locale, std::nullopt,
                          json{{"detail", "set NV_ADMIN_TOKEN (or adminToken in the config file) to enable this endpoint"}});
    }
    if (auth.rfind("Bearer ", 0) != 0 || !constant_time_equal(auth.substr(7), cfg.admin_token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        return send_error(res, 401, Reason::UNAUTHORIZED, locale);
    }
    std::int64_t day = shanghai_day(app.now_ms());
    if (req.has_param("day")) {
        const auto d = parse_day(req.get_param_value("day"));
        if (!d) return send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", "day"}});
        day = *d;
    }
    UsageCounts counts;
    try {
        counts = app.store.usage(cfg.app_key, day);
    } catch (const StoreError& e) {
        return store_failed(app, res, locale, "usage", e);
    }
    json by_code = json::object();
    std::int64_t billed = 0, total = 0;
    json by_result{{"consistent", 0}, {"inconsistent", 0}};
    for (const auto& [code, n] : counts) {
        by_code[std::to_string(code)] = n;
        total += n;
        const VendorCodeInfo info = vendor_code_info(code);
        if (info.billed) billed += n;
        if (info.outcome == VendorOutcome::Consistent) by_result["consistent"] = n;
        if (info.outcome == VendorOutcome::Inconsistent) by_result["inconsistent"] = n;
    }
    json estimate;
    if (const auto tier = tier_for(cfg.prepaid_volume)) {
        estimate = json{{"currency", "CNY"},
                        {"prepaidVolume", cfg.prepaid_volume},
                        {"unitPrice", tier->unit_price},
                        {"amount", estimate_cost(billed, *tier)}};
    } else {
        estimate = json{{"currency", "CNY"}, {"prepaidVolume", cfg.prepaid_volume}, {"unitPrice", nullptr},
                        {"amount", nullptr}, {"note", "above 500,000 calls the price is negotiated with the vendor"}};
    }
    send_json(res, 200,
              json{{"day", day_string(day)},
                   {"timezone", "Asia/Shanghai"},
                   {"billed", billed},
                   {"byResult", by_result},
                   {"byCode", by_code},
                   {"vendorAnswers", total},
                   {"estimate", estimate}});
}

}  // namespace

std::string route_label(const std::string& path) {
    static const std::pair<const char*, const char*> kRoutes[] = {
        {"/api/v1/verify", "verify"}, {"/api/v1/config", "config"}, {"/api/v1/usage", "usage"},
        {"/api/v1/sms/send", "sms_send"}, {"/api/v1/sms/check", "sms_check"},
        {"/healthz", "healthz"},      {"/metrics", "metrics"}};
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
    const int threads = cfg.threads;
    s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
    s.set_tcp_nodelay(true);
    s.set_keep_alive_max_count(10'000);
    // Slow or idle connections are closed: a read or a write that waits longer than its timeout, or a
    // keep-alive connection idle between requests. (cpp-httplib's timeouts are per read; docs/server.md.)
    s.set_keep_alive_timeout(cfg.idle_timeout_sec);
    s.set_read_timeout(cfg.read_timeout_sec, 0);
    s.set_write_timeout(cfg.write_timeout_sec, 0);
    // Bodies over the limit are refused with 413 from Content-Length, before any byte of them is read or parsed.
    s.set_payload_max_length(static_cast<std::size_t>(cfg.max_body_bytes));
    httplib::Headers defaults;
    for (auto& [k, v] : security_headers()) defaults.emplace(k, v);
    s.set_default_headers(defaults);

    const std::vector<std::string> cors = cfg.cors_origins;
    const bool tls = !cfg.tls_cert.empty();
    const auto max_body = static_cast<std::uint64_t>(cfg.max_body_bytes);
    s.set_pre_routing_handler([cors, tls, max_body](const httplib::Request& req, httplib::Response& res) {
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

        // A declared body over the limit is refused before a byte of it is read (cpp-httplib would read and
        // discard it first, holding the thread for as long as a slow client takes). The connection closes,
        // since the unread body is still on it.
        if (req.has_header("Content-Length")) {
            const std::string cl = req.get_header_value("Content-Length");
            std::uint64_t declared = 0;
            const auto [end, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), declared);
            if (ec == std::errc::result_out_of_range || (ec == std::errc() && declared > max_body)) {
                res.set_header("Connection", "close");
                send_error(res, 413, Reason::INPUT_TOO_LARGE, request_locale(req));
                return httplib::Server::HandlerResponse::Handled;
            }
        }

        // Cross-origin calls: only configured partner origins (and pages we serve ourselves) may use the API.
        // Static files stay public (a partner page may load the SDK from us); they only gain the CORS headers.
        const std::string origin = req.get_header_value("Origin");
        const OriginCheck check = check_origin(origin, req.get_header_value("Host"), tls, cors);
        const bool api = req.path.rfind("/api/", 0) == 0;
        if (check == OriginCheck::Listed) {
            for (auto& [k, v] : cors_headers(origin, req.method == "OPTIONS")) res.set_header(k, v);
        }
        if (api && check == OriginCheck::Refused) {
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
        if (res.status == 404) reason = Reason::NOT_FOUND;
        else if (res.status == 413) reason = Reason::INPUT_TOO_LARGE;
        else if (res.status == 405) reason = Reason::METHOD_NOT_ALLOWED;
        else if (res.status == 415) reason = Reason::BAD_CONTENT_TYPE;
        else if (res.status >= 500) reason = Reason::SERVER_ERROR;
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

void install_api(httplib::Server& s, App& app) {
    tune_server(s, app.config, &app.metrics);
    App* a = &app;
    s.Get("/api/v1/config", [a](const httplib::Request&, httplib::Response& res) { handle_config(*a, res); });
    s.Post("/api/v1/verify", [a](const httplib::Request& req, httplib::Response& res) { handle_verify(*a, req, res); });
    s.Get("/api/v1/usage", [a](const httplib::Request& req, httplib::Response& res) { handle_usage(*a, req, res); });
    s.Post("/api/v1/sms/send", [a](const httplib::Request& req, httplib::Response& res) { handle_sms_send(*a, req, res); });
    s.Post("/api/v1/sms/check", [a](const httplib::Request& req, httplib::Response& res) { handle_sms_check(*a, req, res); });
    s.Get("/healthz", [a](const httplib::Request&, httplib::Response& res) {
        const bool ok = a->store.healthy();
        send_json(res, ok ? 200 : 503,
                  json{{"status", ok ? "ok" : "degraded"},
                       {"store", ok ? "ok" : "failing"},
                       {"storeKind", a->store.kind()},
                       {"storeFailOpen", a->config.store.fail_open},
                       {"upstreamTlsVerify", !a->config.upstream.insecure_skip_verify},
                       {"sandbox", a->config.sandbox},
                       {"version", NV_VERSION}});
    });
    s.Get("/metrics", [a](const httplib::Request&, httplib::Response& res) {
        res.set_content(a->metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    // Wrong methods on the API get a JSON 405 rather than a bare 404.
    for (const char* path : {"/api/v1/config", "/api/v1/usage"}) {
        s.Post(path, [](const httplib::Request& req, httplib::Response& res) {
            res.set_header("Allow", "GET");
            send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
        });
    }
    s.Get("/api/v1/verify", [](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", "POST");
        send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
    });

    s.set_file_extension_and_mimetype_mapping("wasm", "application/wasm");
    s.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
    s.set_file_extension_and_mimetype_mapping("js", "text/javascript");
    s.set_file_extension_and_mimetype_mapping("map", "application/json");
    s.set_file_extension_and_mimetype_mapping("ts", "text/plain");
    if (!s.set_mount_point("/sdk", app.config.web_dir)) {
        log_event("warn", "static directory missing", "\"dir\":" + json(app.config.web_dir).dump());
    }
    if (!s.set_mount_point("/", app.config.demo_dir)) {
        log_event("warn", "static directory missing", "\"dir\":" + json(app.config.demo_dir).dump());
    }
}

}  // namespace nv::server
