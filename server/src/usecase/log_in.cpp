#include "usecase/log_in.hpp"

#include "base/crypto.hpp"
#include "base/request_log.hpp"
#include "nv/phone.hpp"
#include "usecase/assertions.hpp"
#include "usecase/spend.hpp"
#include "usecase/vendor_call.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

Admission login_admission(const App& app, const std::string& ip, std::int64_t now) {
    Admission adm;
    adm.app_key = "login:" + app.config.app_key;
    adm.number_key = "login:";
    adm.ip = ip;
    adm.now_ms = now;
    return adm;
}

QuotaLimits login_limits(const ServerConfig& cfg) {
    QuotaLimits limits = cfg.quotas;
    limits.number_interval_ms = 0;
    limits.number_daily = 0;
    return limits;
}

// Jiguang answers the number encrypted under the partner's RSA key: without the private half nothing it says can
// be read, so a login through it is refused before anything is spent.
bool needs_login_key(const Vendor& v) { return v.id() == VendorId::Jiguang; }

}  // namespace

Answer log_in(App& app, const LogInRequest& r) {
    const ServerConfig& cfg = app.config;
    RequestContext& ctx = current_request();
    Vendor& vendor = *r.vendor;
    const VendorId vid = vendor.id();
    std::optional<Operator> op = r.op;
    json common{{"requestId", ctx.request_id},
                {"operator", op ? json(operator_id(*op)) : json(nullptr)},
                {"vendor", vendor.info().key}};
    if (needs_login_key(vendor) && !app.keys.login) return error_answer(503, Reason::LOGIN_NOT_CONFIGURED, common);

    const std::int64_t now = app.now_ms();
    Admission adm = login_admission(app, r.ip, now);
    adm.number_key = "login:" + sha256_hex(r.token);  // no per-number rules: a fresh key each time
    adm.token_key = sha256_hex(r.token);
    adm.token_expires_ms = now + (op ? vendor_token_ttl_ms(vid, *op, true) : vendor_max_token_ttl_ms(vid, true));
    auto admitted = admit_spending(app, adm, login_limits(cfg), common);
    if (auto* refusal = std::get_if<Answer>(&admitted)) return *refusal;
    const Spending& spending = std::get<Spending>(admitted);

    OutcomeContext octx{cfg.risk, r.ex_id, now, VendorApi::Login};
    VendorResult result =
        call_vendor(app, vendor, [&] { return vendor.login(LoginCall{r.token, r.ex_id, r.ip}, octx); });
    VerifyOutcome& out = result.outcome;

    // The number: Aliyun's in clear (checked by the outcome), Jiguang's 8000 encrypted. A ciphertext our key
    // cannot open (or that is not a mainland mobile number) means the key pair does not match the one registered
    // with the vendor: a configuration error, named as such, never a 500 and never a number.
    std::optional<PhoneNumber> phone;
    if (!out.is_error && !out.phone.empty()) {
        phone = parse_phone(out.phone);
    } else if (!out.is_error && !out.encrypted_phone.empty()) {
        const auto cipher = base64_decode(out.encrypted_phone);
        const auto plain = cipher && app.keys.login ? app.keys.login->rsa_decrypt(*cipher) : std::nullopt;
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
    settle_spending(app, spending, result, vid);
    if (phone) {
        ctx.phone_masked = std::string(mask_phone(phone->national));
        if (!op) op = phone->segment.network;
    }
    json j = common;
    if (op) j["operator"] = operator_id(*op);
    if (out.is_error) {
        if (out.answer_code) j["upstream"] = out.upstream;
        return error_answer(out.http_status, out.reason, j, out.retry_after_sec);
    }
    const bool logged_in = out.verified && phone.has_value();
    j["loggedIn"] = logged_in;
    j["result"] = out.result;  // success | failed
    j["upstream"] = out.upstream;
    if (out.risk) j["risk"] = *out.risk;
    if (phone) j["masked"] = mask_phone(phone->national);
    if (logged_in) {
        j["assertion"] = issue_assertion(app.keys, cfg.assertion,
                                         {{}, {}, std::string(phone->national), ProofMethod::CarrierLogin, op,
                                          ctx.request_id, now});
        j["assertionExpiresInSec"] = cfg.assertion.ttl_sec;
    }
    Answer a;
    a.reason = out.reason;
    a.body = std::move(j);
    return a;
}

Answer check_log_in(App& app, const std::string& ip, const Vendor& vendor) {
    const json common{{"requestId", current_request().request_id}, {"operator", nullptr}, {"vendor", vendor.info().key}};
    // As the login itself: without the private key no login through Jiguang can succeed, so none should start.
    if (needs_login_key(vendor) && !app.keys.login) return error_answer(503, Reason::LOGIN_NOT_CONFIGURED, common);
    if (auto refusal = check_spending(app, login_admission(app, ip, app.now_ms()), login_limits(app.config), common)) {
        return *refusal;
    }
    Answer a;
    a.body = json{{"requestId", current_request().request_id}, {"allowed", true}};
    return a;
}

}  // namespace nv::server
