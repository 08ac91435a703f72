// POST /api/v1/vendor-session {"vendor":"aliyun","purpose":"verify"|"login"}: the page session a vendor's Web SDK
// needs (Aliyun's AccessToken and JwtToken from GetAuthToken, for the page's origin), fetched with the server's
// AccessKey, which never leaves the server. Only allowed origins reach this handler (the listener refuses the
// others with 403 ORIGIN_NOT_ALLOWED); a call without an Origin header (curl) gets our own origin's session.
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "http/routes.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

void handle_vendor_session(App& app, const httplib::Request& req, httplib::Response& res) {
    const Locale locale = request_locale(req);
    RequestContext& ctx = current_request();
    const auto body = read_body(req, res, locale, {"vendor", "purpose"});
    if (!body) return;
    Vendor* vendor = read_vendor(app, *body, res, locale);
    if (!vendor) return;
    bool login = false;
    if (body->contains("purpose") && !(*body)["purpose"].is_null()) {
        const json& p = (*body)["purpose"];
        if (!p.is_string() || (p != "verify" && p != "login")) {
            return send_error(res, 400, Reason::BAD_ARGUMENT, locale, std::nullopt,
                              json{{"field", "purpose"}, {"detail", "purpose is verify or login"}});
        }
        login = p == "login";
    }
    std::string origin = req.get_header_value("Origin");
    if (origin.empty()) {
        const bool secure = !app.config.tls_cert.empty() ||
                            (app.config.trust_proxy && req.get_header_value("X-Forwarded-Proto") == "https");
        origin = (secure ? "https://" : "http://") + req.get_header_value("Host");
    }
    ctx.vendor = std::string(vendor->info().key);
    const json common{{"requestId", ctx.request_id}, {"vendor", vendor->info().key}};
    if (vendor->info().session_token_ttl_ms == 0) {
        // Jiguang's Web SDK takes the appKey: it has no page session.
        return send_error(res, 400, Reason::VENDOR_NOT_SUPPORTED, locale, std::nullopt, common);
    }
    const std::int64_t now = app.now_ms();
    // Through the vendor's circuit, as every call: open, the page asks the next vendor (nothing is sent).
    if (!app.vendors.admit(vendor->id(), now)) {
        app.metrics.circuit_refusal(vendor->info().key);
        return send_error(res, 503, Reason::UPSTREAM_UNAVAILABLE, locale,
                          (app.vendors.open_ms_left(vendor->id(), now) + 999) / 1000, common);
    }
    const SessionResult r = vendor->session(origin, login, now);
    // A cached session made no call; a call that got no believable answer is a failure.
    if (r.reply.elapsed_ms > 0 || r.reply.status != 0 || r.reply.transport != Transport::Ok) {
        app.vendors.record(vendor->id(),
                           r.reply.transport != Transport::Ok || r.reply.status >= 500 || !r.failure.answer_code,
                           app.now_ms());
    } else {
        app.vendors.record(vendor->id(), false, app.now_ms());
    }
    if (r.reply.status != 0 || r.reply.transport != Transport::Ok) {
        ctx.upstream_ms = r.reply.elapsed_ms;
        const std::string label = r.failure.answer_code                  ? *r.failure.answer_code
                                  : r.reply.transport == Transport::Ok ? "bad_reply"
                                                                       : "transport_failed";
        app.metrics.upstream(static_cast<double>(r.reply.elapsed_ms) / 1000.0, label, vendor->info().key);
    }
    if (!r.session) {
        json extra = common;
        if (r.failure.answer_code) extra["upstream"] = r.failure.upstream;
        return send_error(res, r.failure.http_status, r.failure.reason, locale, r.failure.retry_after_sec, extra);
    }
    json j = common;
    j["purpose"] = login ? "login" : "verify";
    j["accessToken"] = r.session->access_token;
    j["jwtToken"] = r.session->jwt_token;
    j["expiresInSec"] = (r.session->expires_ms - now) / 1000;
    send_json(res, 200, j);
}

}  // namespace

void install_vendor_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Post("/api/v1/vendor-session",
           [a](const httplib::Request& req, httplib::Response& res) { handle_vendor_session(*a, req, res); });
    post_only(s, "/api/v1/vendor-session");
}

}  // namespace nv::server
