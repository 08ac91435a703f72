// POST /api/v1/risk: business risk (DESIGN 9), for the partner's backend and never the page: behind the
// backend bearer token (NV_BACKEND_TOKEN, compared in constant time). Calls the vendor's
// /v2/web/queryBusinessRisk and answers the score under the same risk policy as verify v2.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "http/routes.hpp"
#include "rules/outcome.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxField = 128;

// The backend bearer token; false when the request was answered (503 when none is configured, 401 otherwise).
bool backend_authorized(const App& app, const httplib::Request& req, httplib::Response& res, Locale locale,
                        const json& common) {
    if (app.config.backend_token.empty()) {
        json extra = common;
        extra["detail"] = "set NV_BACKEND_TOKEN (or backendToken in the config file) to enable this endpoint";
        send_error(res, 503, Reason::BACKEND_NOT_CONFIGURED, locale, std::nullopt, extra);
        return false;
    }
    const std::string auth = req.get_header_value("Authorization");
    if (auth.rfind("Bearer ", 0) != 0 || !constant_time_equal(auth.substr(7), app.config.backend_token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        send_error(res, 401, Reason::BACKEND_AUTH_REQUIRED, locale, std::nullopt, common);
        return false;
    }
    return true;
}

std::optional<std::string> optional_text(const json& body, const char* key, bool& bad) {
    if (!body.contains(key) || body[key].is_null()) return std::nullopt;
    if (!body[key].is_string() || body[key].get<std::string>().size() > kMaxField) {
        bad = true;
        return std::nullopt;
    }
    const std::string v = body[key].get<std::string>();
    for (const char c : v) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) bad = true;
    }
    return v;
}

void handle_risk(App& app, const httplib::Request& req, httplib::Response& res) {
    const ServerConfig& cfg = app.config;
    const Locale locale = request_locale(req);
    RequestContext& ctx = current_request();
    const json common{{"requestId", ctx.request_id}};
    if (!backend_authorized(app, req, res, locale, common)) return;
    const auto parsed = read_body(req, res, locale, {"phone", "ip", "exID"});
    if (!parsed) return;
    const auto phone = read_phone(*parsed, res, locale);
    if (!phone) return;
    bool bad = false;
    const auto ip = optional_text(*parsed, "ip", bad);
    if (bad) return send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", "ip"}});
    const auto ex_id = optional_text(*parsed, "exID", bad);
    if (bad) return send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt, json{{"field", "exID"}});

    // Only a vendor with a business-risk API can answer (Aliyun has none): never a made-up score.
    Vendor* vendor = app.vendors.with_risk();
    if (!vendor) {
        json j = common;
        j["vendors"] = json::array();
        for (const Vendor* v : app.vendors.all()) j["vendors"].push_back(v->info().key);
        return send_error(res, 501, Reason::VENDOR_NOT_SUPPORTED, locale, std::nullopt, j);
    }
    const UpstreamReply reply = *vendor->business_risk(std::string(phone->national), ip, ex_id);
    const RiskOutcome out = map_risk_reply(reply, OutcomeContext{cfg.risk, ex_id, app.now_ms(), VendorApi::Verify});
    ctx.upstream_ms = reply.elapsed_ms;
    ctx.vendor = std::string(vendor->info().key);
    if (out.vendor_code) ctx.upstream_code = *out.vendor_code;
    app.metrics.upstream(static_cast<double>(reply.elapsed_ms) / 1000.0,
                         out.vendor_code ? std::to_string(*out.vendor_code) : "risk_failed", vendor->info().key);
    json j = common;
    if (out.is_error) {
        if (out.vendor_code) j["upstream"] = out.upstream;
        return send_error(res, out.http_status, out.reason, locale, std::nullopt, j);
    }
    j["phone"] = mask_phone(phone->national);
    for (const auto& [k, v] : out.risk.items()) j[k] = v;
    j["upstream"] = out.upstream;
    send_json(res, 200, j);
}

}  // namespace

void install_risk_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Post("/api/v1/risk", [a](const httplib::Request& req, httplib::Response& res) { handle_risk(*a, req, res); });
}

}  // namespace nv::server
