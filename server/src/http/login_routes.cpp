// POST /api/v1/login: one-click login (DESIGN 8). The page sends the loginToken the carrier gave it after the
// user confirmed the carrier's authorization page; the vendor's loginTokenVerify answers 8000 with the number
// encrypted under the partner's registered RSA public key, which this server decrypts with the private half.
// The page gets the masked number and a signed assertion (amr carrier_login); the number itself reaches only
// the partner's backend, inside the assertion.
#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "http/routes.hpp"
#include "http/spend.hpp"
#include "rules/outcome.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxLoginTokenBytes = 4096;
constexpr std::size_t kMaxExIdBytes = 128;
constexpr std::int64_t kMaxLoginTtlMs = 1'800'000;  // the longest loginToken lifetime (CU, CT)

bool printable_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// The number is unknown until the vendor answers, so only the appKey's daily limit and the client IP's window
// apply to a login (counted apart from verifications, under "login:<appKey>"), and the loginToken is refused if
// seen before. The quota pre-check asks for the same admission and limits, check-only.
Admission login_admission(const App& app, const httplib::Request& req, std::int64_t now) {
    Admission adm;
    adm.app_key = "login:" + app.config.app_key;
    adm.number_key = "login:";
    adm.ip = client_ip(req, app.config.trust_proxy);
    adm.now_ms = now;
    return adm;
}

QuotaLimits login_limits(const ServerConfig& cfg) {
    QuotaLimits limits = cfg.quotas;
    limits.number_interval_ms = 0;
    limits.number_daily = 0;
    return limits;
}

void handle_login(App& app, const httplib::Request& req, httplib::Response& res) {
    const ServerConfig& cfg = app.config;
    const Locale locale = request_locale(req);
    RequestContext& ctx = current_request();
    auto bad = [&](Reason reason, const char* field) {
        send_error(res, 400, reason, locale, std::nullopt, json{{"field", field}, {"requestId", ctx.request_id}});
    };
    const auto parsed = read_body(req, res, locale, {"loginToken", "operator", "exID"});
    if (!parsed) return;
    const json& body = *parsed;
    if (!body.contains("loginToken") || !body["loginToken"].is_string()) return bad(Reason::BAD_ARGUMENT, "loginToken");
    const std::string token = body["loginToken"].get<std::string>();
    if (token.empty() || token.size() > kMaxLoginTokenBytes || !printable_ascii(token)) {
        return bad(Reason::BAD_ARGUMENT, "loginToken");
    }
    std::optional<Operator> op;
    if (body.contains("operator") && !body["operator"].is_null()) {
        op = body["operator"].is_string() ? operator_from_id(body["operator"].get<std::string>()) : std::nullopt;
        if (!op) return bad(Reason::BAD_OPERATOR, "operator");
        ctx.op = std::string(operator_id(*op));
    }
    std::optional<std::string> ex_id;
    if (body.contains("exID") && !body["exID"].is_null()) {
        if (!body["exID"].is_string()) return bad(Reason::BAD_ARGUMENT, "exID");
        ex_id = body["exID"].get<std::string>();
        const bool controls = std::any_of(ex_id->begin(), ex_id->end(),
                                          [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
        if (ex_id->size() > kMaxExIdBytes || controls) return bad(Reason::BAD_ARGUMENT, "exID");
    }
    const json common{{"requestId", ctx.request_id}, {"operator", op ? json(operator_id(*op)) : json(nullptr)}};
    // Without the private key no answer could be read: refuse before anything is spent.
    if (!app.keys.login) return send_error(res, 503, Reason::LOGIN_NOT_CONFIGURED, locale, std::nullopt, common);

    const std::int64_t now = app.now_ms();
    const std::string ip = client_ip(req, cfg.trust_proxy);
    Admission adm = login_admission(app, req, now);
    adm.number_key = "login:" + sha256_hex(token);  // no per-number rules: a fresh key each time
    adm.token_key = sha256_hex(token);
    adm.token_expires_ms = now + (op ? operator_info(*op).login_token_ttl_ms : kMaxLoginTtlMs);
    const auto spending = admit_spending(app, adm, login_limits(cfg), res, locale, common);
    if (!spending) return;

    const UpstreamReply reply = app.upstream.login_token_verify(token, ex_id, ip);
    OutcomeContext octx{cfg.risk, ex_id, now, VendorApi::Login};
    VerifyOutcome out = map_upstream(reply, octx);

    // 8000: the number, encrypted. A ciphertext our key cannot open (or that is not a mainland mobile number)
    // means the key pair does not match the one registered with the vendor: a configuration error, named as
    // such, never a 500 and never a number.
    std::optional<PhoneNumber> phone;
    if (!out.is_error && !out.encrypted_phone.empty()) {
        const auto cipher = base64_decode(out.encrypted_phone);
        const auto plain = cipher ? app.keys.login->rsa_decrypt(*cipher) : std::nullopt;
        const PhoneNumber p = plain ? parse_phone(*plain) : PhoneNumber{};
        if (p.valid && plain->size() == 11) {
            phone = p;
        } else {
            log_event("error", "one-click login: the vendor's number does not decrypt with our private key "
                               "(the key pair registered with the vendor does not match NV_LOGIN_PRIVATE_KEY_FILE)");
            app.metrics.quota_rejection("LOGIN_KEY_MISMATCH");
            out.is_error = true;
            out.http_status = 503;
            out.reason = Reason::LOGIN_KEY_MISMATCH;
        }
    }
    settle_spending(app, *spending, reply, out);
    if (phone) {
        ctx.phone_masked = mask_phone(phone->national);
        if (!op) op = phone->segment.network;
    }
    json j = common;
    if (op) j["operator"] = operator_id(*op);
    if (out.is_error) {
        if (out.vendor_code) j["upstream"] = out.upstream;
        return send_error(res, out.http_status, out.reason, locale, out.retry_after_sec, j);
    }
    const bool logged_in = out.verified && phone.has_value();
    j["loggedIn"] = logged_in;
    j["result"] = out.result;  // success | failed
    j["code"] = reason_id(out.reason);
    j["message"] = reason_message(out.reason, locale);
    j["upstream"] = out.upstream;
    if (out.risk) j["risk"] = *out.risk;
    if (phone) j["masked"] = mask_phone(phone->national);
    if (logged_in) {
        j["assertion"] = issue_assertion(app.keys, cfg.assertion,
                                         {{}, {}, phone->national, ProofMethod::CarrierLogin, op, ctx.request_id, now});
        j["assertionExpiresInSec"] = cfg.assertion.ttl_sec;
    }
    send_json(res, 200, j);
}

// POST /api/v1/login/check {}: would a login be admitted now? Asked before the carrier's authorization page is
// shown (its loginToken is a carrier call, single use, and the user's confirmation).
void handle_login_check(App& app, const httplib::Request& req, httplib::Response& res) {
    const Locale locale = request_locale(req);
    if (!read_body(req, res, locale, {})) return;
    const json common{{"requestId", current_request().request_id}, {"operator", nullptr}};
    // As the login itself: without the private key no login can succeed, so none should start.
    if (!app.keys.login) return send_error(res, 503, Reason::LOGIN_NOT_CONFIGURED, locale, std::nullopt, common);
    if (!check_spending(app, login_admission(app, req, app.now_ms()), login_limits(app.config), res, locale, common)) {
        return;
    }
    send_json(res, 200, json{{"requestId", current_request().request_id}, {"allowed", true}});
}

}  // namespace

void install_login_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Post("/api/v1/login", [a](const httplib::Request& req, httplib::Response& res) { handle_login(*a, req, res); });
    s.Get("/api/v1/login", [](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", "POST");
        send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
    });
    s.Post("/api/v1/login/check",
           [a](const httplib::Request& req, httplib::Response& res) { handle_login_check(*a, req, res); });
    post_only(s, "/api/v1/login/check");
}

}  // namespace nv::server
