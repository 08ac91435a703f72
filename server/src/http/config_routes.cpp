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
    // The configured vendors (the first is the default) and, per carrier, the order the page asks them in.
    json vendors = json::array();
    for (const Vendor* v : app.vendors.all()) {
        const VendorInfo& i = v->info();
        json ttl = json::object(), login_ttl = json::object();
        for (Operator op : kOperators) {
            ttl[std::string(operator_id(op))] = vendor_token_ttl_ms(i.id, op, false) / 1000;
            login_ttl[std::string(operator_id(op))] = vendor_token_ttl_ms(i.id, op, true) / 1000;
        }
        const CircuitView circuit = circuit_view(app.vendors.circuit(i.id), app.now_ms());
        vendors.push_back(json{{"name", i.key},
                               {"available", circuit != CircuitView::Open},
                               {"title", text_json(i.name)},
                               {"verify", i.offers_verify},
                               {"login", i.offers_login},
                               {"risk", i.offers_risk},
                               {"session", i.session_token_ttl_ms > 0},
                               {"tokenTtlSec", ttl},
                               {"loginTokenTtlSec", login_ttl}});
    }
    json routing = json::object();
    for (Operator op : kOperators) {
        json order = json::array();
        for (const VendorId id : c.routing[static_cast<std::size_t>(op)]) order.push_back(vendor_info(id).key);
        if (order.empty()) {
            for (const Vendor* v : app.vendors.all()) order.push_back(v->info().key);
        }
        routing[std::string(operator_id(op))] = order;
    }
    send_json(res, 200,
              json{{"sandbox", c.sandbox},
                   {"vendors", vendors},
                   {"routing", routing},
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
