#include "usecase/verify_number.hpp"

#include "base/crypto.hpp"
#include "base/request_log.hpp"
#include "usecase/assertions.hpp"
#include "usecase/spend.hpp"
#include "usecase/vendor_call.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

// What a verification of `phone` asks the store for: the appKey's, the number's and the client IP's counters. The
// quota pre-check asks for the very same admission, check-only.
Admission verify_admission(const App& app, const PhoneNumber& phone, const std::string& ip, std::int64_t now) {
    Admission adm;
    adm.app_key = app.config.app_key;
    adm.number_key = sha256_hex(phone.national);
    adm.ip = ip;
    adm.now_ms = now;
    return adm;
}

// The members every verify answer carries (errors included).
json verify_common(std::optional<Operator> op, const Vendor& vendor) {
    return json{{"requestId", current_request().request_id},
                {"operator", op ? json(operator_id(*op)) : json(nullptr)},
                {"vendor", vendor.info().key}};
}

}  // namespace

Answer verify_number(App& app, const VerifyNumberRequest& r) {
    const ServerConfig& cfg = app.config;
    Vendor& vendor = *r.vendor;
    const VendorId vid = vendor.id();
    const std::int64_t now = app.now_ms();
    Admission adm = verify_admission(app, r.phone, r.ip, now);
    adm.token_key = sha256_hex(r.token);
    // An unknown carrier: remember the token as long as the vendor's longest-lived one.
    adm.token_expires_ms = now + (r.op ? vendor_token_ttl_ms(vid, *r.op, false) : vendor_max_token_ttl_ms(vid, false));

    const json common = verify_common(r.op, vendor);
    auto admitted = admit_spending(app, adm, cfg.quotas, common);
    if (auto* refusal = std::get_if<Answer>(&admitted)) return *refusal;
    const Spending& spending = std::get<Spending>(admitted);

    OutcomeContext octx{cfg.risk, r.ex_id, now};
    const VendorResult result = call_vendor(app, vendor, [&] {
        return vendor.verify(VerifyCall{r.token, std::string(r.phone.national), r.ex_id, r.ip}, octx);
    });
    const VerifyOutcome& out = result.outcome;
    settle_spending(app, spending, result, vid);

    if (out.is_error) {
        json extra = common;
        if (out.answer_code) extra["upstream"] = out.upstream;
        return error_answer(out.http_status, out.reason, extra, out.retry_after_sec);
    }
    Answer a;
    a.status = out.http_status;
    a.reason = out.reason;
    a.body = common;
    a.body["verified"] = out.verified;
    a.body["result"] = out.result;
    a.body["upstream"] = out.upstream;
    if (out.risk) a.body["risk"] = *out.risk;
    if (out.verified) {
        a.body["assertion"] = issue_assertion(
            app.keys, cfg.assertion,
            {{}, {}, std::string(r.phone.national), ProofMethod::CarrierVerify, r.op, current_request().request_id, now});
        a.body["assertionExpiresInSec"] = cfg.assertion.ttl_sec;
    }
    return a;
}

Answer check_verify_number(App& app, const PhoneNumber& phone, const std::string& ip, const Vendor& vendor) {
    // The number segment's carrier: the one whose gateway the page asks first (nothing secret).
    const json common = verify_common(phone.segment.network, vendor);
    const Admission adm = verify_admission(app, phone, ip, app.now_ms());
    if (auto refusal = check_spending(app, adm, app.config.quotas, common)) return *refusal;
    Answer a;
    a.body = common;
    a.body["allowed"] = true;
    return a;
}

}  // namespace nv::server
