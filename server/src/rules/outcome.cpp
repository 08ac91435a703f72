#include "rules/outcome.hpp"

#include "base/json_strict.hpp"
#include "nv/phone.hpp"
#include "nv/vendors.hpp"
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
    return status_for_outcome(info.outcome, info.reason);
}

int status_for_outcome(VendorOutcome outcome, Reason reason) {
    switch (outcome) {
        case VendorOutcome::Consistent:
        case VendorOutcome::Inconsistent:
        case VendorOutcome::Unknown: return 200;
        case VendorOutcome::TokenRejected: return 400;  // the page's token is expired or unknown: fetch another
        case VendorOutcome::RateLimited: return 429;
        case VendorOutcome::Refused:
            // A bad parameter is the caller's input; a wrong method or Content-Type is our own request's fault
            // (bad gateway); the rest (credentials, app config, balance, service) wait for the operator.
            if (reason == Reason::BAD_PARAMETER) return 400;
            if (reason == Reason::METHOD_NOT_ALLOWED || reason == Reason::BAD_CONTENT_TYPE) return 502;
            return 503;
        case VendorOutcome::ServerError: return 502;
    }
    return 502;
}

namespace {

// A vendor answer, read as far as every endpoint shares it: the transport, a JSON document with a code, the
// {id, code, content} echo, and exID. nullopt (with `failed` filled in) when there is no answer to believe.
struct Answer {
    json doc;
    int code = 0;
    json upstream;
};

// False, with `failed` filled in, when no HTTP answer arrived.
bool arrived(const UpstreamReply& r, VerifyOutcome& failed) {
    switch (r.transport) {
        case Transport::ConnectFailed:
        case Transport::TlsFailed:
            failed = error(502, Reason::UPSTREAM_UNAVAILABLE);
            failed.refund = true;  // nothing was sent
            return false;
        case Transport::Timeout: failed = error(504, Reason::UPSTREAM_TIMEOUT); return false;
        case Transport::Dropped: failed = error(502, Reason::UPSTREAM_UNAVAILABLE); return false;
        case Transport::Ok: break;
    }
    return true;
}

std::optional<Answer> read_answer(const UpstreamReply& r, const OutcomeContext& ctx, VerifyOutcome& failed) {
    if (!arrived(r, failed)) return std::nullopt;
    // A vendor answer that names a key twice ("code": 9001, "code": 9000) is not believed either way.
    Answer a;
    a.doc = parse_json_strict(r.body).value;
    const json& doc = a.doc;
    const bool has_code = !doc.is_discarded() && doc.is_object() && doc.contains("code") &&
                          doc["code"].is_number_integer() && doc["code"].get<std::int64_t>() >= 0 &&
                          doc["code"].get<std::int64_t>() <= 999'999;
    // A gateway in front of the vendor may answer 5xx with an HTML page; only a vendor document with a code is
    // read.
    if (!has_code || r.status < 200) {
        failed = error(502, Reason::UPSTREAM_ERROR);
        return std::nullopt;
    }
    a.code = static_cast<int>(doc["code"].get<std::int64_t>());
    a.upstream = json::object();
    if (doc.contains("id") && (doc["id"].is_number_integer() || doc["id"].is_string())) {
        // Serial ids exceed 2^53: a string keeps them exact in JavaScript.
        a.upstream["id"] = doc["id"].is_string() ? doc["id"].get<std::string>() : doc["id"].dump();
    } else {
        a.upstream["id"] = nullptr;
    }
    a.upstream["code"] = a.code;
    a.upstream["content"] = doc.contains("content") && doc["content"].is_string() ? doc["content"] : json("");
    if (ctx.ex_id && doc.contains("exID") && doc["exID"].is_string() && !doc["exID"].get<std::string>().empty() &&
        doc["exID"].get<std::string>() != *ctx.ex_id) {
        failed = error(502, Reason::UPSTREAM_ERROR);
        failed.vendor_code = a.code;
        failed.upstream = a.upstream;
        return std::nullopt;
    }
    return a;
}

// The code's meaning for this endpoint: the other endpoint's result codes are unknown here.
VendorCodeInfo info_for(int code, VendorApi api) {
    const bool login_result = code == 8000 || code == 8001;
    const bool verify_result = code >= 9000 && code <= 9002;
    if ((api == VendorApi::Verify && login_result) || (api == VendorApi::Login && verify_result)) {
        return {code, Reason::UPSTREAM_UNKNOWN_CODE, VendorOutcome::ServerError, false};
    }
    return vendor_code_info(code);
}

// The v2 risk score and tags of a verify or login answer (riskCheck {score, tags}, or a top-level score).
std::optional<RiskAssessment> risk_of(const json& doc, const RiskThresholds& thresholds, json& tags) {
    std::optional<int> score;
    tags = json::array();
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
    if (!score) return std::nullopt;
    return assess_risk(*score, thresholds);
}

}  // namespace

VerifyOutcome map_upstream(const UpstreamReply& r, const OutcomeContext& ctx) {
    VerifyOutcome failed;
    const auto answer = read_answer(r, ctx, failed);
    if (!answer) return failed;
    const json& doc = answer->doc;
    const int code = answer->code;
    const VendorCodeInfo info = info_for(code, ctx.api);
    const bool is_result = info.outcome == VendorOutcome::Consistent || info.outcome == VendorOutcome::Inconsistent ||
                           info.outcome == VendorOutcome::Unknown;
    // A 5xx is believed only when it reports a failure (a "9000" there would be a lie).
    if (r.status >= 500 && is_result) return error(502, Reason::UPSTREAM_ERROR);
    // A login success must carry the number; without it, it is not one.
    const bool login_ok = ctx.api == VendorApi::Login && info.outcome == VendorOutcome::Consistent;
    if (login_ok && !(doc.contains("phone") && doc["phone"].is_string() && !doc["phone"].get<std::string>().empty() &&
                      doc["phone"].get<std::string>().size() <= 4096)) {
        VerifyOutcome lie = error(502, Reason::UPSTREAM_ERROR);
        lie.vendor_code = code;
        lie.upstream = answer->upstream;
        return lie;
    }
    VerifyOutcome o;
    o.vendor_code = code;
    o.answer_code = std::to_string(code);
    o.upstream = answer->upstream;
    o.http_status = info.reason == Reason::UPSTREAM_UNKNOWN_CODE ? 502 : status_for_vendor_code(code);
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
            if (ctx.api == VendorApi::Login) {
                o.result = login_ok ? "success" : "failed";
                if (login_ok) o.encrypted_phone = doc["phone"].get<std::string>();
            } else {
                o.result = info.outcome == VendorOutcome::Consistent     ? "consistent"
                           : info.outcome == VendorOutcome::Inconsistent ? "inconsistent"
                                                                          : "unknown";
            }
            o.verified = info.outcome == VendorOutcome::Consistent;
            json tags;
            if (const auto a = risk_of(doc, ctx.risk, tags)) {
                o.risk = json{{"score", a->score}, {"level", a->level}, {"decision", risk_decision_id(a->decision)},
                              {"tags", tags}};
                if (o.verified && !risk_permits_verified(a->decision)) {
                    o.verified = false;
                    o.reason = a->decision == RiskDecision::Deny ? Reason::RISK_DENY : Reason::RISK_STEP_UP;
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

RiskOutcome map_risk_reply(const UpstreamReply& r, const OutcomeContext& ctx) {
    RiskOutcome o;
    VerifyOutcome failed;
    const auto answer = read_answer(r, ctx, failed);
    if (!answer) {
        o.http_status = failed.http_status;
        o.reason = failed.reason;
        o.vendor_code = failed.vendor_code;
        o.upstream = failed.upstream;
        return o;
    }
    const json& doc = answer->doc;
    o.vendor_code = answer->code;
    o.upstream = answer->upstream;
    if (answer->code != 0) {
        // Neither endpoint's result codes mean anything here.
        const VendorCodeInfo info = vendor_code_info(answer->code);
        const bool result = info.outcome == VendorOutcome::Consistent || info.outcome == VendorOutcome::Inconsistent ||
                            info.outcome == VendorOutcome::Unknown;
        o.reason = result ? Reason::UPSTREAM_UNKNOWN_CODE : info.reason;
        o.http_status = result || info.reason == Reason::UPSTREAM_UNKNOWN_CODE ? 502 : status_for_vendor_code(answer->code);
        return o;
    }
    const auto score = doc.contains("score") ? score_of(doc["score"]) : std::nullopt;
    if (r.status >= 300 || !score) {
        o.reason = Reason::UPSTREAM_ERROR;  // a success without a score, or on an error status, is not one
        return o;
    }
    json tags = json::array();
    if (doc.contains("tags") && doc["tags"].is_array()) {
        for (const json& t : doc["tags"]) {
            if (t.is_string() && t.get<std::string>().size() <= 64 && tags.size() < 32) tags.push_back(t);
        }
    }
    json detail = json::object();
    if (doc.contains("detail") && doc["detail"].is_object()) {
        for (const auto& [tag, d] : doc["detail"].items()) {
            if (detail.size() >= 32 || tag.size() > 64 || !d.is_object() || !d.contains("score")) continue;
            if (const auto s = score_of(d["score"])) detail[tag] = json{{"score", *s}};
        }
    }
    const RiskAssessment a = assess_risk(*score, ctx.risk);
    o.is_error = false;
    o.http_status = 200;
    o.reason = Reason::OK;
    o.risk = json{{"score", a.score},   {"level", a.level}, {"decision", risk_decision_id(a.decision)},
                  {"tags", tags},       {"detail", detail}};
    return o;
}

VerifyOutcome map_aliyun_reply(const UpstreamReply& r, const OutcomeContext& ctx) {
    VerifyOutcome failed;
    if (!arrived(r, failed)) return failed;
    const json doc = parse_json_strict(r.body).value;
    // A gateway in front may answer with an HTML page; only a Dypnsapi document with a Code is read.
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("Code") || !doc["Code"].is_string() ||
        doc["Code"].get<std::string>().empty() || doc["Code"].get<std::string>().size() > 64) {
        return error(502, Reason::UPSTREAM_ERROR);
    }
    const std::string code = doc["Code"].get<std::string>();
    auto text = [&](const char* key) {
        return doc.contains(key) && doc[key].is_string() && doc[key].get<std::string>().size() <= 512 ? doc[key]
                                                                                                     : json("");
    };
    json upstream{{"id", doc.contains("RequestId") && doc["RequestId"].is_string() ? doc["RequestId"] : json(nullptr)},
                  {"code", code},
                  {"content", text("Message")}};
    VerifyOutcome lie = error(502, Reason::UPSTREAM_ERROR);
    lie.answer_code = code;
    lie.upstream = upstream;

    AliyunCodeInfo info{};
    if (code != "OK") {
        info = aliyun_code_info(code);
    } else if (r.status != 200) {
        return lie;  // an "OK" on an error status is not believed
    } else if (ctx.api == VendorApi::Verify) {
        const json* gv = doc.contains("GateVerify") && doc["GateVerify"].is_object() ? &doc["GateVerify"] : nullptr;
        const auto result = gv && gv->contains("VerifyResult") && (*gv)["VerifyResult"].is_string()
                                 ? aliyun_verify_result((*gv)["VerifyResult"].get<std::string>())
                                 : std::nullopt;
        if (!result) return lie;
        info = *result;
        upstream["code"] = info.code;
        if (gv->contains("VerifyId") && (*gv)["VerifyId"].is_string()) upstream["verifyId"] = (*gv)["VerifyId"];
    } else {
        // A login success must carry the number: 11 digits of a mainland mobile number.
        const json* data = doc.contains("Data") && doc["Data"].is_object() ? &doc["Data"] : nullptr;
        const json mobile = data && data->contains("Mobile") ? (*data)["Mobile"] : json();
        const std::string m = mobile.is_string()            ? mobile.get<std::string>()
                              : mobile.is_number_unsigned() ? std::to_string(mobile.get<std::uint64_t>())
                                                            : std::string();
        const PhoneNumber p = parse_phone(m);
        if (!p.valid || m.size() != 11) return lie;
        info = {"OK", Reason::LOGGED_IN, VendorOutcome::Consistent, true};
        VerifyOutcome o;
        o.is_error = false;
        o.http_status = 200;
        o.reason = info.reason;
        o.result = "success";
        o.verified = true;
        o.billed = true;
        o.phone = m;
        o.answer_code = "MOBILE";  // the ledger's name for "a number came back" (billed)
        o.upstream = upstream;
        return o;
    }

    VerifyOutcome o;
    o.answer_code = std::string(info.code);
    o.upstream = upstream;
    o.reason = info.reason;
    o.billed = info.billed;
    o.refund = !info.billed && info.outcome != VendorOutcome::RateLimited;
    o.http_status = info.reason == Reason::UPSTREAM_UNKNOWN_CODE ? 502 : status_for_outcome(info.outcome, info.reason);
    switch (info.outcome) {
        case VendorOutcome::Consistent:
        case VendorOutcome::Inconsistent:
        case VendorOutcome::Unknown:
            if (ctx.api == VendorApi::Login) {
                o.result = "failed";  // a verification's result on the login API: not a number
                o.is_error = false;
                return o;
            }
            o.is_error = false;
            o.verified = info.outcome == VendorOutcome::Consistent;
            o.result = info.outcome == VendorOutcome::Consistent     ? "consistent"
                       : info.outcome == VendorOutcome::Inconsistent ? "inconsistent"
                                                                      : "unknown";
            return o;
        case VendorOutcome::RateLimited:
            o.retry_after_sec =
                info.reason == Reason::VENDOR_THROTTLED ? 1 : (ms_until_next_day(ctx.now_ms) + 999) / 1000;
            return o;
        default: return o;
    }
}

}  // namespace nv::server
