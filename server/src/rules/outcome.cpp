#include "rules/outcome.hpp"

#include "base/json_strict.hpp"
#include "rules/calendar.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

VerifyOutcome error(int status, Reason reason) {
    VerifyOutcome o;
    o.http_status = status;
    o.reason = reason;
    return o;
}

std::optional<int> score_of(const json& v) {
    if (!v.is_number_integer()) return std::nullopt;
    const auto s = v.get<std::int64_t>();
    if (s < 0 || s > 100'000) return std::nullopt;
    return static_cast<int>(s);
}

}  // namespace

int status_for_vendor_code(int code) {
    const VendorCodeInfo info = vendor_code_info(code);
    switch (info.outcome) {
        case VendorOutcome::Consistent:
        case VendorOutcome::Inconsistent:
        case VendorOutcome::Unknown: return 200;
        case VendorOutcome::TokenRejected: return 400;  // the page's token is expired or unknown: fetch another
        case VendorOutcome::RateLimited: return 429;
        case VendorOutcome::Refused:
            // A bad parameter is the caller's input; a wrong method or Content-Type is our own request's fault
            // (bad gateway); the rest (credentials, app config, balance, service) wait for the operator.
            if (info.reason == Reason::BAD_PARAMETER) return 400;
            if (info.reason == Reason::METHOD_NOT_ALLOWED || info.reason == Reason::BAD_CONTENT_TYPE) return 502;
            return 503;
        case VendorOutcome::ServerError: return 502;
    }
    return 502;
}

VerifyOutcome map_upstream(const UpstreamReply& r, const OutcomeContext& ctx) {
    switch (r.transport) {
        case Transport::ConnectFailed: {
            VerifyOutcome o = error(502, Reason::UPSTREAM_UNAVAILABLE);
            o.refund = true;
            return o;
        }
        case Transport::TlsFailed: {
            VerifyOutcome o = error(502, Reason::UPSTREAM_UNAVAILABLE);
            o.refund = true;
            return o;
        }
        case Transport::Timeout: return error(504, Reason::UPSTREAM_TIMEOUT);
        case Transport::Dropped: return error(502, Reason::UPSTREAM_UNAVAILABLE);
        case Transport::Ok: break;
    }

    // A vendor answer that names a key twice ("code": 9001, "code": 9000) is not believed either way.
    const json doc = parse_json_strict(r.body).value;
    const bool has_code = !doc.is_discarded() && doc.is_object() && doc.contains("code") &&
                          doc["code"].is_number_integer() && doc["code"].get<std::int64_t>() >= 0 &&
                          doc["code"].get<std::int64_t>() <= 999'999;
    // A gateway in front of the vendor may answer 5xx with an HTML page; only a vendor document with a code is
    // read, and a 5xx is believed only when it reports a failure (a "9000" there would be a lie).
    if (!has_code || r.status < 200) return error(502, Reason::UPSTREAM_ERROR);
    const int code = static_cast<int>(doc["code"].get<std::int64_t>());
    const VendorCodeInfo info = vendor_code_info(code);
    const bool is_result = info.outcome == VendorOutcome::Consistent || info.outcome == VendorOutcome::Inconsistent ||
                           info.outcome == VendorOutcome::Unknown;
    if (r.status >= 500 && is_result) return error(502, Reason::UPSTREAM_ERROR);
    VerifyOutcome o;
    o.vendor_code = code;
    o.upstream = json::object();
    if (doc.contains("id") && (doc["id"].is_number_integer() || doc["id"].is_string())) {
        // Serial ids exceed 2^53: a string keeps them exact in JavaScript.
        o.upstream["id"] = doc["id"].is_string() ? doc["id"].get<std::string>() : doc["id"].dump();
    } else {
        o.upstream["id"] = nullptr;
    }
    o.upstream["code"] = code;
    o.upstream["content"] = doc.contains("content") && doc["content"].is_string() ? doc["content"] : json("");

    if (ctx.ex_id && doc.contains("exID") && doc["exID"].is_string() && !doc["exID"].get<std::string>().empty() &&
        doc["exID"].get<std::string>() != *ctx.ex_id) {
        VerifyOutcome lie = error(502, Reason::UPSTREAM_ERROR);
        lie.vendor_code = code;
        lie.upstream = o.upstream;
        return lie;
    }

    o.http_status = status_for_vendor_code(code);
    o.reason = info.reason;
    o.billed = info.billed;
    // The vendor processed nothing billable: give the quota back, except when it refused for its own limits
    // (keeping the count keeps ours in step with its).
    o.refund = !info.billed && info.outcome != VendorOutcome::RateLimited;

    switch (info.outcome) {
        case VendorOutcome::Consistent:
        case VendorOutcome::Inconsistent:
        case VendorOutcome::Unknown: {
            o.is_error = false;
            o.result = info.outcome == VendorOutcome::Consistent     ? "consistent"
                       : info.outcome == VendorOutcome::Inconsistent ? "inconsistent"
                                                                      : "unknown";
            o.verified = info.outcome == VendorOutcome::Consistent;
            std::optional<int> score;
            json tags = json::array();
            if (doc.contains("riskCheck") && doc["riskCheck"].is_object()) {
                const json& rc = doc["riskCheck"];
                if (rc.contains("score")) score = score_of(rc["score"]);
                if (rc.contains("tags") && rc["tags"].is_array()) {
                    for (const json& t : rc["tags"]) {
                        if (t.is_string() && tags.size() < 32) tags.push_back(t);
                    }
                }
            }
            if (!score && doc.contains("score")) score = score_of(doc["score"]);
            if (score) {
                const RiskAssessment a = assess_risk(*score, ctx.risk);
                o.risk = json{{"score", a.score}, {"level", a.level}, {"decision", risk_decision_id(a.decision)},
                              {"tags", tags}};
                if (o.verified && !risk_permits_verified(a.decision)) {
                    o.verified = false;
                    o.reason = a.decision == RiskDecision::Deny ? Reason::RISK_DENY : Reason::RISK_STEP_UP;
                }
            }
            return o;
        }
        case VendorOutcome::RateLimited:
            o.retry_after_sec = info.reason == Reason::TOO_SOON ? 30 : (ms_until_next_day(ctx.now_ms) + 999) / 1000;
            return o;
        default: return o;
    }
}

}  // namespace nv::server
