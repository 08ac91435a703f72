#include "http/routes.hpp"

#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "rules/calendar.hpp"
#include "rules/outcome.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTokenBytes = 2048;
constexpr std::size_t kMaxExIdBytes = 128;
constexpr std::int64_t kMaxTokenTtlMs = 600'000;  // the longest carrier TTL (CU): remember unknown tokens this long

bool printable_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool no_controls(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
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
    if (token.empty() || token.size() > kMaxTokenBytes || !printable_ascii(token))
        return bad(Reason::BAD_ARGUMENT, "token");

    std::optional<Operator> op = phone.segment.network;
    if (body.contains("operator") && !body["operator"].is_null()) {
        const auto given =
            body["operator"].is_string() ? operator_from_id(body["operator"].get<std::string>()) : std::nullopt;
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
    std::string label = out.vendor_code                    ? std::to_string(*out.vendor_code)
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

}  // namespace

void install_verify_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Post("/api/v1/verify", [a](const httplib::Request& req, httplib::Response& res) { handle_verify(*a, req, res); });
    s.Get("/api/v1/verify", [](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", "POST");
        send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
    });
}

}  // namespace nv::server
