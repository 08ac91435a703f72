#include "usecase/business_risk.hpp"

#include "base/request_log.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

RiskOutcome ask(App& app, Vendor& vendor, const std::string& national, const std::optional<std::string>& ip,
                const std::optional<std::string>& ex_id) {
    const UpstreamReply reply = *vendor.business_risk(national, ip, ex_id);
    const RiskOutcome out = map_risk_reply(reply, OutcomeContext{app.config.risk, ex_id, app.now_ms(), VendorApi::Verify});
    RequestContext& ctx = current_request();
    ctx.upstream_ms = reply.elapsed_ms;
    ctx.vendor = std::string(vendor.info().key);
    if (out.vendor_code) ctx.upstream_code = *out.vendor_code;
    app.metrics.upstream(static_cast<double>(reply.elapsed_ms) / 1000.0,
                         out.vendor_code ? std::to_string(*out.vendor_code) : "risk_failed", vendor.info().key);
    return out;
}

}  // namespace

Answer business_risk(App& app, const PhoneNumber& phone, const std::optional<std::string>& ip,
                     const std::optional<std::string>& ex_id) {
    json common{{"requestId", current_request().request_id}};
    Vendor* vendor = app.vendors.with_risk();
    if (!vendor) {
        common["vendors"] = json::array();
        for (const Vendor* v : app.vendors.all()) common["vendors"].push_back(v->info().key);
        return error_answer(501, Reason::VENDOR_NOT_SUPPORTED, common);
    }
    const RiskOutcome out = ask(app, *vendor, std::string(phone.national), ip, ex_id);
    if (out.is_error) {
        if (out.vendor_code) common["upstream"] = out.upstream;
        return error_answer(out.http_status, out.reason, common);
    }
    Answer a;
    a.body = common;
    a.body["phone"] = mask_phone(phone.national);
    for (const auto& [k, v] : out.risk.items()) a.body[k] = v;
    a.body["upstream"] = out.upstream;
    return a;
}

bool sms_risk_denies(App& app, const std::string& national, const std::string& ip, json& risk) {
    Vendor* vendor = app.vendors.with_risk();
    if (!vendor) return false;  // no configured vendor has a risk API (main.cpp says so at startup)
    const RiskOutcome r = ask(app, *vendor, national, ip, std::nullopt);
    if (r.is_error) {
        log_event("warn", "SMS risk check failed; sending the code anyway",
                  "\"reason\":\"" + std::string(reason_id(r.reason)) + "\"");
        return false;
    }
    if (r.risk.value("decision", "") != "deny") return false;
    risk = json{{"score", r.risk["score"]}, {"level", r.risk["level"]}, {"decision", "deny"}};
    return true;
}

}  // namespace nv::server
