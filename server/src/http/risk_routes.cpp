// POST /api/v1/risk: business risk (DESIGN 9), for the partner's backend and never the page: behind the
// backend bearer token (NV_BACKEND_TOKEN, compared in constant time). Decodes and runs the use case
// (usecase/business_risk: the vendor's /v2/web/queryBusinessRisk under the same risk policy as verify v2).
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "base/crypto.hpp"
#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "http/routes.hpp"
#include "usecase/business_risk.hpp"

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

    send_answer(res, business_risk(app, *phone, ip, ex_id), locale);
}

}  // namespace

void install_risk_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Post("/api/v1/risk", [a](const httplib::Request& req, httplib::Response& res) { handle_risk(*a, req, res); });
}

}  // namespace nv::server
