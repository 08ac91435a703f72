// POST /api/v1/login and /api/v1/login/check: decode the request, run the use case (usecase/log_in), answer.
#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "http/routes.hpp"
#include "usecase/log_in.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxLoginTokenBytes = 4096;
constexpr std::size_t kMaxExIdBytes = 128;

bool printable_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

void handle_login(App& app, const httplib::Request& req, httplib::Response& res) {
    const Locale locale = request_locale(req);
    RequestContext& ctx = current_request();
    auto bad = [&](Reason reason, const char* field) {
        send_error(res, 400, reason, locale, std::nullopt, json{{"field", field}, {"requestId", ctx.request_id}});
    };
    const auto parsed = read_body(req, res, locale, {"loginToken", "operator", "exID", "vendor"});
    if (!parsed) return;
    const json& body = *parsed;
    LogInRequest r;
    if (!body.contains("loginToken") || !body["loginToken"].is_string()) return bad(Reason::BAD_ARGUMENT, "loginToken");
    r.token = body["loginToken"].get<std::string>();
    if (r.token.empty() || r.token.size() > kMaxLoginTokenBytes || !printable_ascii(r.token)) {
        return bad(Reason::BAD_ARGUMENT, "loginToken");
    }
    if (body.contains("operator") && !body["operator"].is_null()) {
        r.op = body["operator"].is_string() ? operator_from_id(body["operator"].get<std::string>()) : std::nullopt;
        if (!r.op) return bad(Reason::BAD_OPERATOR, "operator");
        ctx.op = std::string(operator_id(*r.op));
    }
    if (body.contains("exID") && !body["exID"].is_null()) {
        if (!body["exID"].is_string()) return bad(Reason::BAD_ARGUMENT, "exID");
        r.ex_id = body["exID"].get<std::string>();
        const bool controls = std::any_of(r.ex_id->begin(), r.ex_id->end(),
                                          [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
        if (r.ex_id->size() > kMaxExIdBytes || controls) return bad(Reason::BAD_ARGUMENT, "exID");
    }
    r.vendor = read_vendor(app, body, res, locale);
    if (!r.vendor) return;
    r.ip = client_ip(req, app.config.trust_proxy);
    send_answer(res, log_in(app, r), locale);
}

// POST /api/v1/login/check {vendor?}: would a login be admitted now? Asked before the carrier's authorization
// page is shown (its token is a carrier call, single use, and the user's confirmation).
void handle_login_check(App& app, const httplib::Request& req, httplib::Response& res) {
    const Locale locale = request_locale(req);
    const auto body = read_body(req, res, locale, {"vendor"});
    if (!body) return;
    const Vendor* vendor = read_vendor(app, *body, res, locale);
    if (!vendor) return;
    send_answer(res, check_log_in(app, client_ip(req, app.config.trust_proxy), *vendor), locale);
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
