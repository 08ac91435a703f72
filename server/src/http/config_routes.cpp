#include "http/routes.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "http/http_util.hpp"
#include "nv/phone.hpp"

namespace nv::server {
namespace {

using nlohmann::json;

json text_json(const Text& t) {
    return json{{"zh-CN", t.zh}, {"en", t.en}};
}

void handle_config(const App& app, httplib::Response& res) {
    const ServerConfig& c = app.config;
    json carriers = json::array();
    for (Operator op : kOperators) {
        const OperatorInfo& i = operator_info(op);
        carriers.push_back(json{{"operator", operator_id(op)},
                                {"name", text_json(i.name)},
                                {"branding", text_json(i.branding)},
                                {"agreement", {{"name", text_json(i.agreement)}, {"url", i.agreement_url}}},
                                {"tokenTtlSec", i.token_ttl_ms / 1000},
                                {"loginTokenTtlSec", i.login_token_ttl_ms / 1000},
                                {"networks", i.networks}});
    }
    send_json(res, 200,
              json{{"sandbox", c.sandbox},
                   {"oneClickLogin", app.keys.login.has_value()},
                   {"apiVersion", c.upstream.api_version},
                   {"carriers", carriers},
                   {"timeouts",
                    {{"tokenTimeoutMs", c.flow.token_timeout_ms},
                     {"tokenBudgetMs", c.flow.token_budget_ms},
                     {"verifyTimeoutMs", c.flow.verify_timeout_ms}}},
                   {"sameNumberIntervalSec", c.quotas.number_interval_ms / 1000},
                   {"locales", {"zh-CN", "en"}}});
}

}  // namespace

void install_config_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Get("/api/v1/config", [a](const httplib::Request&, httplib::Response& res) { handle_config(*a, res); });
    // Wrong methods on the API get a JSON 405 rather than a bare 404.
    s.Post("/api/v1/config", [](const httplib::Request& req, httplib::Response& res) {
        res.set_header("Allow", "GET");
        send_error(res, 405, Reason::METHOD_NOT_ALLOWED, request_locale(req));
    });
}

}  // namespace nv::server
