#include <httplib.h>

#include <nlohmann/json.hpp>

#include "http/http_util.hpp"
#include "http/routes.hpp"

namespace nv::server {

void install_health_routes(httplib::Server& s, App& app) {
    App* a = &app;
    s.Get("/healthz", [a](const httplib::Request&, httplib::Response& res) {
        const bool ok = a->store.healthy(a->config.app_key);
        // Each vendor apart: its circuit (open after repeated failures: the page asks the next vendor).
        const std::int64_t now = a->now_ms();
        nlohmann::json vendors = nlohmann::json::array();
        for (const Vendor* v : a->vendors.all()) {
            const CircuitState c = a->vendors.circuit(v->id());
            vendors.push_back(nlohmann::json{{"name", v->info().key},
                                             {"circuit", circuit_view_id(circuit_view(c, now))},
                                             {"consecutiveFailures", c.consecutive_failures}});
        }
        send_json(res, ok ? 200 : 503,
                  nlohmann::json{{"status", ok ? "ok" : "degraded"},
                                 {"store", ok ? "ok" : "failing"},
                                 {"storeKind", a->store.kind()},
                                 {"storeFailOpen", a->config.store.fail_open},
                                 {"upstreamTlsVerify", !a->config.upstream.insecure_skip_verify},
                                 {"sandbox", a->config.sandbox},
                                 {"vendors", vendors},
                                 {"version", NV_VERSION}});
    });
    s.Get("/metrics", [a](const httplib::Request&, httplib::Response& res) {
        res.set_content(a->metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
}

}  // namespace nv::server
