#include "http/routes.hpp"

#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "usecase/business_risk.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

// The SMS fallback (DESIGN 6): the same quotas as a verification (30 s per number, 10 per number per day, the
// appKey's daily limit, the client IP's window), counted apart from verifications. With sms.riskCheck on, the
// vendor's business-risk score is asked first and a number whose decision is deny gets no code: SMS pumping
// (codes sent to premium numbers an attacker is paid for) is the costliest fraud against an SMS fallback.
constexpr std::int64_t kSmsCodeTtlMs = 300'000;
constexpr int kSmsMaxAttempts = 5;

std::string sms_code_hash(const std::string& app_key, const std::string& national, const std::string& code) {
    return sha256_hex(app_key + ":" + national + ":" + code);
}

// True when the number's risk decision is deny (answered 403 SMS_RISK_DENIED).
bool risk_denies(App& app, const std::string& national, const std::string& ip, httplib::Response& res, Locale locale,
                 const json& common) {
    json risk;
    if (!sms_risk_denies(app, national, ip, risk)) return false;
    app.metrics.quota_rejection("SMS_RISK_DENIED");
    json extra = common;
    extra["risk"] = risk;
    send_error(res, 403, Reason::SMS_RISK_DENIED, locale, std::nullopt, extra);
    return true;
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
        if (cfg.sms_risk_check.value_or(false) && risk_denies(app, std::string(phone->national), adm.ip, res, locale, common)) {
            return;
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
    if (code.size() < 4 || code.size() > 8 ||
        !std::all_of(code.begin(), code.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        return send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt,
                          json{{"field", "code"}, {"requestId", common["requestId"]}});
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
    j["assertion"] = issue_assertion(app.keys, cfg.assertion,
                                     {{}, {}, phone->national, ProofMethod::Sms, std::nullopt,
                                      current_request().request_id, app.now_ms()});
    j["assertionExpiresInSec"] = cfg.assertion.ttl_sec;
    send_json(res, 200, j);
}

}  // namespace

void install_sms_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Post("/api/v1/sms/send",
           [a](const httplib::Request& req, httplib::Response& res) { handle_sms_send(*a, req, res); });
    s.Post("/api/v1/sms/check",
           [a](const httplib::Request& req, httplib::Response& res) { handle_sms_check(*a, req, res); });
}

}  // namespace nv::server
