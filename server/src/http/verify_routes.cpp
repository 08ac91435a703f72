#include "http/routes.hpp"

#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "http/spend.hpp"
#include "rules/calendar.hpp"
#include "rules/outcome.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTokenBytes = 2048;
constexpr std::size_t kMaxExIdBytes = 128;

bool printable_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool no_controls(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// What a verification of `phone` asks the store for: the appKey's, the number's and the client IP's counters. The
// quota pre-check asks for the very same admission, check-only.
Admission verify_admission(const App& app, const httplib::Request& req, const PhoneNumber& phone, std::int64_t now) {
    Admission adm;
    adm.app_key = app.config.app_key;
    adm.number_key = sha256_hex(phone.national);
    adm.ip = client_ip(req, app.config.trust_proxy);
    adm.now_ms = now;
    return adm;
}

// The members every verify answer carries (errors included).
json verify_common(std::optional<Operator> op) {
    return json{{"requestId", current_request().request_id}, {"operator", op ? json(operator_id(*op)) : json(nullptr)}};
}

void handle_verify(App& app, const httplib::Request& req, httplib::Response& res) {
    const ServerConfig& cfg = app.config;
    const Locale locale = request_locale(req);
    RequestContext& ctx = current_request();
    auto bad = [&](Reason reason, const char* field) {
        send_error(res, 400, reason, locale, std::nullopt, json{{"field", field}});
    };

    const auto parsed = read_body(req, res, locale, {"phone", "token", "operator", "exID", "vendor"});
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

    Vendor* vendor = read_vendor(app, body, res, locale);
    if (!vendor) return;
    const VendorId vid = vendor->id();

    const std::int64_t now = app.now_ms();
    const std::string ip = client_ip(req, cfg.trust_proxy);
    Admission adm = verify_admission(app, req, phone, now);
    adm.token_key = sha256_hex(token);
    // An unknown carrier: remember the token as long as the vendor's longest-lived one.
    adm.token_expires_ms = now + (op ? vendor_token_ttl_ms(vid, *op, false) : vendor_max_token_ttl_ms(vid, false));

    json common = verify_common(op);
    common["vendor"] = vendor->info().key;
    const auto spending = admit_spending(app, adm, cfg.quotas, res, locale, common);
    if (!spending) return;

    OutcomeContext octx{cfg.risk, ex_id, now};
    const VendorResult r = vendor->verify(VerifyCall{token, std::string(phone.national), ex_id, ip}, octx);
    const VerifyOutcome& out = r.outcome;
    settle_spending(app, *spending, r.reply, out, vid);

    if (out.is_error) {
        json extra = common;
        if (out.answer_code) extra["upstream"] = out.upstream;
        return send_error(res, out.http_status, out.reason, locale, out.retry_after_sec, extra);
    }
    json j = common;
    j["verified"] = out.verified;
    j["result"] = out.result;
    j["code"] = reason_id(out.reason);
    j["message"] = reason_message(out.reason, locale);
    j["upstream"] = out.upstream;
    if (out.risk) j["risk"] = *out.risk;
    if (out.verified) {
        j["assertion"] = issue_assertion(app.keys, cfg.assertion,
                                         {{}, {}, phone.national, ProofMethod::CarrierVerify, op, ctx.request_id, now});
        j["assertionExpiresInSec"] = cfg.assertion.ttl_sec;
    }
    send_json(res, out.http_status, j);
}

// POST /api/v1/verify/check {phone}: would a verification of this number be admitted now? Asked before a carrier
// token is fetched (a token is a carrier call, and single use), so the page can show a countdown instead.
void handle_verify_check(App& app, const httplib::Request& req, httplib::Response& res) {
    const Locale locale = request_locale(req);
    const auto parsed = read_body(req, res, locale, {"phone"});
    if (!parsed) return;
    const auto phone = read_phone(*parsed, res, locale);
    if (!phone) return;
    // The number segment's carrier: the one whose gateway the page asks first (nothing secret).
    const std::optional<Operator> op = phone->segment.network;
    if (op) current_request().op = std::string(operator_id(*op));
    const json common = verify_common(op);
    const Admission adm = verify_admission(app, req, *phone, app.now_ms());
    if (!check_spending(app, adm, app.config.quotas, res, locale, common)) return;
    json j = common;
    j["allowed"] = true;
    send_json(res, 200, j);
}

}  // namespace

// A JSON 405 with `Allow` for the methods a POST-only route does not serve.
void post_only(httplib::Server& s, const std::string& path) {
    auto refuse = [](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", "POST");
        send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
    };
    s.Get(path, refuse);
    s.Put(path, refuse);
    s.Patch(path, refuse);
    s.Delete(path, refuse);
}

void install_verify_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Post("/api/v1/verify", [a](const httplib::Request& req, httplib::Response& res) { handle_verify(*a, req, res); });
    s.Get("/api/v1/verify", [](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", "POST");
        send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
    });
    s.Post("/api/v1/verify/check",
           [a](const httplib::Request& req, httplib::Response& res) { handle_verify_check(*a, req, res); });
    post_only(s, "/api/v1/verify/check");
}

}  // namespace nv::server
