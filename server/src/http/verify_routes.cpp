// POST /api/v1/verify and /api/v1/verify/check: decode the request, run the use case (usecase/verify_number),
// answer.
#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/request_log.hpp"
#include "http/http_util.hpp"
#include "http/request_body.hpp"
#include "http/routes.hpp"
#include "usecase/verify_number.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTokenBytes = 2048;
constexpr std::size_t kMaxExIdBytes = 128;

bool printable_ascii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool no_controls(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

void handle_verify(App& app, const httplib::Request& req, httplib::Response& res) {
    const Locale locale = request_locale(req);
    RequestContext& ctx = current_request();
    auto bad = [&](Reason reason, const char* field) {
        send_error(res, 400, reason, locale, std::nullopt, json{{"field", field}});
    };

    const auto parsed = read_body(req, res, locale, {"phone", "token", "operator", "exID", "vendor"});
    if (!parsed) return;
    const json& body = *parsed;
    const auto phone = read_phone(body, res, locale);
    if (!phone) return;
    VerifyNumberRequest r;
    r.phone = *phone;

    if (!body.contains("token") || !body["token"].is_string()) return bad(Reason::BAD_ARGUMENT, "token");
    r.token = body["token"].get<std::string>();
    if (r.token.empty() || r.token.size() > kMaxTokenBytes || !printable_ascii(r.token))
        return bad(Reason::BAD_ARGUMENT, "token");

    r.op = phone->segment.network;
    if (body.contains("operator") && !body["operator"].is_null()) {
        const auto given =
            body["operator"].is_string() ? operator_from_id(body["operator"].get<std::string>()) : std::nullopt;
        if (!given) return bad(Reason::BAD_OPERATOR, "operator");
        r.op = given;  // the gateway that issued the token (ported numbers: not the segment's)
    }
    if (r.op) ctx.op = std::string(operator_id(*r.op));

    if (body.contains("exID") && !body["exID"].is_null()) {
        if (!body["exID"].is_string()) return bad(Reason::BAD_ARGUMENT, "exID");
        r.ex_id = body["exID"].get<std::string>();
        if (r.ex_id->size() > kMaxExIdBytes || !no_controls(*r.ex_id)) return bad(Reason::BAD_ARGUMENT, "exID");
    }
    r.vendor = read_vendor(app, body, res, locale);
    if (!r.vendor) return;
    r.ip = client_ip(req, app.config.trust_proxy);
    send_answer(res, verify_number(app, r), locale);
}

// POST /api/v1/verify/check {phone, vendor?}: would a verification of this number be admitted now? Asked before a
// carrier token is fetched (a token is a carrier call, and single use), so the page can show a countdown instead.
void handle_verify_check(App& app, const httplib::Request& req, httplib::Response& res) {
    const Locale locale = request_locale(req);
    const auto parsed = read_body(req, res, locale, {"phone", "vendor"});
    if (!parsed) return;
    const auto phone = read_phone(*parsed, res, locale);
    if (!phone) return;
    const Vendor* vendor = read_vendor(app, *parsed, res, locale);
    if (!vendor) return;
    if (phone->segment.network) current_request().op = std::string(operator_id(*phone->segment.network));
    send_answer(res, check_verify_number(app, *phone, client_ip(req, app.config.trust_proxy), *vendor), locale);
}

}  // namespace

// A JSON 405 with `Allow` for the methods a POST-only route does not serve.
void post_only(httplib::Server& s, const std::string& path) {
    auto refuse = [](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", "POST");
        send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
    };
    s.Get(path, refuse);
    s.Put(path, refuse);
    s.Patch(path, refuse);
    s.Delete(path, refuse);
}

void install_verify_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Post("/api/v1/verify", [a](const httplib::Request& req, httplib::Response& res) { handle_verify(*a, req, res); });
    s.Get("/api/v1/verify", [](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", "POST");
        send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
    });
    s.Post("/api/v1/verify/check",
           [a](const httplib::Request& req, httplib::Response& res) { handle_verify_check(*a, req, res); });
    post_only(s, "/api/v1/verify/check");
}

}  // namespace nv::server
